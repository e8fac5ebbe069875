/** The run report (PRODUCT.md §7): JSON and JUnit, every VM and host with its outcome, timings and bytes. Pure. */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { formatDiagnosticLine } from '../diagnostics/format.js';
import { writeJunit, type JunitCase, type JunitSuite } from '../xml/junit.js';
import type { VmOutcome } from './executor.js';
import type { PlacementEntry, TenantSecurity } from './report-security.js';

export interface HostReport {
  host: string;
  status: 'ok' | 'failed';
  error?: string;
  seconds: number;
  bytesUploaded: number;
  /** Uploads that continued where a cut transfer left off ("resumed at N bytes"). */
  resumed?: Array<{ href: string; resumedAt: number }>;
  vms: number;
  /** Exec sessions opened on the host (each one a login shell): the remote worker, one per image upload; constant in the number of VMs. */
  remoteSessions?: number;
  /** Commands the host's remote worker ran (its own count): batches, step lists, small uploads. */
  remoteSteps?: number;
}

/**
 * One subject of a local stage of a pipeline run (lint, verify, open, render): a package, a VM, or the pipeline
 * file itself, with every diagnostic the stage found for it. Written on red as on green: a run that stops
 * before deploy still says which package or VM stopped it, and why.
 */
export interface RunCheck {
  stage: string;
  kind: 'pipeline' | 'package' | 'vm';
  /** Package name, VM (domain) name, or the pipeline file. */
  name: string;
  /** The package's path, or the pipeline file. */
  file?: string;
  tenant?: string;
  status: 'passed' | 'failed';
  diagnostics: Diagnostic[];
}

export interface RunReport {
  /** The local stages' results per package and VM (apply/plan of a pipeline). */
  checks?: RunCheck[];
  vms: VmOutcome[];
  hosts: HostReport[];
  bytesUploaded: number;
  /** The pipeline file (apply) or package (deploy) the run was for. */
  pipeline?: string;
  /** `i/n` of a sharded run; a merged report lists its shards. */
  shard?: string;
  shards?: string[];
  /** ISO 8601 start of the run, and its wall time. */
  startedAt?: string;
  seconds?: number;
  /** ovfpipe's version. */
  version?: string;
  /** Which VM went to which host, and why when known. */
  placement?: PlacementEntry[];
  /** Per tenant: the filter graph and each NIC's filter parameters and port profile. */
  security?: TenantSecurity[];
  /** Set when a signal stopped the run (SIGINT, SIGTERM): what was not done is reported failed. */
  interrupted?: string;
}

export function runFailed(r: RunReport): boolean {
  return r.vms.some((v) => v.status === 'failed') || r.hosts.some((h) => h.status === 'failed') || (r.checks ?? []).some((c) => c.status === 'failed');
}

/** `3 VM(s): 2 created, 1 unchanged; N bytes uploaded` — the last line of a run. */
export function summaryLine(r: RunReport): string {
  const c = new Map<string, number>();
  for (const v of r.vms) c.set(v.status, (c.get(v.status) ?? 0) + 1);
  const resumed = r.hosts.flatMap((h) => (h.resumed ?? []).map((x) => `${h.host}: ${x.href} resumed at ${x.resumedAt} bytes`));
  const checks = r.checks ?? [];
  const passed = checks.filter((x) => x.status === 'passed').length;
  const checked = checks.length > 0 ? `${passed}/${checks.length} check(s) passed; ` : '';
  return `${checked}${r.vms.length} VM(s): ${[...c.entries()].map(([k, n]) => `${n} ${k}`).join(', ') || 'none'}; ${r.bytesUploaded} bytes uploaded${resumed.length > 0 ? ` (${resumed.join('; ')})` : ''}${r.interrupted ? `; interrupted by ${r.interrupted}` : ''}`;
}

/**
 * The reasons, one line per failed host and per failed VM on a host that
 * did not fail as a whole, for people reading a run's end (JSON carries the
 * same). A host failure stands for its VMs, which share its reason.
 */
export function failureLines(r: RunReport): string[] {
  const failedHosts = new Set(r.hosts.filter((h) => h.status === 'failed').map((h) => h.host));
  const lines = r.hosts.filter((h) => h.status === 'failed').map((h) => `FAILED host ${h.host}: ${h.error ?? 'failed'}${h.vms > 0 ? ` (${h.vms} VM(s) not deployed)` : ''}`);
  for (const v of r.vms) if (v.status === 'failed' && !failedHosts.has(v.host)) lines.push(`FAILED ${v.host}: ${v.name}: ${v.error ?? 'failed'}`);
  return lines;
}

export function reportJson(r: RunReport): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}

