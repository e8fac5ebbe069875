/**
 * The audit targets of `audit PKG --host … --tenant T`: the package rendered
 * exactly as deploy renders it (same digests, same options, so the
 * desired-state digests compare), VMs placed round-robin as deploy places
 * them. The package stays open until `close`: a repair may upload images.
 */
import { hasErrors, type Diagnostic } from '../../diagnostics/diagnostic.js';
import { loadDescriptor } from '../../package/open-descriptor.js';
import type { VarsFile } from '../../macros/vars.js';
import type { RenderOptions } from '../../render/types.js';
import { type HostJob, place, renderForDeploy } from '../deploy.js';
import type { AuditTarget } from './audit.js';

export interface PackageAuditRequest {
  pkg: string;
  tenant: string;
  vars?: VarsFile;
  hosts: string[];
  options: RenderOptions;
  configuration?: string;
  job: HostJob;
  /** Read References files outside the package's folder (`--allow-outside-refs`). */
  allowOutsideRefs?: boolean;
}

export async function packageTargets(req: PackageAuditRequest): Promise<{ targets: AuditTarget[]; diagnostics: Diagnostic[]; close(): Promise<void> }> {
  const loaded = await loadDescriptor(req.pkg, { outsideRefs: req.allowOutsideRefs ? 'allow' : 'refuse' });
  const close = () => loaded.reader.close();
  try {
    const result = await renderForDeploy(loaded, { ...req, storageRoot: req.job.storageRoot });
    if (hasErrors(result.diagnostics)) {
      await close();
      return { targets: [], diagnostics: result.diagnostics, close: async () => undefined };
    }
    const placement = place(result.domains, req.hosts);
    const targets = req.hosts.map((host) => ({ host, units: [{ result, vms: placement.get(host) ?? [], reader: loaded.reader }], job: req.job }));
    return { targets, diagnostics: result.diagnostics, close };
  } catch (e) {
    await close();
    throw e;
  }
}
