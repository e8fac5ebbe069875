/**
 * `ovfpipe netsec sync`: before a live migration, make sure the target host
 * has every filter in the domain's filter tree, with the same content and the
 * same uuid (PRODUCT.md §7: missing filters are the classic cause of failed
 * migrations).
 *
 * Three steps, each usable on its own:
 *   1. readFilterTree: on the source, the domain's `<filterref>`s and the
 *      filters they reference, recursively (cycle-safe, bounded), in
 *      definition order (referenced before referencing);
 *   2. readTargetState + planSync: what the target already has, and what to
 *      do per filter (a pure function);
 *   3. applySync: define/update on the target with `nwfilter-define
 *      --validate`, in definition order, the source XML carrying its uuid.
 * Nothing is changed on the target while any filter is refused, missing or
 * unreadable. Built-in filters are only checked, never defined.
 *
 * `--migrate` then runs the user's own `virsh migrate` on the source; that
 * step is not exercised by the tests (they have one libvirtd).
 */
import { execFile, type ExecFileException } from 'node:child_process';
import { constants } from 'node:os';
import { hostConnector, type AuthOptions } from './connect.js';
import { sameFilter } from './plan.js';
import type { ExecOptions, ExecResult, Transport } from './transport.js';
import { isOvfpipeError, OvfpipeError } from '../diagnostics/errors.js';
import { attr, type XmlElement } from '../xml/element.js';
import { parseXml } from '../xml/parse.js';
import { isBuiltinFilter } from '../netsec/nwfilter/builtins.js';

/** Filterref nesting deeper than this is refused (libvirt's own trees are 3 deep). */
export const MAX_FILTER_DEPTH = 32;
/** More filters than this in one tree is refused: a runaway, not a real configuration. */
export const MAX_TREE_FILTERS = 1000;
/** Bound on every virsh call except the migration. */
const VIRSH_TIMEOUT_MS = 120_000;
/** Bound on `virsh migrate`: a live migration of a large, busy guest takes a while. */
const MIGRATE_TIMEOUT_MS = 6 * 3600_000;
const MAX_OUTPUT_BYTES = 16 << 20;

// ---------------------------------------------------------------------------
// A Transport for the local host: execFile with an argv, never a shell.

/** Runs commands on this machine (argv, no shell). `put` is not supported. */
export function localTransport(label = 'local'): Transport {
  return {
    label,
    exec: (argv, opts) => localExec(label, argv, opts),
    put: () => Promise.reject(new OvfpipeError('OVFPIPE_USAGE', `${label}: put is not supported by the local transport`)),
    close: async () => {},
  };
}

function localExec(label: string, argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) return Promise.reject(new OvfpipeError('OVFPIPE_USAGE', 'empty command'));
  const shown = argv.join(' ').slice(0, 200);
  return new Promise((resolve, reject) => {
    const child = execFile(
      cmd,
      args,
      { encoding: 'utf8', shell: false, maxBuffer: MAX_OUTPUT_BYTES, timeout: opts.timeoutMs ?? 0, killSignal: 'SIGKILL', windowsHide: true },
      (err: ExecFileException | null, stdout: string, stderr: string) => {
        let code = 0;
        if (err) {
          if (err.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER')
            return reject(new OvfpipeError('OVFPIPE_LIMIT', `${label}: output of \`${shown}\` exceeded ${MAX_OUTPUT_BYTES} bytes`));
          if (typeof err.code === 'string') return reject(new OvfpipeError('OVFPIPE_REMOTE', `${label}: cannot run ${cmd}: ${err.message}`, { cause: err }));
          if (err.killed && opts.timeoutMs) return reject(new OvfpipeError('OVFPIPE_REMOTE', `${label}: \`${shown}\` timed out after ${opts.timeoutMs} ms; killed`));
          code = typeof err.code === 'number' ? err.code : 128 + ((err.signal && (constants.signals as Record<string, number>)[err.signal]) || 0);
        }
        const result = { code, stdout, stderr };
        if (code !== 0 && !opts.allowFailure) {
          const tail = stderr.trim().slice(-2000) || stdout.trim().slice(-2000);
          return reject(new OvfpipeError('OVFPIPE_REMOTE', `${label}: \`${shown}\` exited with ${code}${tail ? `: ${tail}` : ''}`));
        }
        resolve(result);
      },
    );
    // A command that exits without reading its input must not crash us with EPIPE.
    child.stdin?.on('error', () => {});
    child.stdin?.end(opts.stdin);
  });
}

