/**
 * The macros a NIC's binding and profile need, as typed requests for the
 * resolver (src/macros/resolve.ts). A filter parameter's expected type comes
 * from its name when libvirt gives the variable a meaning (IP, MAC, …,
 * libvirt formatnwfilter "Usage of variables in filters"); every parameter
 * value must in any case fit libvirt's value charset `[A-Za-z0-9_.:]`.
 */
import { findMacros, wholeMacroName } from '../macros/syntax.js';
import type { MacroRequest } from '../macros/resolve.js';
import type { MacroTypeName } from '../macros/types.js';
import { profileMacroRequests } from './profiles/resolve.js';
import type { EffectiveBinding } from './nic-bindings.js';

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

/** Requests for every macro in the binding's filter parameters and its profile fields. */
export function bindingMacroRequests(b: EffectiveBinding): MacroRequest[] {
  const usedAt = { vm: b.nic.vs.id, nic: b.nic.instanceId };
  const out: MacroRequest[] = [];
  for (const p of b.parameters) {
    const whole = wholeMacroName(p.value);
    const field = `${b.nic.locator}/filterref[${b.filterName ?? '?'}]/parameter[${p.name}]`;
    for (const ref of findMacros(p.value).refs)
      out.push({ name: ref.name, expectedType: whole !== undefined ? parameterType(p.name) : 'libvirt-param', usedAt: { ...usedAt, field }, loc: b.binding?.loc });
  }
  if (b.profile) out.push(...profileMacroRequests(b.profile, usedAt));
  return out;
}
