/**
 * Resolve, per tenant and VirtualSystem: every macro of its bindings and
 * profiles, its MACs, uuid and domain name, and the OVF environment
 * properties (PRODUCT.md §4). Pure. Problems are diagnostics that name the
 * VM, the NIC, the macro and where its value came from.
 */
import { createHash } from 'node:crypto';
import { diagnostic, type Diagnostic, type SourceLocation } from '../diagnostics/diagnostic.js';
import { formatMessage } from '../diagnostics/rule.js';
import { abbreviate } from '../strings.js';
import { MACRO_MESSAGES, resolveMacros, resolvedValue, type MacroRequest, type MacroResolution, type MacroSources } from '../macros/resolve.js';
import { substituteMacros } from '../macros/syntax.js';
import { varSourcesFor, type VarsFile } from '../macros/vars.js';
import { bindingMacroRequests } from '../netsec/binding-macros.js';
import type { EffectiveBinding, NicInfo } from '../netsec/nic-bindings.js';
import { substituteProfile } from '../netsec/profiles/resolve.js';
import { netsecOf } from '../netsec/view.js';
import { contentWithParents } from '../ovf/locators.js';
import type { Envelope, ProductSection, VirtualSystem } from '../ovf/model.js';
import { nicModelFor } from './nic-model.js';
import { environmentKey, type EnvironmentProperty } from './ovf-env.js';
import type { RenderOptions, ResolvedNic } from './types.js';

export interface ResolvedVm {
  vs: VirtualSystem;
  domainName: string;
  uuid: string;
  nics: ResolvedNic[];
  properties: EnvironmentProperty[];
  /** For plan output: each value with its source; secrets masked. */
  values: Array<{ name: string; nic?: string; value: string; source: string }>;
  diagnostics: Diagnostic[];
}

const DOMAIN_NAME = /^[A-Za-z0-9_.+-]{1,200}$/;

/**
 * A VirtualSystem id as a domain-name part: ids are free text (spaces,
 * non-ASCII in real exports) while domain names also name files and
 * appear in host commands; other characters become '_' plus a short hash so
 * that two ids never map to the same name.
 */
export function safeName(id: string): string {
  if (DOMAIN_NAME.test(id)) return id;
  const hash = createHash('sha256').update(id).digest('hex').slice(0, 6);
  return `${id.replace(/[^A-Za-z0-9_.+-]/g, '_').slice(0, 60)}-${hash}`;
}

export function productSectionsFor(env: Envelope, vsId: string): ProductSection[] {
  for (const { node, parents } of contentWithParents(env.content))
    if (node.kind === 'VirtualSystem' && node.id === vsId) return [...node.productSections, ...parents.flatMap((p) => p.productSections)];
  return [];
}

/** A deployment of a package several times in one tenant: its name, and whether the package has one VirtualSystem. */
export interface InstanceContext {
  name: string;
  singleVirtualSystem: boolean;
}

export function resolveVm(env: Envelope, vs: VirtualSystem, tenant: string, vars: VarsFile | undefined, options: RenderOptions, configuration?: string, instance?: InstanceContext): ResolvedVm {
  // Generated values (MAC, uuid, instanceid) are keyed on the VM's identity: with instances, the instance is part of it.
  const identity = instance ? `${instance.name}/${vs.id}` : vs.id;
  const { view } = netsecOf(env);
  const scopes: ReturnType<typeof varSourcesFor> = vars ? varSourcesFor(vars, tenant, vs.id) : { defaults: new Map() };
  const sources: MacroSources = { ...scopes, ovf: { sections: productSectionsFor(env, vs.id), configuration }, generate: true };
  const nics = view.nics.filter((n) => n.vs === vs);
  const requests: MacroRequest[] = [{ name: 'vm_uuid', expectedType: 'uuid', usedAt: { vm: vs.id, field: `VirtualSystem[${vs.id}]/uuid` } }];
  for (const nic of nics) {
    requests.push({ name: 'mac', expectedType: 'mac', usedAt: { vm: vs.id, nic: nic.instanceId, field: `${nic.locator}/mac` } });
    const b = view.bindings.find((x) => x.nic === nic);
    if (b) requests.push(...bindingMacroRequests(b, view.filtersFor(vs.id)));
  }
  const resolution = resolveMacros(requests, sources, { tenant, vm: identity });
  const diagnostics = [...resolution.diagnostics];
  const defaultName = !instance ? `${tenant}-${safeName(vs.id)}` : instance.singleVirtualSystem ? `${tenant}-${safeName(instance.name)}` : `${tenant}-${safeName(instance.name)}-${safeName(vs.id)}`;
  const domainName = scopes.vm?.vars.get('domain_name')?.value ?? defaultName;
  if (!DOMAIN_NAME.test(domainName))
    diagnostics.push(diagnostic('macro-type', 'error', `VM ${vs.id}: domain name '${domainName}' must be 1-200 of A-Z a-z 0-9 _ . + -`, {}, `VirtualSystem[${vs.id}]`));
  return {
    vs,
    domainName,
    uuid: resolvedValue(resolution, 'vm_uuid') ?? '',
    nics: nics.map((nic) =>
      resolveNic(
        nic,
        view.bindings.find((x) => x.nic === nic),
        resolution,
        options,
      ),
    ),
    properties: environmentProperties(env, vs, sources, tenant, diagnostics),
    values: [...resolution.values.values()].map((v) => ({ name: v.name, nic: v.nic, value: v.secret ? '***' : v.value, source: v.sourceLabel })),
    diagnostics,
  };
}

