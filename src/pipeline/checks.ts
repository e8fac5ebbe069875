/**
 * What each local stage of a pipeline run found, per package and per VM (RunCheck in the run report), so that
 * a run stopped before deploy still writes its evidence: which package or VM failed which stage, and why.
 */
import { diagnostic, hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import { isOvfpipeError } from '../diagnostics/errors.js';
import type { RunCheck } from '../deploy/report.js';
import { virtualSystems, type Envelope } from '../ovf/model.js';
import type { RenderResult } from '../render/render-package.js';
import { DescriptorError } from '../package/open-descriptor.js';
import { loadFailure } from '../actions/load-failure.js';

export function check(stage: string, kind: RunCheck['kind'], name: string, diagnostics: Diagnostic[], extra: { file?: string; tenant?: string } = {}): RunCheck {
  return { stage, kind, name, ...extra, status: hasErrors(diagnostics) ? 'failed' : 'passed', diagnostics };
}

/**
 * Runs `fn` on one package; a package that cannot be read at all (a thrown OvfpipeError: missing path, no
 * descriptor, a broken archive) becomes that package's error instead of ending the run without a report.
 */
export async function onPackage(path: string, fn: () => Promise<Diagnostic[]>): Promise<Diagnostic[]> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof DescriptorError) return e.diagnostics.length > 0 ? e.diagnostics : [diagnostic('ovf-envelope', 'error', e.message, { file: path })];
    if (isOvfpipeError(e)) return [loadFailure(path, e)];
    throw e;
  }
}

/** Which VirtualSystem a diagnostic is about, when it says (its locator starts `VirtualSystem[id]`, or its message `VM id,`). */
function virtualSystemOf(d: Diagnostic, ids: readonly string[]): string | undefined {
  const located = ids.find((id) => d.locator === `VirtualSystem[${id}]` || d.locator.startsWith(`VirtualSystem[${id}]/`));
  return located ?? ids.find((id) => d.message.startsWith(`VM ${id},`) || d.message.startsWith(`VM ${id}:`));
}

/**
 * One render check per VM of an instance: its domain name when it rendered, else `tenant/instance/VirtualSystem`.
 * A diagnostic that names no VirtualSystem (a tenant name, a port profile) concerns every VM of the instance.
 */
export function renderChecks(inst: { tenant: string; instance?: string }, path: string | undefined, envelope: Envelope, result: RenderResult): RunCheck[] {
  const ids = [...virtualSystems(envelope.content)].map((vs) => vs.id);
  const failed = new Map(result.failedVms.map((f) => [f.virtualSystem, f] as const));
  return ids.map((id) => {
    const domain = result.domains.find((d) => d.virtualSystem === id)?.name ?? failed.get(id)?.name;
    const name = domain ?? [inst.tenant, inst.instance, id].filter((x) => x !== undefined).join('/');
    const diags = result.diagnostics.filter((d) => {
      const vs = virtualSystemOf(d, ids);
      return vs === undefined || vs === id;
    });
    const reason = failed.get(id);
    const own = reason && !hasErrors(diags) ? [...diags, diagnostic('render-disk', 'error', reason.reason, {}, `VirtualSystem[${id}]`)] : diags;
    return check('render', 'vm', name, own, { tenant: inst.tenant, ...(path !== undefined ? { file: path } : {}) });
  });
}
