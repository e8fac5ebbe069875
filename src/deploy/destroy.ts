/**
 * `destroy`: removes what ovfpipe created for a tenant's package — its
 * domains (only those whose metadata names this tenant), their overlay
 * directories, and its filters (only those carrying ovfpipe's uuid) once no
 * domain uses them. Built-in filters and anything not ours are never touched.
 * Three round trips per host whatever the number of VMs: read, remove
 * domains, remove filters (execBatch).
 */
import { loadDescriptor } from '../package/open-descriptor.js';
import { renderPackage } from '../render/render-package.js';
import { renderOptions } from '../render/options.js';
import { ownerOf } from './plan.js';
import type { ScopedFilter } from '../render/filters.js';
import { execBatch } from './batch.js';
import { virshCommand } from './host-queries.js';
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
  const out: DestroyResult = { hosts: [] };
  for (const host of req.hosts) {
    let t: Transport;
    try {
      t = await req.connect(host);
    } catch (e) {
      out.hosts.push({ host, domains: [], filters: [], skipped: [], error: (e as Error).message });
      continue;
    }
    try {
      out.hosts.push(
        await destroyOnHost(
          t,
          host,
          r.domains.map((d) => ({ name: d.name, tenant: req.tenant })),
          r.filters,
          req.storageRoot,
          req.connectUri,
          req.log,
        ),
      );
    } finally {
      await t.close().catch(() => undefined);
    }
  }
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
    const virsh = (...a: string[]) => virshCommand(connectUri, ...a);
    // 1. One round trip reads what exists (8 at a time): ownership is decided on these.
    const order = [...filters].reverse(); // referencing filters first, so each is free when its turn comes
    const seen = await execBatch(t, [...domains.map((d) => virsh('dumpxml', '--inactive', '--', d.name)), ...order.map((f) => virsh('nwfilter-dumpxml', '--', f.name))], {
      timeoutMs: 120_000 + 2_000 * (domains.length + order.length),
      parallel: 8,
    });
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
    // 2. One round trip removes our domains: stop, undefine (with NVRAM if it has one), then its directory.
    const removeDomain = 'virsh -c "$1" destroy -- "$2" >/dev/null 2>&1; virsh -c "$1" undefine --nvram -- "$2" >/dev/null 2>&1 || virsh -c "$1" undefine -- "$2" >/dev/null || exit 1; rm -rf -- "$3"';
    const removed = await execBatch(
      t,
      mine.map((d) => ({ argv: ['sh', '-c', removeDomain, 'ovfpipe-remove', connectUri, d.name, `${storageRoot}/vms/${d.name}`], stderr: 'merge' as const })),
      {
        timeoutMs: 300_000 + 30_000 * mine.length,
      },
    );
    mine.forEach((d, i) => {
      if (removed[i]!.code === 0) {
        res.domains.push(d.name);
        log?.(`${host}: domain ${d.name} removed`);
      } else res.skipped.push(`domain ${d.name}: ${removed[i]!.output.trim() || 'undefine failed'}`);
    });
    // 3. One round trip undefines our filters, in order; one still in use by another domain stays.
    const undefined_ = await execBatch(
      t,
      ours.map((f) => virsh('nwfilter-undefine', '--', f.name)),
      { timeoutMs: 120_000 + 10_000 * ours.length },
    );
    ours.forEach((f, i) => {
      if (undefined_[i]!.code === 0) {
        res.filters.push(f.name);
        log?.(`${host}: filter ${f.name} removed`);
      } else res.skipped.push(`filter ${f.name}: still in use`);
    });
  } catch (e) {
    res.error = (e as Error).message;
  }
  return res;
}
