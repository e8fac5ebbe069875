/**
 * `ovfpipe netsec sync`, the pure part: the shape of a domain's filter tree
 * and of the target's state, the per-filter decision (planSync), the
 * migration URI and the text report. The host reads and writes are in
 * deploy/nwfilter-sync.ts; nothing here knows a host.
 */
import { OvfpipeError } from '../diagnostics/errors.js';
import { attr } from '../xml/element.js';
import { parseXml } from '../xml/parse.js';
import { isBuiltinFilter } from './nwfilter/builtins.js';
import { sameFilter } from './nwfilter/identity.js';

/** Filterref nesting deeper than this is refused (libvirt's own trees are 3 deep). */
export const MAX_FILTER_DEPTH = 32;
/** More filters than this in one tree is refused: a runaway, not a real configuration. */
export const MAX_TREE_FILTERS = 1000;

export interface TreeFilter {
  name: string;
  builtin: boolean;
  /** The filter's `<uuid>` on the source. */
  uuid?: string;
  /** `virsh nwfilter-dumpxml` on the source; carries the uuid. */
  xml: string;
  /** Filters it references, in document order. */
  references: string[];
}

export interface FilterTree {
  domain: string;
  /** The source, for messages: transport label and libvirt URI. */
  source: string;
  /** Filters named by the domain's interfaces, in document order, without repeats. */
  roots: string[];
  /** Every filter of the tree that could be read, referenced before referencing. */
  filters: TreeFilter[];
  /** Filters that could not be read on the source (not defined, unreadable, cycle, too deep). */
  unreadable: Array<{ name: string; reason: string }>;
}

/** `<filterref filter=…>` of the domain's interfaces, in document order. */
export function domainFilterRefs(domainXml: string): string[] {
  const r = parseXml(domainXml);
  if (!r.ok) throw new OvfpipeError('OVFPIPE_XML', `domain XML: ${r.problem.message}`);
  const out: string[] = [];
  for (const devices of r.root.children.filter((c) => c.local === 'devices'))
    for (const nic of devices.children.filter((c) => c.local === 'interface'))
      for (const ref of nic.children.filter((c) => c.local === 'filterref')) {
        const name = attr(ref, 'filter');
        if (name && !out.includes(name)) out.push(name);
      }
  return out;
}

export interface TargetState {
  /** Every filter on the target: name → uuid (lower case). */
  uuids: Map<string, string>;
  /** dumpxml of the tree's non-built-in filters that exist on the target. */
  xml: Map<string, string>;
}

export type SyncStatus =
  /** Absent on the target; defined with the source's XML and uuid. */
  | 'defined'
  /** Same uuid, different content; redefined with the source's XML. */
  | 'updated'
  /** Different uuid on the target, replaced (undefine + define) because of --force. */
  | 'replaced'
  | 'unchanged'
  /** A libvirt built-in present on the target (never defined by sync). */
  | 'builtin'
  | 'missing-builtin'
  | 'refused'
  /** Unreadable on the source, or a virsh call on the target failed. */
  | 'failed'
  /** Would have been defined/updated/replaced, but the run changed nothing (see `reason`). */
  | 'skipped';

export interface FilterOutcome {
  name: string;
  builtin: boolean;
  status: SyncStatus;
  /** The source's uuid. */
  uuid?: string;
  /** The target's uuid before the sync, when the filter existed there. */
  targetUuid?: string;
  reason?: string;
}

export type PlannedAction = 'define' | 'update' | 'replace';
export interface PlannedFilter extends FilterOutcome {
  /** What applySync will do; absent when nothing is to be done. */
  action?: PlannedAction;
}