/** A check as a test case: failed with its first error as the message and every diagnostic as the detail; passed with its warnings in system-out. */
function checkCase(c: RunCheck): JunitCase {
  const lines = c.diagnostics.map((d) => formatDiagnosticLine(d)).join('\n');
  const name = `${c.kind} ${c.name}${c.tenant && c.kind === 'vm' ? ` (tenant ${c.tenant})` : ''}`;
  const classname = `ovfpipe.${c.stage}`;
  if (c.status === 'failed') {
    const first = c.diagnostics.find((d) => d.severity === 'error');
    return { name, classname, time: 0, failure: { message: first?.message ?? 'failed', type: first?.ruleId ?? c.stage, detail: lines } };
  }
  return { name, classname, time: 0, ...(lines ? { systemOut: lines } : {}) };
}

/** The local stages as suites, in the order they ran: one case per package, VM or the pipeline file. */
function checkSuites(checks: readonly RunCheck[]): JunitSuite[] {
  const byStage = new Map<string, RunCheck[]>();
  for (const c of checks) byStage.set(c.stage, [...(byStage.get(c.stage) ?? []), c]);
  return [...byStage.entries()].map(([stage, list]) => ({ name: stage, time: '0.000', cases: list.map(checkCase) }));
}

/**
 * The local stages' suites (apply/plan of a pipeline: lint, verify, render, a case per package and VM), then one
 * testsuite per host, one testcase per VM; a failed VM is a <failure> with its error.
 */
export function reportJunit(r: RunReport): string {
  const hostSuites: JunitSuite[] = r.hosts.map((h) => {
    const cases: JunitCase[] = r.vms
      .filter((v) => v.host === h.host)
      .map((v) => ({
        name: v.name,
        classname: `ovfpipe.deploy.${h.host}`,
        time: v.seconds.toFixed(3),
        ...(v.status === 'failed' ? { failure: { message: v.error ?? 'failed', type: 'deploy', detail: v.error ?? 'failed' } } : { systemOut: v.status }),
      }));
    if (h.status === 'failed') cases.push({ name: `host ${h.host}`, classname: 'ovfpipe.deploy', failure: { message: h.error ?? 'failed', detail: h.error ?? '' } });
    return { name: h.host, time: h.seconds.toFixed(3), cases };
  });
  const suites = [...checkSuites(r.checks ?? []), ...hostSuites];
  // A pipeline run always carries the pipeline file's own check; a single-package deploy does not.
  return writeJunit(r.checks?.some((c) => c.kind === 'pipeline') ? 'ovfpipe apply' : 'ovfpipe deploy', suites);
}

/** Joins shard reports (`ovfpipe report merge`): hosts are disjoint across shards. */
export function mergeReports(reports: readonly RunReport[]): RunReport {
  const merged: RunReport = {
    ...(reports.some((r) => r.checks) ? { checks: mergeChecks(reports) } : {}),
    vms: reports.flatMap((r) => r.vms),
    hosts: reports.flatMap((r) => r.hosts),
    bytesUploaded: reports.reduce((n, r) => n + r.bytesUploaded, 0),
  };
  const first = reports[0];
  if (first?.pipeline !== undefined) merged.pipeline = first.pipeline;
  if (first?.version !== undefined) merged.version = first.version;
  const shards = reports.flatMap((r) => r.shards ?? (r.shard ? [r.shard] : []));
  if (shards.length > 0) merged.shards = shards;
  const starts = reports
    .map((r) => r.startedAt)
    .filter((x): x is string => x !== undefined)
    .sort();
  if (starts.length > 0) {
    merged.startedAt = starts[0];
    const ends = reports.filter((r) => r.startedAt && r.seconds !== undefined).map((r) => Date.parse(r.startedAt!) + r.seconds! * 1000);
    merged.seconds = (Math.max(...ends) - Date.parse(starts[0]!)) / 1000;
  }
  // Every shard places every VM (placement is global); keep one entry per VM.
  const placement = new Map(reports.flatMap((r) => r.placement ?? []).map((p) => [p.vm, p] as const));
  if (placement.size > 0) merged.placement = [...placement.values()];
  const security = new Map<string, TenantSecurity>();
  for (const t of reports.flatMap((r) => r.security ?? [])) if (!security.has(t.tenant)) security.set(t.tenant, t);
  if (security.size > 0) merged.security = [...security.values()];
  return merged;
}

/** Every shard runs the same local stages over every package and VM: keep one check per stage and subject. */
function mergeChecks(reports: readonly RunReport[]): RunCheck[] {
  const out = new Map<string, RunCheck>();
  for (const c of reports.flatMap((r) => r.checks ?? [])) {
    const key = `${c.stage}\u0000${c.kind}\u0000${c.name}`;
    if (!out.has(key) || c.status === 'failed') out.set(key, c);
  }
  return [...out.values()];
}
