/**
 * The kernel rules libvirt's nwfilter driver instantiates for an interface
 * (libvirt src/nwfilter/nwfilter_ebiptables_driver.c, unchanged in this
 * respect through libvirt 12.x: ebtables and iptables/ip6tables, never nft
 * directly). Layer-2 protocols (mac, vlan, stp, arp, rarp, ip, ipv6) become
 * ebtables rules in the nat table: chain `libvirt-I-<tap>` (traffic from the
 * VM, jumped to from PREROUTING with `-i <tap>`) and `libvirt-O-<tap>`
 * (traffic to the VM, from POSTROUTING with `-o <tap>`). Layer-3/4 protocols
 * become iptables (ip6tables for the `-ipv6` ones) chains `FI-`, `FO-`,
 * `HI-<tap>`, jumped to from libvirt-in, libvirt-out and libvirt-host-in.
 * Pure: parsers of the listings and the check of one interface.
 */
import { parseXml } from '../../xml/parse.js';

const L2 = new Set(['mac', 'vlan', 'stp', 'arp', 'rarp', 'ip', 'ipv6']);
const L3V4 = new Set(['tcp', 'udp', 'sctp', 'icmp', 'igmp', 'esp', 'ah', 'udplite', 'all']);
const L3V6 = new Set(['tcp-ipv6', 'udp-ipv6', 'sctp-ipv6', 'icmpv6', 'esp-ipv6', 'ah-ipv6', 'udplite-ipv6', 'all-ipv6']);

/** What a filter tree implies on the host: rule counts per table and direction. */
export interface FilterLayers {
  /** ebtables rules for traffic from the VM (direction out/inout) and to it (in/inout). */
  ebtablesFromVm: number;
  ebtablesToVm: number;
  iptables: number;
  ip6tables: number;
}

/** Walks a filter tree (filterrefs followed through `filters`, cycles ignored) and counts its rules per layer. */
export function filterLayers(root: string, filters: ReadonlyMap<string, string>): FilterLayers {
  const out: FilterLayers = { ebtablesFromVm: 0, ebtablesToVm: 0, iptables: 0, ip6tables: 0 };
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const xml = filters.get(name);
    if (xml === undefined) return;
    const r = parseXml(xml);
    if (!r.ok) return;
    for (const c of r.root.children) {
      if (c.local === 'filterref') {
        const ref = c.attributes.find((a) => a.local === 'filter')?.value;
        if (ref) visit(ref);
        continue;
      }
      if (c.local !== 'rule') continue;
      const direction = c.attributes.find((a) => a.local === 'direction')?.value ?? 'inout';
      // A rule with no protocol element matches everything of its chain: libvirt puts it in ebtables.
      const protocols = c.children.length > 0 ? c.children.map((p) => p.local) : ['mac'];
      for (const p of protocols) {
        if (L2.has(p)) {
          if (direction !== 'in') out.ebtablesFromVm++;
          if (direction !== 'out') out.ebtablesToVm++;
        } else if (L3V4.has(p)) out.iptables++;
        else if (L3V6.has(p)) out.ip6tables++;
      }
    }
  };
  visit(root);
  return out;
}

/** `ebtables -t nat -L`: chain → its rules (the header lines carry the chain names). */
export function parseEbtables(out: string): Map<string, string[]> {
  const chains = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const raw of out.split('\n')) {
    const line = raw.trim();
    const head = /^Bridge chain: ([^,]+),/.exec(line);
    if (head) chains.set(head[1]!, (current = []));
    else if (line === '' || line.startsWith('Bridge table:')) current = undefined;
    else current?.push(line);
  }
  return chains;
}

/** `iptables -S` / `ip6tables -S`: chain → its `-A` rules (a `-N`/`-P` line makes the chain exist). */
export function parseIptablesSave(out: string): Map<string, string[]> {
  const chains = new Map<string, string[]>();
  for (const raw of out.split('\n')) {
    const m = /^-([NPA]) (\S+)(?: (.*))?$/.exec(raw.trim());
    if (!m) continue;
    const list = chains.get(m[2]!) ?? [];
    chains.set(m[2]!, list);
    if (m[1] === 'A') list.push(m[3] ?? '');
  }
  return chains;
}