/** Decides per filter, in the tree's order; pure. Filters unreadable on the source come last, as failures. */
export function planSync(tree: FilterTree, state: TargetState, opts: { force?: boolean } = {}): PlannedFilter[] {
  const byUuid = new Map([...state.uuids].map(([name, uuid]) => [uuid, name]));
  const plan: PlannedFilter[] = [];
  for (const f of tree.filters) {
    const targetUuid = state.uuids.get(f.name);
    const base = { name: f.name, builtin: f.builtin, uuid: f.uuid, ...(targetUuid ? { targetUuid } : {}) };
    if (f.builtin) {
      plan.push(
        targetUuid
          ? { ...base, status: 'builtin' }
          : { ...base, status: 'missing-builtin', reason: 'libvirt built-in missing on the target (install libvirt-daemon-system there); sync never defines built-ins' },
      );
      continue;
    }
    if (!f.uuid) {
      plan.push({ ...base, status: 'failed', reason: 'the source XML has no <uuid>' });
      continue;
    }
    if (targetUuid === undefined) {
      const holder = byUuid.get(f.uuid);
      if (holder !== undefined) plan.push({ ...base, status: 'refused', reason: `uuid ${f.uuid} belongs to filter '${holder}' on the target` });
      else plan.push({ ...base, status: 'defined', action: 'define' });
      continue;
    }
    if (targetUuid !== f.uuid) {
      if (opts.force) plan.push({ ...base, status: 'replaced', action: 'replace', reason: `had uuid ${targetUuid}` });
      else plan.push({ ...base, status: 'refused', reason: `exists on the target with uuid ${targetUuid}, not the source's ${f.uuid}; --force replaces it (only while no running domain uses it)` });
      continue;
    }
    const current = state.xml.get(f.name);
    if (current !== undefined && sameFilter(current, f.xml)) plan.push({ ...base, status: 'unchanged' });
    else plan.push({ ...base, status: 'updated', action: 'update' });
  }
  for (const u of tree.unreadable) plan.push({ name: u.name, builtin: isBuiltinFilter(u.name), status: 'failed', reason: u.reason });
  return plan;
}

export const BLOCKING: ReadonlySet<SyncStatus> = new Set(['refused', 'missing-builtin', 'failed']);

/**
 * The destination URI for `virsh migrate`, as seen from the source host:
 * `--to-connect`'s driver and path over SSH to the `--to` host, e.g.
 * `ssh://root@b:2222` + `qemu:///system` → `qemu+ssh://root@b:2222/system`.
 * An alias is used as written (the source's ssh config must know it).
 * `keyfile` is added only when the source is this machine.
 */
export function deriveMigrateUri(to: string, toConnect: string, opts: { keyfile?: string } = {}): string {
  const m = /^([a-z0-9]+):\/\/(\/[^?#]*)?(\?.*)?$/i.exec(toConnect);
  if (!m) throw new OvfpipeError('OVFPIPE_USAGE', `cannot derive a migration URI from --to-connect ${toConnect} (it names a transport or a host); pass --migrate-uri`);
  const authority = to.startsWith('ssh://') ? to.slice('ssh://'.length).split('/', 1)[0]! : to;
  if (!authority || /[\s/?#]/.test(authority)) throw new OvfpipeError('OVFPIPE_USAGE', `cannot derive a migration URI from --to ${to}; pass --migrate-uri`);
  const query = new URLSearchParams(m[3] ?? '');
  if (opts.keyfile) query.set('keyfile', opts.keyfile);
  const q = query.toString();
  return `${m[1]!.toLowerCase()}+ssh://${authority}${m[2] ?? '/'}${q ? `?${q}` : ''}`;
}

/** `virsh -c SOURCE migrate --live --persistent --undefinesource -- DOMAIN DEST_URI`. */
export function migrateArgv(sourceUri: string, domain: string, destUri: string): string[] {
  return ['virsh', '-c', sourceUri, 'migrate', '--live', '--persistent', '--undefinesource', '--', domain, destUri];
}

export interface SyncResult {
  domain: string;
  source: string;
  target: string;
  ok: boolean;
  filters: FilterOutcome[];
  migration?: { argv: string[]; ok: boolean; error?: string };
  error?: string;
}

export function renderSyncText(r: SyncResult): string {
  const lines = [`netsec sync ${r.domain}: ${r.source} → ${r.target}`];
  for (const f of r.filters) lines.push(`  ${f.status.padEnd(15)} ${f.name}${f.reason ? `: ${f.reason}` : ''}`);
  const counts = new Map<string, number>();
  for (const f of r.filters) counts.set(f.status, (counts.get(f.status) ?? 0) + 1);
  const synced = r.filters.every((f) => !BLOCKING.has(f.status) && f.status !== 'skipped');
  if (r.filters.length > 0) lines.push(`${synced ? 'synced' : 'NOT synced'}: ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}`);
  else if (!r.error) lines.push('the domain references no filters');
  if (r.migration) lines.push(r.migration.ok ? `migrated: ${r.migration.argv.join(' ')}` : `migration FAILED (${r.migration.argv.join(' ')}): ${r.migration.error}`);
  return `${lines.join('\n')}\n`;
}
