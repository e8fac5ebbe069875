/**
 * Profiles and macros, end to end: the requests a profile makes for one NIC,
 * and the profile with its macros replaced. The pipeline then runs
 * validatePortProfile on the result, which checks fields that were only
 * partly macros (e.g. `br-${tenant}`) as whole values.
 */
import { substituteMacros } from '../../macros/syntax.js';
import type { MacroRequest } from '../../macros/resolve.js';
import type { BandwidthLimits, PortProfile } from '../model.js';
import { profileMacroUses } from './fields.js';

/** One request per macro use, for a profile applied to `nic` of `vm`. */
export function profileMacroRequests(profile: PortProfile, usedAt: { vm: string; nic?: string }): MacroRequest[] {
  return profileMacroUses(profile).map((u) => ({
    name: u.name,
    expectedType: u.expectedType,
    usedAt: { vm: usedAt.vm, ...(usedAt.nic !== undefined ? { nic: usedAt.nic } : {}), field: u.field },
    ...(profile.loc ? { loc: profile.loc } : {}),
  }));
}

export interface ProfileSubstitution {
  profile: PortProfile;
  /** Macro names `lookup` did not know (left as written in the profile). */
  missing: string[];
}

/** A copy of `profile` with every macro replaced by `lookup(name)`. */
export function substituteProfile(profile: PortProfile, lookup: (name: string) => string | undefined): ProfileSubstitution {
  const missing = new Set<string>();
  const sub = (value: string): string => {
    const r = substituteMacros(value, lookup);
    r.missing.forEach((m) => missing.add(m));
    return r.text;
  };
  const rates = (l: BandwidthLimits | undefined): BandwidthLimits | undefined => l && Object.fromEntries(Object.entries(l).map(([k, v]) => [k, v === undefined ? v : sub(v)]));
  const out: PortProfile = { ...profile, source: sub(profile.source) };
  if (profile.virtualport) out.virtualport = { type: profile.virtualport.type, parameters: Object.fromEntries(Object.entries(profile.virtualport.parameters).map(([k, v]) => [k, sub(v)])) };
  if (profile.vlan) out.vlan = { ...profile.vlan, tags: profile.vlan.tags.map((t) => ({ ...t, id: sub(t.id) })) };
  if (profile.bandwidth) {
    out.bandwidth = {};
    const inbound = rates(profile.bandwidth.inbound);
    const outbound = rates(profile.bandwidth.outbound);
    if (inbound) out.bandwidth.inbound = inbound;
    if (outbound) out.bandwidth.outbound = outbound;
  }
  return { profile: out, missing: [...missing] };
}
