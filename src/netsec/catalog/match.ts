/**
 * Does a host group offer what a port profile needs? (PRODUCT.md §3: lint
 * checks every profile against the catalog; placement picks only groups that
 * offer all of a VM's profiles.)
 *
 * A group offers a profile when:
 * - for a virtualport, some offer of the same type matches: 802.1Qbg by
 *   manager id, type id (compared as numbers, so 0x123456 = 1193046) and a
 *   type version among those offered (all, when the offer lists none);
 *   802.1Qbh by profile id; openvswitch by profile id when the profile sets
 *   one and the offer lists any; midonet by type alone;
 * - for the source, the group lists it among its bridges (mode bridge),
 *   devices (direct) or networks (network), or lists none of that kind (then
 *   the catalog says nothing about sources and any is accepted).
 * A field that is still a macro `${…}` matches anything; check the resolved
 * profile again to be sure.
 */
import { diagnostic, type Diagnostic, type SourceLocation } from '../../diagnostics/diagnostic.js';
import { formatMessage } from '../../diagnostics/rule.js';
import { hasMacros } from '../../macros/syntax.js';
import { checkLibvirtUnsigned } from '../../macros/types.js';
import type { PortProfile, VirtualPortSpec } from '../model.js';
import { profileLocator } from '../profiles/fields.js';
import type { CatalogGroup, CatalogVirtualPortOffer, ProfileCatalog, SourceOfferKind } from './model.js';
import { libvirtNumber } from './yaml.js';

export const CATALOG_PROFILE_RULE_ID = 'catalog-profile';

export interface CatalogCheck {
  /** Groups (in catalog order) that offer the profile. */
  offeredBy: string[];
  diagnostics: Diagnostic[];
}

const SOURCE_KIND: Record<PortProfile['mode'], SourceOfferKind> = { direct: 'device', bridge: 'bridge', network: 'network' };

/** A comparable literal number, or undefined for a macro or a value that is not a libvirt number (validation reports those). */
function numeric(value: string | undefined, bits: 8 | 24): number | undefined {
  if (value === undefined || hasMacros(value) || checkLibvirtUnsigned(value, bits)) return undefined;
  return libvirtNumber(value);
}

const hex = (n: number) => `0x${n.toString(16)}`;

/** Why `offer` does not match `vp`, or an empty list when it does. */
function qbgMismatch(vp: VirtualPortSpec, offer: CatalogVirtualPortOffer): string[] {
  const out: string[] = [];
  const managerid = numeric(vp.parameters['managerid'], 8);
  const typeid = numeric(vp.parameters['typeid'], 24);
  const version = numeric(vp.parameters['typeidversion'], 8);
  if (managerid !== undefined && offer.managerid !== undefined && managerid !== offer.managerid) out.push(`managerid ${managerid} (offered: ${offer.managerid})`);
  if (typeid !== undefined && offer.typeid !== undefined && typeid !== offer.typeid) out.push(`typeid ${hex(typeid)} (offered: ${hex(offer.typeid)})`);
  if (version !== undefined && offer.typeidversions !== undefined && !offer.typeidversions.includes(version)) out.push(`typeidversion ${version} (offered: ${offer.typeidversions.join(', ')})`);
  return out;
}

function profileIdMismatch(vp: VirtualPortSpec, offer: CatalogVirtualPortOffer): string[] {
  const id = vp.parameters['profileid'];
  if (id === undefined || hasMacros(id) || offer.profileids === undefined) return [];
  return offer.profileids.includes(id) ? [] : [`profileid '${id}' (offered: ${offer.profileids.join(', ')})`];
}

function mismatch(vp: VirtualPortSpec, offer: CatalogVirtualPortOffer): string[] {
  if (vp.type === '802.1Qbg') return qbgMismatch(vp, offer);
  if (vp.type === '802.1Qbh' || vp.type === 'openvswitch') return profileIdMismatch(vp, offer);
  return [];
}

