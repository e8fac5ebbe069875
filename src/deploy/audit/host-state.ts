/**
 * What an audit reads on a host, in as few round trips as deploy's facts
 * (execBatch, 8 read-only queries at once): running domains, the filter
 * list, every nwfilter binding, the firewall listings, and per VM its live
 * and inactive XML, per filter its dumpxml. A second round trip is made only
 * when a built-in references built-ins not read yet (their rules tell which
 * tables the tree needs). Only reads.
 */
import { type BatchCommand, execBatch } from '../batch.js';
import { nameList, nwfilterNames, virshCommand } from '../host-queries.js';
import type { Transport } from '../transport.js';
import { type Listing, parseEbtables, parseIptablesSave } from './firewall.js';
import { virshMulti } from './virsh-multi.js';
import { parseFilterRefs } from './xml-facts.js';

export interface AuditHostState {
  running: Set<string>;
  filterNames: Set<string>;
  /** Filter name → dumpxml, for the names read. */
  filters: Map<string, string>;
  /** Domain name → inactive and live XML, for the names asked about that exist. */
  domains: Map<string, { inactive: string; live: string }>;
  /** Every <filterbinding> document on the host, or why they could not be listed (libvirt before 4.5 has no bindings API). */
  bindings: string[] | { error: string };
  ebtables: Listing;
  iptables: Listing;
  ip6tables: Listing;
  tooling: { ebtables?: string; iptables?: string };
  problems: string[];
}

/** A firewall listing, with the reason when the tool is missing or refuses (never read as an empty rule set). */
const listing = (tool: string, ...args: string[]): BatchCommand => ({
  argv: ['sh', '-c', 'command -v "$1" >/dev/null 2>&1 || { echo "ovfpipe: $1 is not installed"; exit 127; }; "$@"', 'ovfpipe-list', tool, ...args],
});

/** Every binding, dumped in one command: `nwfilter-binding-list` then `nwfilter-binding-dumpxml` per port. */
const BINDINGS_SCRIPT =
  'l=$(virsh -c "$1" nwfilter-binding-list 2>&1) || { printf %s "$l" | head -n1; exit 3; }; for p in $(printf %s "$l" | awk \'NR>2 && NF>=2 {print $1}\'); do virsh -c "$1" nwfilter-binding-dumpxml -- "$p"; done';

export async function readAuditHostState(t: Transport, q: { connectUri: string; domains: readonly string[]; filters: readonly string[] }): Promise<AuditHostState> {
  const virsh = (...a: string[]) => virshCommand(q.connectUri, ...a);
  const fixed: BatchCommand[] = [
    { ...virsh('uri'), stderr: 'merge' },
    virsh('list', '--state-running', '--name'),
    virsh('nwfilter-list'),
    { argv: ['bash', '-c', BINDINGS_SCRIPT, 'ovfpipe-bindings', q.connectUri] },
    { argv: ['sh', '-c', 'ebtables --version 2>&1 | head -n1; echo; iptables --version 2>&1 | head -n1'] },
    listing('ebtables', '-t', 'nat', '-L'),
    listing('iptables', '-S'),
    listing('ip6tables', '-S'),
  ];
  const queries = [
    ...q.domains.flatMap((d) => [
      ['dumpxml', '--inactive', '--', d],
      ['dumpxml', '--', d],
    ]),
    ...q.filters.map((f) => ['nwfilter-dumpxml', '--', f]),
  ];
  const multi = virshMulti(q.connectUri, queries);
  const r = await execBatch(t, [...fixed, ...multi.commands], { timeoutMs: 120_000 + 1_000 * queries.length, parallel: 8 });
  const [uri, running, filterList, bindings, versions, eb, ip4, ip6] = r;
  const answers = multi.answers(r.slice(fixed.length));
  const state: AuditHostState = {
    running: new Set(nameList(running!.output)),
    filterNames: new Set(nwfilterNames(filterList!.output)),
    filters: new Map(),
    domains: new Map(),
    bindings:
      bindings!.code === 0
        ? [...bindings!.output.matchAll(/<filterbinding>[\s\S]*?<\/filterbinding>/g)].map((m) => m[0])
        : { error: `nwfilter-binding-list failed: ${bindings!.output.trim() || `exit ${bindings!.code}`}` },
    ebtables: toListing(eb!, parseEbtables),
    iptables: toListing(ip4!, parseIptablesSave),
    ip6tables: toListing(ip6!, parseIptablesSave),
    tooling: {},
    problems: [],
  };
  if (uri!.code !== 0) state.problems.push(`virsh cannot reach ${q.connectUri}: ${uri!.output.trim().split('\n')[0] || `exit ${uri!.code}`}`);
  const [ebv, ipv] = versions!.output.split('\n\n');
  if (ebv?.trim() && /^ebtables/.test(ebv.trim())) state.tooling.ebtables = ebv.trim();
  if (ipv?.trim() && /^iptables/.test(ipv.trim())) state.tooling.iptables = ipv.trim();
  q.domains.forEach((d, i) => {
    const inactive = answers[2 * i]!;
    const live = answers[2 * i + 1]!;
    if (inactive.code === 0) state.domains.set(d, { inactive: inactive.output, live: live.code === 0 ? live.output : inactive.output });
  });
  const base = 2 * q.domains.length;
  q.filters.forEach((f, i) => answers[base + i]!.code === 0 && state.filterNames.has(f) && state.filters.set(f, answers[base + i]!.output));
  // Built-ins referenced by what was read, not read yet (clean-traffic → no-mac-spoofing, …): a few more rounds at most.
  for (let round = 0; round < 4; round++) {
    const more = [...new Set([...state.filters.values()].flatMap(parseFilterRefs))].filter((n) => !state.filters.has(n) && state.filterNames.has(n));
    if (more.length === 0) break;
    const m = virshMulti(
      q.connectUri,
      more.map((f) => ['nwfilter-dumpxml', '--', f]),
    );
    const x = m.answers(await execBatch(t, m.commands, { timeoutMs: 60_000 + 1_000 * more.length, parallel: 8 }));
    more.forEach((f, i) => state.filters.set(f, x[i]!.code === 0 ? x[i]!.output : ''));
  }
  return state;
}

function toListing(r: { code: number; output: string }, parse: (s: string) => Map<string, string[]>): Listing {
  if (r.code === 127) return { ok: false, reason: r.output.trim().replace(/^ovfpipe: /, '') || 'not installed' };
  if (r.code !== 0) return { ok: false, reason: `listing failed (exit ${r.code}${r.code === 4 || r.code === 1 ? '; not root, or the table is not available' : ''})` };
  return { ok: true, chains: parse(r.output) };
}
