/**
 * What `ovfpipe plan` prints, as pure functions of the prepared pipeline or
 * of the host plans: the summaries (also the `--json` shape) and their text.
 */
import type { HostPlan } from '../deploy/plan.js';
import type { PreparedPipeline } from './run.js';

export interface OfflineHostSummary {
  host: string;
  address: string;
  vms: Array<{ name: string; tenant: string; virtualSystem: string; memoryMiB: number; vcpus: number; firmware?: string; configuration?: string }>;
  filters: string[];
  images: string[];
}

/** Per host of the shard (sorted): the VMs placed there, the filters and the images they need. */
export function offlinePlan(prepared: Pick<PreparedPipeline, 'units' | 'hosts'>): OfflineHostSummary[] {
  return [...prepared.units.entries()].sort().map(([name, units]) => ({
    host: name,
    address: prepared.hosts.get(name)!.address,
    vms: units.flatMap((u) =>
      u.vms.map((v) => ({
        name: v.name,
        tenant: v.tenant,
        virtualSystem: v.virtualSystem,
        memoryMiB: Math.ceil(v.memoryKiB / 1024),
        vcpus: v.vcpus,
        firmware: v.firmware,
        configuration: v.configuration,
      })),
    ),
    filters: [...new Set(units.flatMap((u) => u.result.filters.map((f) => f.name)))],
    images: [...new Set(units.flatMap((u) => u.result.disks.map((d) => d.sha256).filter((s): s is string => Boolean(s))))],
  }));
}

export function offlinePlanText(hosts: readonly OfflineHostSummary[]): string {
  const lines: string[] = [];
  for (const h of hosts) {
    lines.push(`${h.host} (${h.address}): ${h.vms.length} VM(s), ${h.filters.length} filter(s), ${h.images.length} image(s)`);
    for (const v of h.vms) lines.push(`  + ${v.name}  [tenant ${v.tenant}, ${v.memoryMiB} MiB, ${v.vcpus} vCPU, ${v.firmware}${v.configuration ? `, configuration ${v.configuration}` : ''}]`);
    for (const f of h.filters) lines.push(`  + nwfilter ${f}`);
  }
  return lines.map((l) => `${l}\n`).join('');
}

export interface HostPlanSummary {
  host: string;
  error?: string;
  /** Preflight problems that would stop apply on this host (missing bridge, no space, …). */
  problems?: string[];
  vms?: Array<{ name: string; action: string; reason?: string }>;
  filters?: Array<{ name: string; action: string }>;
  /** Images sent; `kept`: stored as uploaded (a backing-mode base) or converted to qcow2. */
  uploads?: Array<{ href: string; bytes?: number; kept: 'as-uploaded' | 'converted' }>;
}

/** What each host's plan would do (`plan` against real hosts). */
export function hostPlans(plans: ReadonlyArray<{ host: string; plan?: HostPlan; error?: string }>): HostPlanSummary[] {
  return plans.map((p) => ({
    host: p.host,
    error: p.error,
    ...(p.plan?.problems.length ? { problems: p.plan.problems } : {}),
    vms: p.plan?.vms.map((v) => ({ name: v.vm.name, action: v.action, reason: v.reason })),
    filters: p.plan?.filters.map((f) => ({ name: f.filter.name, action: f.action })),
    uploads: p.plan?.images.filter((i) => i.upload).map((i) => ({ href: i.href, bytes: i.bytes, kept: i.convert ? ('converted' as const) : ('as-uploaded' as const) })),
  }));
}

export function hostPlansText(hosts: readonly HostPlanSummary[]): string {
  const lines: string[] = [];
  for (const h of hosts) {
    lines.push(`${h.host}${h.error ? `: ERROR ${h.error}` : ''}`);
    for (const problem of h.problems ?? []) lines.push(`  PROBLEM   ${problem}`);
    for (const v of h.vms ?? []) lines.push(`  ${v.action.padEnd(9)} ${v.name}${v.reason ? ` (${v.reason})` : ''}`);
    for (const f of h.filters ?? []) lines.push(`  ${f.action.padEnd(9)} nwfilter ${f.name}`);
    for (const u of h.uploads ?? []) lines.push(`  upload    ${u.href} (${u.bytes ?? '?'} bytes${u.kept === 'converted' ? ', converted to qcow2' : ', kept as uploaded'})`);
  }
  return lines.map((l) => `${l}\n`).join('');
}