function resolveNic(nic: NicInfo, b: EffectiveBinding | undefined, resolution: MacroResolution, options: RenderOptions): ResolvedNic {
  const lookup = (name: string) => resolvedValue(resolution, name, nic.instanceId) ?? resolvedValue(resolution, name);
  const profile = b?.profile ? substituteProfile(b.profile, lookup).profile : undefined;
  const mapped = nic.network === undefined ? undefined : options.networkMap?.[nic.network];
  const out: ResolvedNic = {
    instanceId: nic.instanceId,
    network: nic.network,
    mac: lookup('mac') ?? '',
    model: nicModelFor(nic.item.resourceSubType, options.nicModelMap),
    // Without a profile a NIC joins its mapping (--network/--bridge), else the libvirt network named like its OVF network.
    mode: profile?.mode ?? mapped?.mode ?? 'network',
    source: profile?.source ?? mapped?.source ?? nic.network ?? 'default',
  };
  if (profile?.sourceMode) out.sourceMode = profile.sourceMode;
  if (profile?.virtualport) out.virtualport = profile.virtualport;
  if (profile?.vlan) out.vlan = profile.vlan;
  if (profile?.bandwidth) out.bandwidth = profile.bandwidth;
  if (b?.filterName !== undefined) out.filterref = { filter: b.filterName, parameters: b.parameters.map((p) => ({ name: p.name, value: substituteMacros(p.value, lookup).text })) };
  return out;
}

/**
 * The OVF environment (DSP0243 §11): every property of the VM's
 * ProductSections, valued from vars (most specific name first:
 * `class.key.instance`, `class.key`, `key`) or else its OVF default (the
 * configuration's <Value> when one is chosen), and type-checked.
 */
function environmentProperties(env: Envelope, vs: VirtualSystem, sources: MacroSources, tenant: string, diagnostics: Diagnostic[]): EnvironmentProperty[] {
  const out: EnvironmentProperty[] = [];
  const seen = new Set<string>();
  const varsOnly: MacroSources = { vm: sources.vm, tenant: sources.tenant, defaults: sources.defaults, generate: false };
  for (const ps of productSectionsFor(env, vs.id))
    for (const p of ps.properties) {
      if (!p.key) continue;
      const type = isTypeName(p.type) ? p.type : 'string';
      const field = `VirtualSystem[${vs.id}]/Property[key=${abbreviate(p.key)}]`;
      // Two properties with one environment name (a repeated key, or class/key/instance joined on '.')
      // cannot both be in ovf-env.xml: the guest could not tell them apart (lint: property-key).
      const envKey = environmentKey({ key: p.key, class: ps.class, instance: ps.instance });
      if (seen.has(envKey)) {
        diagnostics.push(diagnostic('property-key', 'error', `Property '${abbreviate(envKey)}' appears twice in the OVF environment of VM ${abbreviate(vs.id)}`, p.loc, field));
        continue;
      }
      seen.add(envKey);
      const names = [...new Set([[ps.class, p.key, ps.instance].filter(Boolean).join('.'), [ps.class, p.key].filter(Boolean).join('.'), p.key])];
      let value: string | undefined;
      for (const name of names) {
        const r = resolveMacros([{ name, expectedType: type, usedAt: { vm: vs.id, field }, loc: p.loc }], varsOnly, { tenant, vm: vs.id });
        value = resolvedValue(r, name);
        const typeErrors = r.diagnostics.filter((d) => d.ruleId === 'macro-type');
        if (typeErrors.length > 0) diagnostics.push(...typeErrors);
        if (value !== undefined || typeErrors.length > 0) break;
      }
      value ??= ovfDefault(p, sources.ovf?.configuration);
      // A user-configurable property with no default (or an empty one, as vSphere and ovftool read it) is
      // the deployer's to give: `spec` calls it required, and rendering without it is an error. An empty
      // value is no value (the `""` that `spec` writes for it, left unfilled).
      if (p.userConfigurable && !hasDefault(p, sources.ovf?.configuration) && (value === undefined || value === '')) {
        diagnostics.push(requiredProperty(vs.id, envKey, names, p.password, p.loc, field));
        continue;
      }
      // An unset property with no default is left out of ovf-env.xml: the guest applies its own default.
      if (value !== undefined) out.push({ key: p.key, value, class: ps.class, instance: ps.instance });
    }
  return out;
}

/** The property has a non-empty default (for this configuration, or its ovf:value). */
function hasDefault(p: ProductSection['properties'][number], configuration: string | undefined): boolean {
  const v = ovfDefault(p, configuration);
  return v !== undefined && v !== '';
}

function requiredProperty(vm: string, envKey: string, names: readonly string[], secret: boolean, loc: SourceLocation | undefined, field: string): Diagnostic {
  const data = { vm: abbreviate(vm), property: abbreviate(envKey), names: names.map((n) => `'${abbreviate(n)}'`).join(' or '), secret: secret ? 'secret, ' : '' };
  return diagnostic('macro-source', 'error', formatMessage(MACRO_MESSAGES['macro-source'].required, data), loc ?? {}, field, { messageId: 'required', data });
}

function ovfDefault(p: ProductSection['properties'][number], configuration: string | undefined): string | undefined {
  const perConfig = configuration === undefined ? undefined : p.values.find((v) => v.configuration === configuration)?.value;
  return perConfig ?? p.defaultValue;
}

const OVF_TYPES = new Set(['uint8', 'sint8', 'uint16', 'sint16', 'uint32', 'sint32', 'uint64', 'sint64', 'boolean', 'string', 'char16', 'real32', 'real64']);
function isTypeName(t: string): t is 'string' {
  return OVF_TYPES.has(t);
}
