/**
 * Port profile checks, as libvirt enforces them when a domain using the
 * profile is defined and started (PRODUCT.md §3). Two rule ids:
 * - `virtualport-parameters`: the parameters of each virtualport type, their
 *   types and ranges, and no extras (networkcommon.rng virtualPortProfile;
 *   netdev_vport_profile_conf.c virNetDevVPortProfileParse;
 *   virnetdevvportprofile.c CheckComplete/CheckNoExtras);
 * - `port-profile`: interface mode against virtualport type, the macvtap
 *   source mode, vlan (netdev_vlan_conf.c, domain_validate.c
 *   virDomainActualNetDefValidate) and bandwidth (netdev_bandwidth_conf.c).
 *
 * A field written as a macro `${name}` is not checked here (its type is
 * recorded by `profileMacroUses`); run this again on the resolved profile.
 */
import { diagnostic, type Diagnostic, type Severity, type SourceLocation } from '../../diagnostics/diagnostic.js';
import { formatMessage } from '../../diagnostics/rule.js';
import { checkMacroValue, macroType } from '../../macros/types.js';
import { findMacros, hasMacros } from '../../macros/syntax.js';
import type { BandwidthLimits, PortProfile } from '../model.js';
import { profileFields, profileLocator, VIRTUALPORT_PARAMETERS, type ProfileRuleId } from './fields.js';
import { virtualPortType } from '../virtualport-types.js';

export interface ValidateProfileOptions {
  /** Location for every diagnostic (default: `profile.loc`). */
  loc?: Partial<SourceLocation>;
  /** A finer location per locator (e.g. the YAML line of one field); falls back to `loc`. */
  locate?: (locator: string) => Partial<SourceLocation> | undefined;
}

const DIRECT_MODES = ['vepa', 'bridge', 'private', 'passthrough'] as const;

const WHY_NOT_MODE: Record<string, string> = {
  direct: 'libvirt associates only 802.1Qbg and 802.1Qbh ports on a direct (macvtap) interface and silently skips openvswitch and midonet (virNetDevVPortProfileAssociate)',
  bridge: 'on a bridge interface libvirt plugs only openvswitch and midonet ports; an 802.1Qbg/802.1Qbh association (VDP) is made only for direct and hostdev interfaces',
};

/** Messages that either rule reports for a field value (which rule depends on the field: profileFields). */
const FIELD_MESSAGES = {
  fieldSyntax: '{{field}}: {{problem}}',
  fieldType: "{{field}} '{{value}}' is not {{expected}}: {{reason}}",
} as const;

/** The messages of the two port profile rules, by rule id and message id (the lint rules use them as their templates). */
export const PROFILE_MESSAGES = {
  'virtualport-parameters': {
    ...FIELD_MESSAGES,
    unknownType: "unknown virtualport type '{{type}}' (known: {{known}})",
    extraParameter: "extra {{name}} unsupported in <virtualport type='{{type}}'> (allowed: {{allowed}})",
    missingParameter: "missing {{name}} in <virtualport type='{{type}}'> (libvirt requires it on a {{mode}} interface)",
    noInstanceId: "no instanceid: libvirt picks a random VSI instance id at every define; use '${instanceid}' for a stable one",
    reservedManagerId: 'managerid 0 is reserved (IEEE 802.1Qbg VSI Manager ID; libvirt formatdomain)',
  },
  'port-profile': {
    ...FIELD_MESSAGES,
    modeForType: "virtualport type '{{type}}' needs mode {{modes}}, not '{{mode}}': {{why}}",
    sourceModeNotDirect: "sourceMode applies only to mode 'direct' (macvtap), not '{{mode}}'",
    sourceModeUnknown: "sourceMode '{{sourceMode}}' must be one of {{allowed}}",
    qbgSourceModeBridge:
      "802.1Qbg with sourceMode 'bridge': libvirt allows it, but macvtap then switches traffic between local guests itself, so the adjacent switch never sees it and cannot enforce the VSI profile; use 'vepa'",
    vlanNoTag: 'a vlan needs at least one tag id (netdev_vlan_conf.c)',
    vlanNativeTwice: 'only one tag may have a nativeMode (libvirt: duplicate native vlan setting)',
    vlanNativeMode: "nativeMode '{{nativeMode}}' must be tagged or untagged",
    vlanTagsNeedTrunk: 'more than one vlan tag needs trunk mode (libvirt requires trunk=yes)',
    vlanNativeNeedsTrunk: 'a native vlan is not allowed without trunk mode',
    vlanUnsupported: 'libvirt refuses this vlan at start ("vlan tag not supported for this connection type"): {{why}}',
    bandwidthNeedsAverage: 'bandwidth {{direction}} needs average or floor (netdev_bandwidth_conf.c)',
    peakBurstNeedAverage: 'bandwidth {{direction}}: peak and burst require average',
    floorOutbound: "'floor' is allowed only in inbound bandwidth",
    floorNeedsNetwork: "'floor' needs mode 'network' (libvirt guarantees a floor only through a network's QoS), not '{{mode}}'",
  },
} as const;