// ---------------------------------------------------------------------------
// 1. The source's filter tree.

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

function virsh(t: Transport, uri: string, args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  return t.exec(['virsh', '-c', uri, ...args], { allowFailure: true, timeoutMs: VIRSH_TIMEOUT_MS, ...opts });
}

const firstLine = (s: string) =>
  s
    .trim()
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join('; ')
    .slice(0, 500);

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

function filterRoot(xml: string, name: string): XmlElement {
  const r = parseXml(xml);
  if (!r.ok) throw new Error(`not readable: ${r.problem.message}`);
  if (r.root.local !== 'filter') throw new Error(`root element is <${r.root.qname}>, not <filter>`);
  const got = attr(r.root, 'name');
  if (got !== name) throw new Error(`dumpxml names it '${got ?? ''}'`);
  return r.root;
}

/** The `<uuid>` of a filter document. */
export function filterUuid(xml: string): string | undefined {
  const r = parseXml(xml);
  if (!r.ok) return undefined;
  return r.root.children.find((c) => c.local === 'uuid')?.text.trim().toLowerCase() || undefined;
}

/** Runs `fn` over `items` with at most `limit` at once; results in input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** virsh calls in flight at once on the source (the SSH transport allows 8 channels). */
const READ_CONCURRENCY = 8;

/**
 * Reads the domain's filter tree on the source: the live and the persistent
 * definition (both may be started on the target), then every filter reached
 * through `<filterref>`, each read once, one nesting level at a time (the
 * filters of a level in parallel). Then orders them referenced-first.
 * Throws only when the domain itself cannot be read.
 */
