/**
 * The macros a NIC's binding and profile need, as typed requests for the
 * resolver (src/macros/resolve.ts). A filter parameter's type comes from
 * where the filter uses it: a parameter that a rule of the bound filter (or
 * of a filter it references) reads as `srcipaddr='$WEB'` must be an IPv4
 * address, one read as `srcmacaddr` a MAC, one read as `dstportstart` a
 * port, as the nwfilter attribute table (nwfilter/protocols.ts) types that
 * attribute. Only then, for parameters no embedded filter reads (a built-in
 * such as clean-traffic does), the type comes from the name when libvirt
 * gives the variable a meaning (IP, MAC, …, libvirt formatnwfilter "Usage of
 * variables in filters"). Every parameter value must in any case fit
 * libvirt's value charset `[A-Za-z0-9_.:]`. So `192.0.2.999` is refused at
 * render, not by libvirt when the domain starts.
 */
import { findMacros, wholeMacroName } from '../macros/syntax.js';
import type { MacroRequest } from '../macros/resolve.js';
import type { MacroTypeName } from '../macros/types.js';
import { profileMacroRequests } from './profiles/resolve.js';
import type { EffectiveBinding } from './nic-bindings.js';
import type { EmbeddedFilter } from './model.js';
import { describeExpected, valueType, type ValueTypeId } from './nwfilter/datatypes.js';
import { parseFilter } from './nwfilter/parse.js';
import { attributeSpec } from './nwfilter/protocols.js';
import { parseVariableC } from './nwfilter/variables.js';

/** Well-known libvirt filter variables and the value type each takes. */
const PARAMETER_TYPES: Readonly<Record<string, MacroTypeName>> = {
  IP: 'ip',
  IPV6: 'ipv6',
  MAC: 'mac',
  DHCPSERVER: 'ip',
  DHCPSERVERV6: 'ipv6',
};

export function parameterType(name: string): MacroTypeName {
  return PARAMETER_TYPES[name] ?? 'libvirt-param';
}

/** The macro types that say more than the attribute table's pattern (libvirt's C parser reads these strictly). */
const ATTRIBUTE_MACRO_TYPES: Partial<Record<ValueTypeId, MacroTypeName>> = {
  macAddr: 'mac',
  macMask: 'mac',
  ipv4Addr: 'ipv4',
  ipv6Addr: 'ipv6',
};

/** One place a filter reads a variable: `tcp@srcipaddr in filter 'db-guard'`, typed by the attribute table. */
export interface VariableUse {
  variable: string;
  attribute: string;
  protocol: string;
  filter: string;
  type: ValueTypeId;
}

/**
 * Every attribute that reads a variable in `root` and the embedded filters it references (recursively;
 * built-in filters are not embedded and read only the well-known variables).
 */
export function variableUses(filters: readonly EmbeddedFilter[], root: string): VariableUse[] {
  const out: VariableUse[] = [];
  const seen = new Set<string>();
  const pending = [root];
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const embedded = filters.find((f) => f.name === name);
    if (!embedded) continue;
    for (const entry of parseFilter(embedded.element).filter.entries) {
      if (entry.kind === 'filterref') {
        if (entry.filter) pending.push(entry.filter.value);
        continue;
      }
      for (const m of entry.matches)
        for (const a of m.attributes) {
          if (!a.value.startsWith('$')) continue;
          const access = parseVariableC(a.value.slice(1));
          const spec = attributeSpec(m.protocol, a.name);
          if (!access.ok || !spec) continue;
          out.push({ variable: access.access.name, attribute: a.name, protocol: m.protocol.name, filter: name, type: spec.cType ?? spec.type });
        }
    }
  }
  return out;
}

/** The request's type and its use check for a parameter read by `use`. */
function typedByUse(use: VariableUse): Pick<MacroRequest, 'expectedType' | 'use'> {
  const vt = valueType(use.type);
  const expectedType = ATTRIBUTE_MACRO_TYPES[use.type] ?? 'libvirt-param';
  return {
    expectedType,
    use: {
      description: `${use.protocol}@${use.attribute} in filter '${use.filter}'`,
      // The attribute table's own verdict on a literal (nwfilter.rng); the charset comes from libvirt-param or the stricter type.
      check: (v) => (vt.rng(v) ? undefined : `${use.attribute} must be ${describeExpected(vt)}`),
    },
  };
}

/**
 * Requests for every macro in the binding's filter parameters and its profile fields. `filters` are
 * the embedded filters the NIC's VirtualSystem sees (NetsecView.filtersFor): where one reads a
 * parameter, the parameter takes that attribute's type.
 */
export function bindingMacroRequests(b: EffectiveBinding, filters: readonly EmbeddedFilter[] = []): MacroRequest[] {
  const usedAt = { vm: b.nic.vs.id, nic: b.nic.instanceId };
  const out: MacroRequest[] = [];
  const uses = b.filterName !== undefined && filters.length > 0 ? variableUses(filters, b.filterName) : [];
  for (const p of b.parameters) {
    const whole = wholeMacroName(p.value);
    const field = `${b.nic.locator}/filterref[${b.filterName ?? '?'}]/parameter[${p.name}]`;
    const refs = findMacros(p.value).refs;
    if (whole === undefined) {
      for (const ref of refs) out.push({ name: ref.name, expectedType: 'libvirt-param', usedAt: { ...usedAt, field }, loc: b.binding?.loc });
      continue;
    }
    // One request per distinct attribute type that reads it; the name's own type when none does.
    const typed = new Map<ValueTypeId, VariableUse>();
    for (const u of uses) if (u.variable === p.name && !typed.has(u.type)) typed.set(u.type, u);
    const kinds = typed.size > 0 ? [...typed.values()].map(typedByUse) : [{ expectedType: parameterType(p.name) }];
    for (const ref of refs) for (const kind of kinds) out.push({ name: ref.name, ...kind, usedAt: { ...usedAt, field }, loc: b.binding?.loc });
  }
  if (b.profile) out.push(...profileMacroRequests(b.profile, usedAt));
  return out;
}
