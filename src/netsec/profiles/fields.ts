/**
 * The value-carrying fields of a port profile, each with the type its value
 * must have. One list serves value validation (validate.ts) and macro
 * collection (`profileMacroUses`): a field written as `${name}` is not
 * checked here; its macro is recorded with the field's type, and the value is
 * checked when the macro is resolved (src/macros/resolve.ts).
 */
import type { MacroTypeName } from '../../macros/types.js';
import { findMacros, hasMacros, wholeMacroName } from '../../macros/syntax.js';
import type { BandwidthLimits, PortProfile, VirtualPortType } from '../model.js';
import { VIRTUALPORT_PARAMETERS, type ParameterSpec } from '../virtualport-types.js';

export type ProfileRuleId = 'virtualport-parameters' | 'port-profile';

export { VIRTUALPORT_PARAMETERS, type ParameterSpec };

export function parameterSpec(type: VirtualPortType, name: string): ParameterSpec | undefined {
  return VIRTUALPORT_PARAMETERS[type]?.find((p) => p.name === name);
}

export function profileLocator(profile: Pick<PortProfile, 'name'>): string {
  return `PortProfile[${profile.name}]`;
}

export interface ProfileField {
  /** e.g. `PortProfile[web]/virtualport@typeid`. */
  locator: string;
  value: string;
  type: MacroTypeName;
  ruleId: ProfileRuleId;
  /** Human name of the field for messages, e.g. `virtualport typeid`. */
  label: string;
}

function bandwidthFields(base: string, direction: 'inbound' | 'outbound', limits: BandwidthLimits | undefined): ProfileField[] {
  const out: ProfileField[] = [];
  for (const key of ['average', 'peak', 'floor', 'burst'] as const) {
    const value = limits?.[key];
    if (value === undefined) continue;
    const type: MacroTypeName = key === 'burst' ? 'bandwidth-burst' : 'bandwidth-rate';
    out.push({ locator: `${base}/bandwidth/${direction}@${key}`, value, type, ruleId: 'port-profile', label: `bandwidth ${direction} ${key}` });
  }
  return out;
}

/** Every field of `profile` that holds a value (source, virtualport parameters, vlan tag ids, bandwidth). */
export function profileFields(profile: PortProfile): ProfileField[] {
  const base = profileLocator(profile);
  const sourceType: MacroTypeName = profile.mode === 'network' ? 'libvirt-name' : 'ifname';
  const fields: ProfileField[] = [{ locator: `${base}@source`, value: profile.source, type: sourceType, ruleId: 'port-profile', label: 'source' }];
  const vp = profile.virtualport;
  if (vp) {
    for (const [name, value] of Object.entries(vp.parameters)) {
      const type = parameterSpec(vp.type, name)?.type ?? 'string';
      fields.push({ locator: `${base}/virtualport@${name}`, value, type, ruleId: 'virtualport-parameters', label: `virtualport ${name}` });
    }
  }
  profile.vlan?.tags.forEach((tag, i) => {
    fields.push({ locator: `${base}/vlan/tag[${i}]@id`, value: tag.id, type: 'vlan', ruleId: 'port-profile', label: 'vlan tag id' });
  });
  fields.push(...bandwidthFields(base, 'inbound', profile.bandwidth?.inbound));
  fields.push(...bandwidthFields(base, 'outbound', profile.bandwidth?.outbound));
  return fields;
}

export interface ProfileMacroUse {
  name: string;
  /**
   * The field's type when the field is exactly `${name}`; `string` when the macro is only
   * part of the value (e.g. `br-${tenant}`): then the whole value is checked after
   * substitution, by validating the resolved profile again.
   */
  expectedType: MacroTypeName;
  /** Locator of the field, e.g. `PortProfile[web]/virtualport@instanceid`. */
  field: string;
  whole: boolean;
}

/** The macros a profile uses, with the type each must resolve to. */
export function profileMacroUses(profile: PortProfile): ProfileMacroUse[] {
  const uses: ProfileMacroUse[] = [];
  for (const f of profileFields(profile)) {
    if (!hasMacros(f.value)) continue;
    const whole = wholeMacroName(f.value);
    if (whole !== undefined) uses.push({ name: whole, expectedType: f.type, field: f.locator, whole: true });
    else for (const ref of findMacros(f.value).refs) uses.push({ name: ref.name, expectedType: 'string', field: f.locator, whole: false });
  }
  return uses;
}
