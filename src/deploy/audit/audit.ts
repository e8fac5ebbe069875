/**
 * `audit` (PRODUCT.md §11): renders what ovfpipe would deploy — a package
 * for one tenant placed on its hosts as deploy places it, or a pipeline's
 * placement — then per host, through one connection, reads the state
 * (host-state.ts) and compares (check.ts). Read-only unless `repair`:
 * then, once every host is read, repair.ts puts back what drifted and the
 * host is audited again.
 * An unreachable host is reported as such; the others are still audited.
 */
import PQueue from 'p-queue';
import { isOvfpipeError } from '../../diagnostics/errors.js';
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
  // 1. Every host read and compared (connections closed: a repair opens its own).
  const firsts = await Promise.all(
    targets.map((t) =>
      queue.add(async () => {
        const r = await auditOnce(t);
        await r.transport?.close().catch(() => undefined);
        return r;
      }),
    ),
  );
  holdMisplaced(firsts.map((f) => f.audit));
  if (!opts.repair) return { hosts: firsts.map((f) => f.audit) };
  // 2. Per host with something repairable: repair, then audit again.
  const results = await Promise.all(targets.map((t, i) => queue.add(() => repairTarget(t, firsts[i]!, opts))));
  const hosts = results.map((r, i) => r.after ?? firsts[i]!.audit);
  holdMisplaced(hosts);
  return { hosts, before: firsts.map((f) => f.audit), repairs: results.flatMap((r) => r.repairs) };
}

/**
 * A VM missing where it is placed but defined on another audited host was placed differently
 * (another --host order than the deploy's): reported, and not re-created, which would make a second copy.
 */
export function holdMisplaced(audits: HostAudit[]): void {
  const present = new Map<string, string>();
  for (const h of audits) for (const v of h.vms) if (v.state !== 'missing') present.set(v.name, h.host);
  for (const h of audits)
    for (const v of h.vms)
      for (const f of v.findings) {
        const elsewhere = present.get(v.name);
        if (f.class !== 'missing-domain' || elsewhere === undefined || !f.repairable) continue;
        f.repairable = false;
        f.detail += ` here, but is defined on ${elsewhere}: placed differently from the deploy (give audit the deploy's --host order)`;
      }
}

async function repairTarget(target: AuditTarget, first: Awaited<ReturnType<typeof auditOnce>>, opts: AuditOptions): Promise<{ after?: HostAudit; repairs: RepairAction[] }> {
  const repairable = first.audit.vms.some((v) => v.findings.some((f) => f.repairable));
  if (!repairable || !first.state) return { repairs: [] };
  let repairs: RepairAction[];
  let transport: Transport | undefined;
  try {
    transport = await target.job.connect(target.host);
    repairs = await repairHost({ host: target.host, transport, units: target.units, audit: first.audit, state: first.state, job: target.job });
  } catch (e) {
    repairs = [{ host: target.host, action: 'define-filter', target: '(repair)', ok: false, detail: (e as Error).message }];
  } finally {
    await transport?.close().catch(() => undefined);
  }
  for (const r of repairs) opts.log?.(`${target.host}: ${r.action} ${r.target}: ${r.ok ? 'done' : `failed: ${r.detail}`}`);
  const again = await auditOnce(target);
  await again.transport?.close().catch(() => undefined);
  return { after: again.audit, repairs };
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