export async function readFilterTree(source: Transport, connectUri: string, domain: string): Promise<FilterTree> {
  const [live, inactive] = await Promise.all([
    virsh(source, connectUri, ['dumpxml', '--', domain]),
    virsh(source, connectUri, ['dumpxml', '--inactive', '--', domain]),
  ]);
  if (live.code !== 0) throw new OvfpipeError('OVFPIPE_REMOTE', `${source.label}: cannot read domain '${domain}' on ${connectUri}: ${firstLine(live.stderr || live.stdout) || `exit ${live.code}`}`);
  const roots = domainFilterRefs(live.stdout);
  if (inactive.code === 0) for (const name of domainFilterRefs(inactive.stdout)) if (!roots.includes(name)) roots.push(name);

  const tree: FilterTree = { domain, source: `${source.label} ${connectUri}`, roots, filters: [], unreadable: [] };
  const fail = (name: string, reason: string) => {
    if (!tree.unreadable.some((u) => u.name === name)) tree.unreadable.push({ name, reason });
  };
  // Fetch, level by level.
  const read = new Map<string, TreeFilter>();
  const via = new Map<string, string>();
  const seen = new Set<string>(roots);
  let level = [...roots];
  for (let depth = 0; level.length > 0; depth++) {
    if (depth >= MAX_FILTER_DEPTH) {
      for (const name of level) fail(name, `nested more than ${MAX_FILTER_DEPTH} filterrefs deep (referenced by ${via.get(name)})`);
      break;
    }
    if (seen.size > MAX_TREE_FILTERS) {
      for (const name of level) fail(name, `the tree has more than ${MAX_TREE_FILTERS} filters`);
      break;
    }
    const docs = await mapLimit(level, READ_CONCURRENCY, (name) => virsh(source, connectUri, ['nwfilter-dumpxml', '--', name]));
    const next: string[] = [];
    level.forEach((name, i) => {
      const r = docs[i]!;
      const by = via.has(name) ? ` (referenced by ${via.get(name)})` : '';
      if (r.code !== 0) return fail(name, `not defined on the source${by}: ${firstLine(r.stderr || r.stdout)}`);
      let root: XmlElement;
      try {
        root = filterRoot(r.stdout, name);
      } catch (e) {
        return fail(name, `nwfilter-dumpxml on the source: ${(e as Error).message}`);
      }
      const references: string[] = [];
      for (const c of root.children) {
        const ref = c.local === 'filterref' ? attr(c, 'filter') : undefined;
        if (ref === undefined || references.includes(ref)) continue;
        references.push(ref);
        if (!seen.has(ref)) {
          seen.add(ref);
          via.set(ref, name);
          next.push(ref);
        }
      }
      read.set(name, { name, builtin: isBuiltinFilter(name), uuid: filterUuid(r.stdout), xml: r.stdout, references });
    });
    level = next;
  }
  // Order: depth-first, referenced before referencing; a cycle is reported, never followed.
  const placed = new Set<string>();
  const place = (name: string, path: string[]): void => {
    if (placed.has(name)) return;
    if (path.includes(name)) return fail(name, `reference cycle: ${[...path.slice(path.indexOf(name)), name].join(' → ')}`);
    const f = read.get(name);
    if (!f) return;
    for (const ref of f.references) place(ref, [...path, name]);
    placed.add(name);
    tree.filters.push(f);
  };
  for (const name of roots) place(name, []);
  return tree;
}

// ---------------------------------------------------------------------------
// 2. The target's state and the plan.

export interface TargetState {
  /** Every filter on the target: name → uuid (lower case). */
  uuids: Map<string, string>;
  /** dumpxml of the tree's non-built-in filters that exist on the target. */
  xml: Map<string, string>;
}

/** `virsh nwfilter-list` rows: ` UUID   Name`. */
export function parseFilterList(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\s+(\S+)\s*$/.exec(line);
    if (m) out.set(m[2]!, m[1]!.toLowerCase());
  }
  return out;
}

