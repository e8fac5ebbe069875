/**
 * `destroy`: removes what ovfpipe created for a tenant's package — its
 * domains (only those whose metadata names this tenant), their overlay
 * directories, and its filters (only those carrying ovfpipe's uuid) once no
 * domain uses them. Built-in filters and anything not ours are never touched.
 */
import { loadDescriptor } from '../load-descriptor.js';
import type { VarsFile } from '../macros/vars.js';
import { renderPackage } from '../render/render-package.js';
import { renderOptions } from '../render/options.js';
import { ownerOf } from './plan.js';
import type { ScopedFilter } from '../render/filters.js';
import type { Transport } from './transport.js';

export interface DestroyRequest {
  pkg: string;
  tenant: string;
  vars?: VarsFile;
  hosts: string[];
  connect: (host: string) => Promise<Transport>;
  connectUri: string;
  storageRoot: string;
  log?: (line: string) => void;
}

export interface DestroyResult {
  hosts: Array<{ host: string; domains: string[]; filters: string[]; skipped: string[]; error?: string }>;
}

export async function destroy(req: DestroyRequest): Promise<DestroyResult> {
  const loaded = await loadDescriptor(req.pkg);
  await loaded.reader.close();
  // Names only: digests do not matter for removal.
  const r = renderPackage({ envelope: loaded.envelope, packageName: req.pkg, tenant: req.tenant, vars: req.vars, storageRoot: req.storageRoot, options: renderOptions(), digests: new Map(), lenient: true });
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
      out.hosts.push(await destroyOnHost(t, host, r.domains.map((d) => ({ name: d.name, tenant: req.tenant })), r.filters, req.storageRoot, req.connectUri, req.log));
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
    const virsh = (...a: string[]) => t.exec(['virsh', '-c', connectUri, ...a], { allowFailure: true, timeoutMs: 120_000 });
    for (const d of domains) {
      const x = await virsh('dumpxml', '--inactive', '--', d.name);
      if (x.code !== 0) continue;
      if (ownerOf(x.stdout) !== d.tenant) {
        res.skipped.push(`domain ${d.name}: not created by ovfpipe for tenant ${d.tenant}`);
        continue;
      }
      await virsh('destroy', '--', d.name);
      if ((await virsh('undefine', '--nvram', '--', d.name)).code !== 0) await virsh('undefine', '--', d.name);
      await t.exec(['rm', '-rf', '--', `${storageRoot}/vms/${d.name}`], { allowFailure: true, timeoutMs: 300_000 });
      res.domains.push(d.name);
      log?.(`${host}: domain ${d.name} removed`);
    }
    // Referencing filters first, so each is free when its turn comes.
    for (const f of [...filters].reverse()) {
      const x = await virsh('nwfilter-dumpxml', '--', f.name);
      if (x.code !== 0) continue;
      if (!x.stdout.includes(`<uuid>${f.uuid}</uuid>`)) {
        res.skipped.push(`filter ${f.name}: not ovfpipe's`);
        continue;
      }
      if ((await virsh('nwfilter-undefine', '--', f.name)).code === 0) {
        res.filters.push(f.name);
        log?.(`${host}: filter ${f.name} removed`);
      } else res.skipped.push(`filter ${f.name}: still in use`);
    }
  } catch (e) {
    res.error = (e as Error).message;
  }
  return res;
}