/** A listing from the host: the parsed chains, or why it could not be had. */
export type Listing = { ok: true; chains: Map<string, string[]> } | { ok: false; reason: string };

export interface EnforcementProblem {
  kind: 'missing' | 'cannot-verify';
  detail: string;
}

/**
 * Checks one interface: for each table the filter tree needs, the
 * interface's chains hold rules (at least one; the exact count depends on
 * variable lists and IP learning, so it is reported, not required) and the
 * jumps to them from the base chains are present.
 */
export function checkEnforcement(tap: string, layers: FilterLayers, lists: { ebtables: Listing; iptables: Listing; ip6tables: Listing }): EnforcementProblem[] {
  const problems: EnforcementProblem[] = [];
  const ebtablesChecks: Array<[number, string, string, string]> = [
    [layers.ebtablesFromVm, `libvirt-I-${tap}`, 'PREROUTING', `I-${tap}-`],
    [layers.ebtablesToVm, `libvirt-O-${tap}`, 'POSTROUTING', `O-${tap}-`],
  ];
  if (layers.ebtablesFromVm + layers.ebtablesToVm > 0) {
    if (!lists.ebtables.ok) problems.push({ kind: 'cannot-verify', detail: `ebtables: ${lists.ebtables.reason}` });
    else
      for (const [expected, chain, base, sub] of ebtablesChecks) {
        if (expected === 0) continue;
        const rules = lists.ebtables.chains.get(chain);
        const subRules = [...lists.ebtables.chains].filter(([n]) => n.startsWith(sub)).reduce((n, [, r]) => n + r.length, 0);
        const jump = (lists.ebtables.chains.get(base) ?? []).some((r) => new RegExp(`-j ${escapeRe(chain)}(\\s|$)`).test(r));
        if (rules === undefined) problems.push({ kind: 'missing', detail: `ebtables chain ${chain} does not exist (the filter implies ${expected} rule(s))` });
        else if (rules.length === 0) problems.push({ kind: 'missing', detail: `ebtables chain ${chain} is empty (the filter implies ${expected} rule(s))` });
        else if (!jump) problems.push({ kind: 'missing', detail: `ebtables ${base} has no jump to ${chain}` });
        else if (rules.every((r) => r.includes(`-j ${sub}`)) && subRules === 0) problems.push({ kind: 'missing', detail: `ebtables chains ${sub}* under ${chain} are empty` });
      }
  }
  const ipChecks: Array<[number, Listing, string]> = [
    [layers.iptables, lists.iptables, 'iptables'],
    [layers.ip6tables, lists.ip6tables, 'ip6tables'],
  ];
  for (const [expected, listing, tool] of ipChecks) {
    if (expected === 0) continue;
    if (!listing.ok) {
      problems.push({ kind: 'cannot-verify', detail: `${tool}: ${listing.reason}` });
      continue;
    }
    const chains = [`FI-${tap}`, `FO-${tap}`, `HI-${tap}`];
    const absent = chains.filter((c) => !listing.chains.has(c));
    if (absent.length > 0) {
      problems.push({ kind: 'missing', detail: `${tool} chain(s) ${absent.join(', ')} do not exist (the filter implies ${expected} rule(s))` });
      continue;
    }
    if (chains.every((c) => listing.chains.get(c)!.length === 0)) problems.push({ kind: 'missing', detail: `${tool} chains ${chains.join(', ')} are empty` });
    const jumps: Array<[string, string]> = [
      ['libvirt-in', `FI-${tap}`],
      ['libvirt-out', `FO-${tap}`],
      ['libvirt-host-in', `HI-${tap}`],
    ];
    for (const [base, chain] of jumps)
      if (!(listing.chains.get(base) ?? []).some((r) => new RegExp(`-[gj] ${escapeRe(chain)}(\\s|$)`).test(r))) problems.push({ kind: 'missing', detail: `${tool} ${base} has no jump to ${chain}` });
  }
  return problems;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