type MessageIdOf<R extends ProfileRuleId> = keyof (typeof PROFILE_MESSAGES)[R] & string;

class Reporter {
  readonly diagnostics: Diagnostic[] = [];
  constructor(
    private readonly options: ValidateProfileOptions,
    private readonly fallback: Partial<SourceLocation> | undefined,
  ) {}

  report<R extends ProfileRuleId>(ruleId: R, severity: Severity, locator: string, messageId: MessageIdOf<R>, data: Record<string, string | number> = {}): void {
    const at = this.options.locate?.(locator) ?? this.options.loc ?? this.fallback ?? {};
    const template = (PROFILE_MESSAGES[ruleId] as Record<string, string>)[messageId]!;
    this.diagnostics.push(diagnostic(ruleId, severity, formatMessage(template, data), at, locator, { messageId, data }));
  }
}

function literal(value: string | undefined): value is string {
  return value !== undefined && !hasMacros(value);
}

function checkFieldValues(profile: PortProfile, r: Reporter): void {
  for (const f of profileFields(profile)) {
    const syntax = findMacros(f.value).problems;
    for (const p of syntax) r.report(f.ruleId, 'error', f.locator, 'fieldSyntax', { field: f.label, problem: p.message });
    if (hasMacros(f.value)) continue;
    const reason = checkMacroValue(f.type, f.value);
    if (reason) r.report(f.ruleId, 'error', f.locator, 'fieldType', { field: f.label, value: f.value, expected: macroType(f.type).description, reason });
  }
}

function checkVirtualport(profile: PortProfile, r: Reporter): void {
  const vp = profile.virtualport;
  if (!vp) return;
  const at = `${profileLocator(profile)}/virtualport`;
  const specs = VIRTUALPORT_PARAMETERS[vp.type];
  if (!specs) {
    r.report('virtualport-parameters', 'error', at, 'unknownType', { type: vp.type, known: Object.keys(VIRTUALPORT_PARAMETERS).join(', ') });
    return;
  }
  const allowed = specs.map((s) => s.name);
  for (const name of Object.keys(vp.parameters)) {
    if (!allowed.includes(name)) r.report('virtualport-parameters', 'error', `${at}@${name}`, 'extraParameter', { name, type: vp.type, allowed: allowed.join(', ') });
  }
  // libvirt requires complete parameters on direct and bridge interfaces; on a network they may come from the network or portgroup.
  if (profile.mode !== 'network') {
    for (const s of specs) {
      if (vp.parameters[s.name] !== undefined) continue;
      if (s.required === 'yes') r.report('virtualport-parameters', 'error', at, 'missingParameter', { name: s.name, type: vp.type, mode: profile.mode });
    }
  }
  if (vp.type === '802.1Qbg' && vp.parameters['instanceid'] === undefined) r.report('virtualport-parameters', 'warning', at, 'noInstanceId');
  const managerid = vp.parameters['managerid'];
  if (vp.type === '802.1Qbg' && literal(managerid) && checkMacroValue('libvirt-uint8', managerid) === undefined && Number(managerid) === 0)
    r.report('virtualport-parameters', 'warning', `${at}@managerid`, 'reservedManagerId');
}