export async function readTargetState(target: Transport, connectUri: string, tree: FilterTree): Promise<TargetState> {
  const list = await virsh(target, connectUri, ['nwfilter-list']);
  if (list.code !== 0) throw new OvfpipeError('OVFPIPE_REMOTE', `${target.label}: cannot list filters on ${connectUri}: ${firstLine(list.stderr || list.stdout) || `exit ${list.code}`}`);
  const state: TargetState = { uuids: parseFilterList(list.stdout), xml: new Map() };
  const present = tree.filters.filter((f) => !f.builtin && state.uuids.has(f.name)).map((f) => f.name);
  const docs = await mapLimit(present, READ_CONCURRENCY, (name) => virsh(target, connectUri, ['nwfilter-dumpxml', '--', name]));
  present.forEach((name, i) => {
    const r = docs[i]!;
    if (r.code !== 0) throw new OvfpipeError('OVFPIPE_REMOTE', `${target.label}: cannot read filter ${name}: ${firstLine(r.stderr || r.stdout)}`);
    state.xml.set(name, r.stdout);
  });
  return state;
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
      plan.push(targetUuid ? { ...base, status: 'builtin' } : { ...base, status: 'missing-builtin', reason: 'libvirt built-in missing on the target (install libvirt-daemon-system there); sync never defines built-ins' });
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

const BLOCKING: ReadonlySet<SyncStatus> = new Set(['refused', 'missing-builtin', 'failed']);

// ---------------------------------------------------------------------------
// 3. Applying the plan.

/**
 * Defines, updates and (with --force) replaces filters on the target in plan
 * order. Changes nothing when the plan has a refusal, a missing built-in or
 * a failure; stops at the first failing virsh call. Then checks that every
 * filter it wrote carries the source's uuid on the target.
 */
export async function applySync(target: Transport, connectUri: string, tree: FilterTree, plan: PlannedFilter[], state: TargetState): Promise<FilterOutcome[]> {
  const out: FilterOutcome[] = [];
  const blockers = plan.filter((p) => BLOCKING.has(p.status));
  let stop: string | undefined = blockers.length > 0 ? `not applied: ${blockers.map((b) => `${b.name} ${b.status}`).join(', ')}` : undefined;
  const xmlOf = new Map(tree.filters.map((f) => [f.name, f.xml]));
  const define = (xml: string) => virsh(target, connectUri, ['nwfilter-define', '--validate', '/dev/stdin'], { stdin: xml });
  for (const { action, ...p } of plan) {
    if (!action) {
      out.push(p);
      continue;
    }
    if (stop !== undefined) {
      out.push({ ...p, status: 'skipped', reason: `would be ${p.status}; ${stop}` });
      continue;
    }
    const xml = xmlOf.get(p.name)!;
    if (action === 'replace') {
      const u = await virsh(target, connectUri, ['nwfilter-undefine', '--', p.name]);
      if (u.code !== 0) {
        out.push({ ...p, status: 'refused', reason: `exists on the target with uuid ${p.targetUuid}; --force cannot replace it (in use by a running domain?): ${firstLine(u.stderr || u.stdout)}` });
        stop = `${p.name} could not be replaced`;
        continue;
      }
    }
    const d = await define(xml);
    if (d.code === 0) {
      out.push(p);
      continue;
    }
    let reason = `nwfilter-define --validate: ${firstLine(d.stderr || d.stdout) || `exit ${d.code}`}`;
    if (action === 'replace') {
      // Put the target's own filter back rather than leave the name undefined.
      const original = state.xml.get(p.name);
      const back = original !== undefined ? await define(original) : undefined;
      reason += back?.code === 0 ? '; the target\'s filter was restored' : '; the target\'s filter could NOT be restored';
    }
    out.push({ ...p, status: 'failed', reason });
    stop = `${p.name} failed`;
  }
  const written = out.filter((o) => o.status === 'defined' || o.status === 'updated' || o.status === 'replaced');
  if (written.length > 0) {
    const after = await virsh(target, connectUri, ['nwfilter-list']);
    const uuids = after.code === 0 ? parseFilterList(after.stdout) : new Map<string, string>();
    for (const o of written)
      if (uuids.get(o.name) !== o.uuid) Object.assign(o, { status: 'failed', reason: `after define, the target has uuid ${uuids.get(o.name) ?? '(none)'} for ${o.name}, not ${o.uuid}` });
  }
  return out;
}

// ---------------------------------------------------------------------------
// Migration (the user's virsh, on the source).

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
  const authority = to.startsWith('ssh://') ? to.slice('ssh://'.length).replace(/\/.*$/, '') : to;
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

// ---------------------------------------------------------------------------
// The command.

export interface SyncOptions {
  domain: string;
  /** Source host (ssh URL or alias); undefined = this machine. */
  from?: string;
  to: string;
  /** libvirt URI on the source. */
  connect: string;
  /** libvirt URI on the target. */
  toConnect: string;
  force?: boolean;
  migrate?: boolean;
  migrateUri?: string;
  auth: AuthOptions & { fromFingerprint?: string };
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

/** Syncs a tree already read from the source onto the target. */
export async function syncFilterTree(tree: FilterTree, target: Transport, connectUri: string, opts: { force?: boolean } = {}): Promise<FilterOutcome[]> {
  const state = await readTargetState(target, connectUri, tree);
  return applySync(target, connectUri, tree, planSync(tree, state, opts), state);
}

export async function netsecSync(o: SyncOptions): Promise<SyncResult> {
  if (o.migrateUri !== undefined && !o.migrate) throw new OvfpipeError('OVFPIPE_USAGE', '--migrate-uri needs --migrate');
  // Usage problems surface before any connection.
  const destUri = o.migrate ? (o.migrateUri ?? deriveMigrateUri(o.to, o.toConnect, { keyfile: o.from === undefined ? o.auth.identity : undefined })) : undefined;
  const result: SyncResult = { domain: o.domain, source: `${o.from ?? 'local'} ${o.connect}`, target: `${o.to} ${o.toConnect}`, ok: false, filters: [] };
  let source: Transport | undefined;
  let target: Transport | undefined;
  try {
    // Both connections at once: an unreachable target fails before any reading.
    const [s, t] = await Promise.allSettled([
      o.from === undefined ? Promise.resolve(localTransport()) : hostConnector({ ...o.auth, fingerprint: o.auth.fromFingerprint })(o.from),
      hostConnector(o.auth)(o.to),
    ]);
    if (s.status === 'fulfilled') source = s.value;
    if (t.status === 'fulfilled') target = t.value;
    if (s.status === 'rejected') throw s.reason;
    if (t.status === 'rejected') throw t.reason;
    if (!source || !target) throw new OvfpipeError('OVFPIPE_INTERNAL', 'no transport');
    const tree = await readFilterTree(source, o.connect, o.domain);
    result.filters = await syncFilterTree(tree, target, o.toConnect, { force: o.force });
    result.ok = result.filters.every((f) => !BLOCKING.has(f.status) && f.status !== 'skipped');
    if (result.ok && destUri !== undefined) {
      const argv = migrateArgv(o.connect, o.domain, destUri);
      const r = await source.exec(argv, { allowFailure: true, timeoutMs: MIGRATE_TIMEOUT_MS });
      result.migration = { argv, ok: r.code === 0, ...(r.code !== 0 ? { error: firstLine(r.stderr || r.stdout) || `exit ${r.code}` } : {}) };
      result.ok = r.code === 0;
    }
  } catch (e) {
    if (isOvfpipeError(e) && e.code === 'OVFPIPE_USAGE') throw e;
    result.ok = false;
    result.error = isOvfpipeError(e) ? `${e.message} [${e.code}]` : (e as Error).message;
  } finally {
    await Promise.allSettled([source?.close(), target?.close()]);
  }
  return result;
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

export interface SyncFlags {
  to: string;
  from?: string;
  connect: string;
  toConnect: string;
  identity?: string;
  knownHosts?: string;
  fingerprint?: string;
  fromFingerprint?: string;
  sshConfig?: string;
  force?: boolean;
  migrate?: boolean;
  migrateUri?: string;
  json?: boolean;
}

/** The CLI action: 0 synced (and migrated), 1 refusal / missing built-in / failure, 2 usage (thrown). */
export async function runNetsecSync(
  domain: string,
  f: SyncFlags,
  io: { stdout: { write(s: string): unknown }; stderr: { write(s: string): unknown } },
): Promise<number> {
  if (!domain.trim()) throw new OvfpipeError('OVFPIPE_USAGE', 'DOMAIN is empty');
  const r = await netsecSync({
    domain,
    from: f.from,
    to: f.to,
    connect: f.connect,
    toConnect: f.toConnect,
    force: f.force,
    migrate: f.migrate,
    migrateUri: f.migrateUri,
    auth: { identity: f.identity, knownHosts: f.knownHosts, fingerprint: f.fingerprint, fromFingerprint: f.fromFingerprint, sshConfig: f.sshConfig },
  });
  if (f.json) io.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  else io.stdout.write(renderSyncText(r));
  if (r.error) io.stderr.write(`ovfpipe: netsec sync: ${r.error}\n`);
  return r.ok ? 0 : 1;
}
