/**
 * `ovfpipe netsec sync`, the host end: before a live migration, make sure
 * the target host has every filter in the domain's filter tree, with the
 * same content and the same uuid (PRODUCT.md §7: missing filters are the
 * classic cause of failed migrations). The decisions are pure and live in
 * netsec/sync-plan.ts; this file reads the hosts and applies the plan.
 *
 * Three steps, each usable on its own:
 *   1. readFilterTree: on the source, the domain's `<filterref>`s and the
 *      filters they reference, recursively (cycle-safe, bounded), in
 *      definition order (referenced before referencing);
 *   2. readTargetState (+ the pure planSync): what the target already has,
 *      and what to do per filter;
 *   3. applySync: define/update on the target with `nwfilter-define
 *      --validate`, in definition order, the source XML carrying its uuid.
 * Nothing is changed on the target while any filter is refused, missing or
 * unreadable. Built-in filters are only checked, never defined.
 *
 * `--migrate` then runs the user's own `virsh migrate` on the source; that
 * step is not exercised by the tests (they have one libvirtd).
 */
import { isOvfpipeError, OvfpipeError } from '../diagnostics/errors.js';
import { isBuiltinFilter } from '../netsec/nwfilter/builtins.js';
import { filterUuid, parseFilterList } from '../netsec/nwfilter/identity.js';
import {
  BLOCKING,
  deriveMigrateUri,
  domainFilterRefs,
  MAX_FILTER_DEPTH,
  MAX_TREE_FILTERS,
  migrateArgv,
  planSync,
  type FilterOutcome,
  type FilterTree,
  type PlannedFilter,
  type SyncResult,
  type TargetState,
  type TreeFilter,
} from '../netsec/sync-plan.js';
import { attr, type XmlElement } from '../xml/element.js';
import { parseXml } from '../xml/parse.js';
import { hostConnector, type AuthOptions } from './connect.js';
import { localTransport } from './local-transport.js';
import type { ExecOptions, ExecResult, Transport } from './transport.js';

/** Bound on every virsh call except the migration. */
const VIRSH_TIMEOUT_MS = 120_000;
/** Bound on `virsh migrate`: a live migration of a large, busy guest takes a while. */
const MIGRATE_TIMEOUT_MS = 6 * 3600_000;

// ---------------------------------------------------------------------------
// 1. The source's filter tree.

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

function filterRoot(xml: string, name: string): XmlElement {
  const r = parseXml(xml);
  if (!r.ok) throw new Error(`not readable: ${r.problem.message}`);
  if (r.root.local !== 'filter') throw new Error(`root element is <${r.root.qname}>, not <filter>`);
  const got = attr(r.root, 'name');
  if (got !== name) throw new Error(`dumpxml names it '${got ?? ''}'`);
  return r.root;
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
  const [live, inactive] = await Promise.all([virsh(source, connectUri, ['dumpxml', '--', domain]), virsh(source, connectUri, ['dumpxml', '--inactive', '--', domain])]);
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
// 2. The target's state (the plan itself is netsec/sync-plan.ts).

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
      reason += back?.code === 0 ? "; the target's filter was restored" : "; the target's filter could NOT be restored";
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
// The whole sync, with its connections.

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