function checkMode(profile: PortProfile, r: Reporter): void {
  const base = profileLocator(profile);
  const vp = profile.virtualport;
  const modesForType = vp ? virtualPortType(vp.type)?.modes : undefined;
  if (vp && modesForType && !(modesForType as readonly string[]).includes(profile.mode)) {
    r.report('port-profile', 'error', `${base}@mode`, 'modeForType', { type: vp.type, modes: modesForType.join(' or '), mode: profile.mode, why: WHY_NOT_MODE[profile.mode] ?? '' });
  }
  const sm = profile.sourceMode;
  if (sm === undefined) return;
  if (profile.mode !== 'direct') {
    r.report('port-profile', 'error', `${base}@sourceMode`, 'sourceModeNotDirect', { mode: profile.mode });
    return;
  }
  if (!(DIRECT_MODES as readonly string[]).includes(sm)) {
    r.report('port-profile', 'error', `${base}@sourceMode`, 'sourceModeUnknown', { sourceMode: sm, allowed: DIRECT_MODES.join(', ') });
    return;
  }
  if (vp?.type === '802.1Qbg' && sm === 'bridge') r.report('port-profile', 'warning', `${base}@sourceMode`, 'qbgSourceModeBridge');
}

/** Where libvirt accepts a <vlan> (domain_validate.c virDomainActualNetDefValidate); undefined when it cannot be known yet. */
function vlanUnsupportedReason(profile: PortProfile): string | undefined {
  if (profile.mode === 'network') return undefined; // decided by the network at start
  if (profile.mode === 'direct') {
    const sm = profile.sourceMode ?? 'vepa';
    return sm === 'passthrough' ? undefined : `a direct interface takes a vlan only in sourceMode 'passthrough' (SR-IOV), not '${sm}'`;
  }
  return profile.virtualport?.type === 'openvswitch' ? undefined : 'a bridge interface takes a vlan only with an openvswitch virtualport';
}

function checkVlan(profile: PortProfile, r: Reporter): void {
  const vlan = profile.vlan;
  if (!vlan) return;
  const at = `${profileLocator(profile)}/vlan`;
  if (vlan.tags.length === 0) {
    r.report('port-profile', 'error', at, 'vlanNoTag');
    return;
  }
  const natives = vlan.tags.filter((t) => t.nativeMode !== undefined);
  if (natives.length > 1) r.report('port-profile', 'error', at, 'vlanNativeTwice');
  for (const t of natives) {
    if (t.nativeMode !== 'tagged' && t.nativeMode !== 'untagged') r.report('port-profile', 'error', at, 'vlanNativeMode', { nativeMode: String(t.nativeMode) });
  }
  if (vlan.trunk === false && vlan.tags.length > 1) r.report('port-profile', 'error', at, 'vlanTagsNeedTrunk');
  if (vlan.trunk === false && natives.length > 0) r.report('port-profile', 'error', at, 'vlanNativeNeedsTrunk');
  const why = vlanUnsupportedReason(profile);
  if (why) r.report('port-profile', 'error', at, 'vlanUnsupported', { why });
}

function checkRates(profile: PortProfile, direction: 'inbound' | 'outbound', limits: BandwidthLimits | undefined, r: Reporter): void {
  if (!limits) return;
  const at = `${profileLocator(profile)}/bandwidth/${direction}`;
  if (limits.average === undefined && limits.floor === undefined) r.report('port-profile', 'error', at, 'bandwidthNeedsAverage', { direction });
  if ((limits.peak !== undefined || limits.burst !== undefined) && limits.average === undefined) r.report('port-profile', 'error', at, 'peakBurstNeedAverage', { direction });
  if (limits.floor === undefined) return;
  if (direction === 'outbound') r.report('port-profile', 'error', `${at}@floor`, 'floorOutbound');
  else if (profile.mode !== 'network') r.report('port-profile', 'error', `${at}@floor`, 'floorNeedsNetwork', { mode: profile.mode });
}

/** All problems of one port profile; field locations come from `options.locate`, else `options.loc`, else `profile.loc`. */
export function validatePortProfile(profile: PortProfile, options: ValidateProfileOptions = {}): Diagnostic[] {
  const r = new Reporter(options, profile.loc);
  checkVirtualport(profile, r);
  checkMode(profile, r);
  checkFieldValues(profile, r);
  checkVlan(profile, r);
  checkRates(profile, 'inbound', profile.bandwidth?.inbound, r);
  checkRates(profile, 'outbound', profile.bandwidth?.outbound, r);
  return r.diagnostics;
}
