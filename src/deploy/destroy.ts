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
    const res = { host, domains: [] as string[], filters: [] as string[], skipped: [] as string[] } as DestroyResult['hosts'][number];
    out.hosts.push(res);
    let t: Transport;
    try {
      t = await req.connect(host);
    } catch (e) {
      res.error = (e as Error).message;
      continue;
    }
    try {
      const virsh = (...a: string[]) => t.exec(['virsh', '-c', req.connectUri, ...a], { allowFailure: true });
      for (const d of r.domains) {
        const x = await virsh('dumpxml', '--inactive', '--', d.name);
        if (x.code !== 0) continue;
        if (ownerOf(x.stdout) !== req.tenant) {
          res.skipped.push(`domain ${d.name}: not created by ovfpipe for tenant ${req.tenant}`);
          continue;
        }
        await virsh('destroy', '--', d.name);
        const u = await virsh('undefine', '--nvram', '--', d.name);
        if (u.code !== 0) await virsh('undefine', '--', d.name);
        await t.exec(['rm', '-rf', '--', `${req.storageRoot}/vms/${d.name}`], { allowFailure: true });
        res.domains.push(d.name);
        req.log?.(`${host}: domain ${d.name} removed`);
      }
      // Referencing filters first, so each is free when its turn comes.
      for (const f of [...r.filters].reverse()) {
        const x = await virsh('nwfilter-dumpxml', '--', f.name);
        if (x.code !== 0) continue;
        if (!x.stdout.includes(`<uuid>${f.uuid}</uuid>`)) {
          res.skipped.push(`filter ${f.name}: not ovfpipe's`);
          continue;
        }
        const u = await virsh('nwfilter-undefine', '--', f.name);
        if (u.code === 0) {
          res.filters.push(f.name);
          req.log?.(`${host}: filter ${f.name} removed`);
        } else res.skipped.push(`filter ${f.name}: still in use`);
      }
    } catch (e) {
      res.error = (e as Error).message;
    } finally {
      await t.close().catch(() => undefined);
    }
  }
  return out;
}
