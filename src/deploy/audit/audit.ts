/**
 * `audit` (PRODUCT.md §11): renders what ovfpipe would deploy — a package
 * for one tenant placed on its hosts as deploy places it, or a pipeline's
 * placement — then per host, through one connection, reads the state
 * (host-state.ts) and compares (check.ts). Read-only unless `repair`:
 * then repair.ts puts back what drifted and the host is audited again.
 * An unreachable host is reported as such; the others are still audited.
 */
import PQueue from 'p-queue';
import { isOvfpipeError } from '../../errors.js';
import type { RenderedVm } from '../../render/render-package.js';
import type { HostJob, HostUnit } from '../deploy.js';
import type { Transport } from '../transport.js';
import { auditVms } from './check.js';
import { readAuditHostState } from './host-state.js';
import { type AuditResult, type HostAudit, hostStatus, type RepairAction } from './model.js';
import { repairHost } from './repair.js';

export interface AuditTarget {
  host: string;
  units: HostUnit[];
  /** How to reach it, and what apply would use there (repair goes through the apply path). */
  job: HostJob;
}

export interface AuditOptions {
  repair?: boolean;
  /** Hosts audited at once (default 8). */
  parallel?: number;
  log?: (line: string) => void;
}

export async function auditTargets(targets: readonly AuditTarget[], opts: AuditOptions = {}): Promise<AuditResult> {
  const queue = new PQueue({ concurrency: opts.parallel ?? 8 });
  const results = await Promise.all(targets.map((t) => queue.add(() => auditTarget(t, opts))));
  const out: AuditResult = { hosts: results.map((r) => r.after ?? r.before) };
  if (opts.repair) {
    out.before = results.map((r) => r.before);
    out.repairs = results.flatMap((r) => r.repairs);
  }
  return out;
}

async function auditTarget(target: AuditTarget, opts: AuditOptions): Promise<{ before: HostAudit; after?: HostAudit; repairs: RepairAction[] }> {
  const first = await auditOnce(target);
  if (!opts.repair || first.audit.status === 'clean' || first.audit.status === 'unreachable' || !first.state || !first.transport) {
    await first.transport?.close().catch(() => undefined);
    return { before: first.audit, repairs: [] };
  }
  let repairs: RepairAction[];
  try {
    repairs = await repairHost({ host: target.host, transport: first.transport, units: target.units, audit: first.audit, state: first.state, job: target.job });
  } catch (e) {
    repairs = [{ host: target.host, action: 'define-filter', target: '(repair)', ok: false, detail: (e as Error).message }];
  } finally {
    await first.transport.close().catch(() => undefined);
  }
  for (const r of repairs) opts.log?.(`${target.host}: ${r.action} ${r.target}: ${r.ok ? 'done' : `failed: ${r.detail}`}`);
  const again = await auditOnce(target);
  await again.transport?.close().catch(() => undefined);
  return { before: first.audit, after: again.audit, repairs };
}

async function auditOnce(target: AuditTarget) {
  const started = Date.now();
  const vms = target.units.flatMap((u) => u.vms);
  const seconds = () => (Date.now() - started) / 1000;
  let transport: Transport;
  try {
    transport = await target.job.connect(target.host);
  } catch (e) {
    const error = isOvfpipeError(e) ? `${e.message} [${e.code}]` : (e as Error).message;
    return { audit: { host: target.host, status: 'unreachable', error, vms: [], seconds: seconds() } satisfies HostAudit };
  }
  try {
    const filters = target.units.flatMap((u) => u.result.filters);
    const state = await readAuditHostState(transport, { connectUri: target.job.connectUri, domains: vms.map((v) => v.name), filters: filterClosure(vms, filters) });
    if (state.problems.length > 0) return { transport, audit: { host: target.host, status: 'cannot-verify', error: state.problems.join('; '), vms: [], seconds: seconds() } satisfies HostAudit };
    const audited = auditVms({ vms, filters }, state);
    return { transport, state, audit: { host: target.host, status: hostStatus(audited), tooling: state.tooling, vms: audited, seconds: seconds() } satisfies HostAudit };
  } catch (e) {
    await transport.close().catch(() => undefined);
    return { audit: { host: target.host, status: 'unreachable', error: (e as Error).message, vms: [], seconds: seconds() } satisfies HostAudit };
  }
}

/** The names of every filter the VMs' trees reach through our filters (built-ins included; theirs are followed on the host). */
export function filterClosure(vms: readonly RenderedVm[], filters: ReadonlyArray<{ name: string; references: string[] }>): string[] {
  const byName = new Map(filters.map((f) => [f.name, f]));
  const seen = new Set<string>();
  const visit = (n: string) => {
    if (seen.has(n)) return;
    seen.add(n);
    for (const r of byName.get(n)?.references ?? []) visit(r);
  };
  for (const v of vms) for (const r of v.filterrefs) visit(r);
  return [...seen];
}
