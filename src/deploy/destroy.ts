/**
 * `destroy`: removes what ovfpipe created for a tenant's package — its
 * domains (only those whose metadata names this tenant), their overlay
 * directories, and its filters (only those carrying ovfpipe's uuid) once no
 * domain uses them. Built-in filters and anything not ours are never touched.
 * Two round trips per host whatever the number of VMs, each a few
 * processes at most: read (virshMulti); then remove domains and filters
 * (one virsh process per 50, virsh-session.ts) and the directories of the
 * domains libvirt no longer lists (one `virsh list`, one `rm`).
 */
import { loadDescriptor } from '../package/open-descriptor.js';
import { renderPackage } from '../render/render-package.js';
import { renderOptions } from '../render/options.js';
import { ownerOf } from './plan.js';
import type { ScopedFilter } from '../render/filters.js';
import { execBatch } from './batch.js';
import { virshMulti } from './audit/virsh-multi.js';
import { virshSession } from './virsh-session.js';
import { filterUuid } from '../netsec/nwfilter/identity.js';
import type { DeployRequest } from './deploy.js';
import type { Transport } from './transport.js';

/** The package, tenant and hosts of a deploy: destroy removes what that deploy created. */
export type DestroyRequest = Pick<DeployRequest, 'pkg' | 'tenant' | 'vars' | 'hosts' | 'connect' | 'connectUri' | 'storageRoot' | 'log'>;

export interface DestroyResult {
  hosts: Array<{ host: string; domains: string[]; filters: string[]; skipped: string[]; error?: string }>;
}

export async function destroy(req: DestroyRequest): Promise<DestroyResult> {
  // Names only: no file of the package is read.
  const loaded = await loadDescriptor(req.pkg, { outsideRefs: 'ignore' });
  await loaded.reader.close();
  // Names only: digests do not matter for removal.
  const r = renderPackage({
    envelope: loaded.envelope,
    packageName: req.pkg,
    tenant: req.tenant,
    vars: req.vars,
    storageRoot: req.storageRoot,
    options: renderOptions(),
    digests: new Map(),
    lenient: true,
  });
  // Hosts are independent: all at once.
  const hosts = await Promise.all(
    req.hosts.map(async (host): Promise<DestroyResult['hosts'][number]> => {
      let t: Transport;
      try {
        t = await req.connect(host);
      } catch (e) {
        return { host, domains: [], filters: [], skipped: [], error: (e as Error).message };
      }
      try {
        return await destroyOnHost(
          t,
          host,
          r.domains.map((d) => ({ name: d.name, tenant: req.tenant })),
          r.filters,
          req.storageRoot,
          req.connectUri,
          req.log,
        );
      } finally {
        await t.close().catch(() => undefined);
      }
    }),
  );
  const out: DestroyResult = { hosts };
  return out;
}

/** Removes, on one host, the given domains (only if ovfpipe created them for that tenant) and filters (only ovfpipe's, once unused). */
export async function destroyOnHost(
  t: Transport,
  host: string,
  domains: ReadonlyArray<{ name: string; tenant: string }>,
  filters: readonly ScopedFilter[],
  storageRoot: string,
  connectUri: string,
  log?: (line: string) => void,
): Promise<DestroyResult['hosts'][number]> {
  const res: DestroyResult['hosts'][number] = { host, domains: [], filters: [], skipped: [] };
  try {
    // 1. One round trip reads what exists (a few virsh processes, 50 reads each): ownership is decided on these.
    const order = [...filters].reverse(); // referencing filters first, so each is free when its turn comes
    const reads = virshMulti(connectUri, [...domains.map((d) => ['dumpxml', '--inactive', '--', d.name]), ...order.map((f) => ['nwfilter-dumpxml', '--', f.name])]);
    const seen = reads.answers(await execBatch(t, reads.commands, { timeoutMs: 120_000 + 1_000 * (domains.length + order.length), parallel: 8 }));
    const mine = domains.filter((d, i) => {
      const x = seen[i]!;
      if (x.code !== 0) return false;
      if (ownerOf(x.output) === d.tenant) return true;
      res.skipped.push(`domain ${d.name}: not created by ovfpipe for tenant ${d.tenant}`);
      return false;
    });
    const ours = order.filter((f, i) => {
      const x = seen[domains.length + i]!;
      if (x.code !== 0) return false;
      if (filterUuid(x.output) === f.uuid.toLowerCase()) return true;
      res.skipped.push(`filter ${f.name}: not ovfpipe's`);
      return false;
    });
    // 2. One round trip removes our domains (stopped, then undefined with their NVRAM), then our filters, in
    //    order, in one virsh process per 50: a filter still used by another domain stays.
    const session = virshSession(connectUri, [
      ...mine.map((d) => ({
        commands: [
          ['destroy', '--', d.name],
          ['undefine', '--nvram', '--', d.name],
        ],
        success: `Domain '${d.name}' has been undefined`,
      })),
      ...ours.map((f) => ({ commands: [['nwfilter-undefine', '--', f.name]], success: `Network filter ${f.name} undefined` })),
    ]);
    // In the same round trip, after virsh: the directories (overlays, OVF environment ISO) of those domains
    // libvirt no longer lists (one `virsh list`), so a domain whose undefine failed keeps its disks.
    const rmScript = [
      'U=$1; shift; l=$(virsh -c "$U" list --all --name) || exit 1; r=()',
      'while [ $# -gt 0 ]; do',
      '  f=0; while IFS= read -r n; do if [ "$n" = "$1" ]; then f=1; break; fi; done <<<"$l"',
      '  if [ "$f" = 0 ]; then r+=("$2"); fi; shift 2',
      'done',
      'if [ ${#r[@]} -gt 0 ]; then rm -rf -- "${r[@]}"; fi',
    ].join('\n');
    const dirs = mine.map((d) => [d.name, `${storageRoot}/vms/${d.name}`]);
    const batch = await execBatch(
      t,
      [...session.commands, ...(dirs.length > 0 ? [{ argv: ['bash', '-c', rmScript, 'ovfpipe-remove-dirs', connectUri, ...dirs.flat()], stderr: 'merge' as const }] : [])],
      {
        timeoutMs: 300_000 + 10_000 * (mine.length + ours.length),
      },
    );
    const results = session.results(batch.slice(0, session.commands.length));
    const rmResult = batch[session.commands.length];
    const removed = mine.filter((d, i) => {
      if (results[i]!.ok) return true;
      res.skipped.push(`domain ${d.name}: ${lastError(results[i]!.output) || 'undefine failed'}`);
      return false;
    });
    ours.forEach((f, i) => {
      if (results[mine.length + i]!.ok) {
        res.filters.push(f.name);
        log?.(`${host}: filter ${f.name} removed`);
      } else res.skipped.push(`filter ${f.name}: still in use`);
    });
    for (const d of removed) {
      res.domains.push(d.name);
      log?.(`${host}: domain ${d.name} removed`);
    }
    if (rmResult && rmResult.code !== 0) res.skipped.push(`directories under ${storageRoot}/vms: ${rmResult.output.trim() || `exit ${rmResult.code}`}`);
  } catch (e) {
    res.error = (e as Error).message;
  }
  return res;
}

/** virsh's last `error:` line: why an item failed. */
function lastError(output: string): string {
  return (
    output
      .split('\n')
      .filter((l) => l.startsWith('error: '))
      .at(-1) ??
    output.split('\n').at(-1) ??
    ''
  ).trim();
}
