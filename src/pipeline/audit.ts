/**
 * `audit PIPELINE.yaml`: the pipeline's placement (preparePipeline: lint,
 * verify, render, place; no host touched) turned into audit targets, one
 * per host of the shard, each with the connection and apply settings
 * `apply` would use there.
 */
import { hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import { hostConnector } from '../deploy/connect.js';
import type { AuditTarget } from '../deploy/audit/audit.js';
import { preparePipeline, type PipelineRunOptions } from './run.js';

export async function pipelineTargets(opts: PipelineRunOptions): Promise<{ targets: AuditTarget[]; diagnostics: Diagnostic[]; close(): Promise<void> }> {
  const prepared = await preparePipeline(opts);
  if (!('units' in prepared) || hasErrors(prepared.diagnostics)) return { targets: [], diagnostics: prepared.diagnostics, close: async () => undefined };
  const p = prepared.pipeline;
  const d = p.inventory?.defaults ?? {};
  const targets = [...prepared.units.entries()].sort().map(([name, units]): AuditTarget => {
    const h = prepared.hosts.get(name)!;
    const connect = hostConnector({ identity: h.identity ?? d.identity, knownHosts: h.knownHosts ?? d.knownHosts, fingerprint: h.fingerprint ?? d.fingerprint });
    return {
      host: h.address,
      units,
      job: {
        connect: () => connect(h.address),
        connectUri: h.connect ?? d.connect ?? 'qemu:///system',
        storageRoot: prepared.storageRoot,
        start: p.defaults?.start,
        perHost: p.defaults?.perHost,
        log: opts.log,
      },
    };
  });
  return { targets, diagnostics: prepared.diagnostics, close: prepared.close };
}