/** Why `group` does not offer `profile`; empty when it does. */
export function groupMisses(profile: PortProfile, group: CatalogGroup): string[] {
  const misses: string[] = [];
  const vp = profile.virtualport;
  if (vp) {
    const offers = group.offers.filter((o): o is CatalogVirtualPortOffer => o.kind === 'virtualport' && o.type === vp.type);
    const reasons = offers.map((o) => ({ offer: o, why: mismatch(vp, o) }));
    if (offers.length === 0) misses.push(`offers no ${vp.type} ports`);
    else if (!reasons.some((r) => r.why.length === 0)) {
      const closest = reasons.find((r) => r.offer.name === profile.name) ?? reasons[0]!;
      const label = closest.offer.name ? `offer '${closest.offer.name}'` : `its ${vp.type} offer`;
      misses.push(`${label} does not match: ${closest.why.join(', ')}`);
    }
  }
  const kind = SOURCE_KIND[profile.mode];
  const sources = group.offers.filter((o) => o.kind === kind).map((o) => (o as { name: string }).name);
  if (sources.length > 0 && !hasMacros(profile.source) && !sources.includes(profile.source)) misses.push(`has no ${kind} '${profile.source}' (${kind}s: ${sources.join(', ')})`);
  return misses;
}

export function groupOffers(profile: PortProfile, group: CatalogGroup): boolean {
  return groupMisses(profile, group).length === 0;
}

function describeNeed(profile: PortProfile): string {
  const vp = profile.virtualport;
  if (!vp) return `${profile.mode} '${profile.source}'`;
  const p = vp.parameters;
  if (vp.type === '802.1Qbg') return `802.1Qbg VSI type ${p['typeid'] ?? '?'} version ${p['typeidversion'] ?? '?'}, managerid ${p['managerid'] ?? '?'}`;
  return p['profileid'] !== undefined ? `${vp.type} profileid '${p['profileid']}'` : vp.type;
}

/**
 * Checks one profile against the catalog: against `group` only when given, else against every
 * group. An error (`catalog-profile`) when nothing offers it, naming what each group lacks.
 */
/** The messages of the catalog check, by message id (the lint rule catalog-profile uses them as its templates). */
export const CATALOG_CHECK_MESSAGES = {
  unknownGroup: "no group '{{group}}' in the profile catalog (groups: {{groups}})",
  notOfferedByGroup: "group '{{group}}' does not offer port profile '{{profile}}' ({{need}}): {{detail}}",
  notOffered: "no group of the profile catalog offers port profile '{{profile}}' ({{need}}): {{detail}}",
} as const;

function catalogFinding(messageId: keyof typeof CATALOG_CHECK_MESSAGES, data: Record<string, string>, at: Partial<SourceLocation>, locator: string): Diagnostic {
  return diagnostic(CATALOG_PROFILE_RULE_ID, 'error', formatMessage(CATALOG_CHECK_MESSAGES[messageId], data), at, locator, { messageId, data });
}

export function checkProfileAgainstCatalog(profile: PortProfile, catalog: ProfileCatalog, group?: string): CatalogCheck {
  const locator = profileLocator(profile);
  const at = profile.loc ?? {};
  if (group !== undefined && !catalog.groups.has(group)) {
    const known = [...catalog.groups.keys()].join(', ');
    return { offeredBy: [], diagnostics: [catalogFinding('unknownGroup', { group, groups: known }, at, locator)] };
  }
  const candidates = group !== undefined ? [catalog.groups.get(group)!] : [...catalog.groups.values()];
  const misses = candidates.map((g) => ({ group: g.name, why: groupMisses(profile, g) }));
  const offeredBy = misses.filter((m) => m.why.length === 0).map((m) => m.group);
  if (offeredBy.length > 0) return { offeredBy, diagnostics: [] };
  const detail = group !== undefined ? misses[0]!.why.join(', ') : misses.map((m) => `${m.group}: ${m.why.join(', ')}`).join('; ');
  const data = { profile: profile.name, need: describeNeed(profile), detail };
  const finding = group !== undefined ? catalogFinding('notOfferedByGroup', { group, ...data }, at, locator) : catalogFinding('notOffered', data, at, locator);
  return { offeredBy, diagnostics: [finding] };
}

/** Groups (in catalog order) that offer every one of `profiles`; for placement. */
export function groupsOffering(profiles: readonly PortProfile[], catalog: ProfileCatalog): string[] {
  return [...catalog.groups.values()].filter((g) => profiles.every((p) => groupOffers(p, g))).map((g) => g.name);
}
