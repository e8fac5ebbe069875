/**
 * Run reports for the runs that do not deploy (PRODUCT.md §11): a plan (each
 * VM with its planned action as its status) and an audit (each VM with its
 * audit status), so `plan --html` and `audit --html` draw the same page. Pure.
 */
import type { AuditResult } from '../audit/model.js';
import type { VmOutcome } from '../executor.js';
import type { RunReport } from '../report.js';

export function auditAsRunReport(a: AuditResult, meta: Partial<RunReport> = {}): RunReport {
  const hosts = a.before ?? a.hosts;
  return {
    ...meta,
    vms: hosts.flatMap((h) =>
      h.vms.map(
        (v): VmOutcome => ({
          name: v.name,
          host: h.host,
          tenant: v.tenant,
          status: v.status as VmOutcome['status'],
          seconds: 0,
          ...(v.findings.length ? { error: v.findings.map((f) => f.class).join(', ') } : {}),
        }),
      ),
    ),
    hosts: hosts.map((h) => ({ host: h.host, status: h.status === 'unreachable' ? 'failed' : 'ok', ...(h.error ? { error: h.error } : {}), seconds: h.seconds, bytesUploaded: 0, vms: h.vms.length })),
    bytesUploaded: 0,
  };
}

export interface PlannedVm {
  name: string;
  host: string;
  tenant?: string;
  action: string;
  reason?: string;
}

export function planAsRunReport(vms: readonly PlannedVm[], hostErrors: ReadonlyMap<string, string | undefined>, meta: Partial<RunReport> = {}): RunReport {
  return {
    ...meta,
    vms: vms.map(
      (v): VmOutcome => ({
        name: v.name,
        host: v.host,
        tenant: v.tenant,
        status: (v.action === 'refuse' ? 'failed' : v.action) as VmOutcome['status'],
        seconds: 0,
        ...(v.reason ? { error: v.reason } : {}),
      }),
    ),
    hosts: [...hostErrors.entries()].map(([host, error]) => ({
      host,
      status: error ? 'failed' : 'ok',
      ...(error ? { error } : {}),
      seconds: 0,
      bytesUploaded: 0,
      vms: vms.filter((v) => v.host === host).length,
    })),
    bytesUploaded: 0,
  };
}
