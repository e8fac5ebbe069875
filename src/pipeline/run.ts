/**
 * `plan`, `apply` and `destroy` on a pipeline file (PRODUCT.md §8). The
 * local stages (stages.ts: lint → verify → render → placement) run first;
 * nothing touches a host unless every stage passed. Then VMs are placed, the hosts of this shard are
 * worked on concurrently (p-queue), each through one connection, with the
 * deploy issue's idempotency, rollback and failure isolation.
 */
import { resolve } from 'node:path';
import PQueue from 'p-queue';
import { hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import { hostConnector } from '../deploy/connect.js';
import { abortName, deployHost, type DiskMode, type HostUnit } from '../deploy/deploy.js';
import { destroyOnHost, type DestroyResult } from '../deploy/destroy.js';
import type { HostPlan } from '../deploy/plan.js';
import type { RunCheck, RunReport } from '../deploy/report.js';
import { check } from './checks.js';
import { securityOf, type PlacementEntry, type TenantSecurity } from '../deploy/report-security.js';
import { VERSION } from '../version.js';
import type { Transport } from '../deploy/transport.js';
import type { RenderSettings } from '../render/option-table.js';
import { mergeSettings } from '../render/option-table.js';
import { loadPipeline, type Pipeline, type PipelineHost } from './load.js';
import { DEFAULT_STORAGE, selectedStages, type StageContext } from './stages.js';
import { placementEntries } from './placement-reasons.js';

export interface PipelineRunOptions {
  file: string;
  env?: Record<string, string | undefined>;
  shard?: { index: number; count: number };
  log?: (line: string) => void;
  progress?: import('../deploy/progress.js').Progress;
  /** Stops new work as deploy's signal does (apply: SIGINT/SIGTERM from the CLI). */
  signal?: AbortSignal;
  /** Render options from the command line (plan/apply flags): they replace the file's `defaults` of the same name. */
  renderDefaults?: RenderSettings;
  /** --disk-mode on plan/apply: replaces `defaults.diskMode` (a deployment's own still wins, as render options do). */
  diskMode?: DiskMode;
  /**
   * Leave out the lint and verify stages (destroy): what a run removes is named by render and proven
   * ours on the host, so hashing every image (GiBs) or a stricter lint rule must not stand in its way.
   */
  namesOnly?: boolean;
}

export interface PreparedPipeline {
  pipeline: Pipeline;
  diagnostics: Diagnostic[];
  hosts: Map<string, PipelineHost>;
  /** Host name → the render units to deploy there. */
  units: Map<string, HostUnit[]>;
  placement: Map<string, string>;
  storageRoot: string;
  /** For the run report: where each VM goes and why, and each tenant's filters and NICs. */
  placementEntries: PlacementEntry[];
  security: TenantSecurity[];
  /** What each local stage found per package and VM. */
  checks: RunCheck[];
  close(): Promise<void>;
}

/** Loads the pipeline and runs its local stages (PIPELINE_STAGES): checks, render, placement. Touches no host. */
export async function preparePipeline(opts: PipelineRunOptions): Promise<PreparedPipeline | { diagnostics: Diagnostic[]; checks: RunCheck[] }> {
  const loaded = await loadPipeline(opts.file, opts.env);
  if (!loaded.pipeline) return { diagnostics: loaded.diagnostics, checks: [check('pipeline', 'pipeline', opts.file, loaded.diagnostics, { file: opts.file })] };
  const p = loaded.pipeline;
  if (opts.renderDefaults) p.defaults = { ...p.defaults, ...mergeSettings(p.defaults, opts.renderDefaults) };
  if (opts.diskMode) p.defaults = { ...p.defaults, diskMode: opts.diskMode };
  const ctx: StageContext = {
    loaded,
    pipeline: p,
    shard: opts.shard,
    log: opts.log,
    diagnostics: [...loaded.diagnostics],
    paths: new Map(Object.entries(p.packages).map(([name, spec]) => [name, resolve(loaded.baseDir, spec.path)])),
    packages: new Map(),
    storageRoot: p.inventory?.defaults?.storage ?? DEFAULT_STORAGE,
    renders: [],
    hosts: new Map(Object.entries(p.inventory?.hosts ?? {})),
    units: new Map(),
    checks: [],
  };
  const close = async () => {
    for (const d of ctx.packages.values()) await d.reader.close();
  };
  try {
    for (const stage of selectedStages(p).filter((s) => !opts.namesOnly || (s.name !== 'lint' && s.name !== 'verify'))) {
      // A signal during the local stages (verifying a large package takes a while): no later stage starts, no host is touched.
      if (opts.signal?.aborted) {
        opts.log?.(`interrupted (${abortName(opts.signal)}) before the ${stage.name} stage: nothing deployed`);
        break;
      }
      await stage.run(ctx);
    }
  } catch (e) {
    await close();
    throw e;
  }
  if (hasErrors(ctx.diagnostics)) await close();
  return {
    pipeline: p,
    diagnostics: ctx.diagnostics,
    hosts: ctx.hosts,
    units: ctx.units,
    placement: ctx.placement?.byVm ?? new Map(),
    storageRoot: ctx.storageRoot,
    placementEntries: placementEntries(ctx),
    security: securityOf(ctx.renders.map((r) => r.result)),
    checks: withPipelineCheck(opts.file, ctx),
    close,
  };
}

/**
 * The pipeline file's own case: the diagnostics no package or VM check carries (schema, names, placement,
 * catalog), failed when any of them is an error.
 */
function withPipelineCheck(file: string, ctx: StageContext): RunCheck[] {
  const carried = new Set(ctx.checks.flatMap((c) => c.diagnostics));
  return [
    check(
      'pipeline',
      'pipeline',
      file,
      ctx.diagnostics.filter((d) => !carried.has(d)),
      { file },
    ),
    ...ctx.checks,
  ];
}

function connectorFor(p: Pipeline, host: PipelineHost): () => Promise<Transport> {
  const d = p.inventory?.defaults ?? {};
  const connect = hostConnector({ identity: host.identity ?? d.identity, knownHosts: host.knownHosts ?? d.knownHosts, fingerprint: host.fingerprint ?? d.fingerprint });
  return () => connect(host.address);
}

export interface PipelineRun {
  diagnostics: Diagnostic[];
  report: RunReport;
  plans: Array<{ host: string; plan?: HostPlan; error?: string }>;
}

/** plan (dryRun) or apply over the shard's hosts. */
export async function runPipeline(opts: PipelineRunOptions & { dryRun: boolean }): Promise<PipelineRun> {
  const startedAt = new Date();
  const prepared = await preparePipeline(opts);
  // The report of a run that stops before deploy (a stage failed, or a gate without a deploy stage): the checks, no hosts.
  const localOnly = (): RunReport => ({
    checks: prepared.checks,
    vms: [],
    hosts: [],
    bytesUploaded: 0,
    pipeline: opts.file,
    ...(opts.shard ? { shard: `${opts.shard.index}/${opts.shard.count}` } : {}),
    startedAt: startedAt.toISOString(),
    seconds: (Date.now() - startedAt.getTime()) / 1000,
    version: VERSION,
    ...('units' in prepared ? { placement: prepared.placementEntries, security: prepared.security } : {}),
    ...(opts.signal?.aborted ? { interrupted: abortName(opts.signal) } : {}),
  });
  if (!('units' in prepared) || hasErrors(prepared.diagnostics)) return { diagnostics: prepared.diagnostics, report: localOnly(), plans: [] };
  const { pipeline: p } = prepared;
  try {
    // A pipeline without a deploy stage is a gate (image release): the checks and the render already ran.
    if (!(p.stages ?? ['deploy']).includes('deploy')) return { diagnostics: prepared.diagnostics, report: localOnly(), plans: [] };
    const queue = new PQueue({ concurrency: p.defaults?.parallel ?? 8 });
    const names = [...prepared.units.keys()].sort();
    opts.progress?.planned(names.reduce((n, h) => n + prepared.units.get(h)!.reduce((m, u) => m + u.vms.length, 0), 0));
    const results = await Promise.all(
      names.map((name) =>
        queue.add(() => {
          const host = prepared.hosts.get(name)!;
          return deployHost(host.address, prepared.units.get(name)!, {
            connect: connectorFor(p, host),
            connectUri: host.connect ?? p.inventory?.defaults?.connect ?? 'qemu:///system',
            storageRoot: prepared.storageRoot,
            start: p.defaults?.start,
            perHost: p.defaults?.perHost,
            dryRun: opts.dryRun,
            log: opts.log,
            onBytes: (h, n) => opts.progress?.bytes(h, n),
            onVm: (o) => opts.progress?.vm(o),
            ...(opts.signal ? { signal: opts.signal } : {}),
          });
        }),
      ),
    );
    const report: RunReport = {
      checks: prepared.checks,
      vms: results.flatMap((r) => r.vms),
      hosts: results.map((r) => r.host),
      bytesUploaded: results.reduce((n, r) => n + r.host.bytesUploaded, 0),
      pipeline: opts.file,
      ...(opts.shard ? { shard: `${opts.shard.index}/${opts.shard.count}` } : {}),
      startedAt: startedAt.toISOString(),
      seconds: (Date.now() - startedAt.getTime()) / 1000,
      version: VERSION,
      placement: prepared.placementEntries.filter((e) => results.some((r) => r.host.host === e.host)),
      security: prepared.security,
      ...(opts.signal?.aborted ? { interrupted: abortName(opts.signal) } : {}),
    };
    return { diagnostics: prepared.diagnostics, report, plans: results.map((r) => r.plan) };
  } finally {
    await prepared.close();
  }
}

/** Removes every domain and filter the pipeline owns on the shard's hosts. */
export async function destroyPipeline(opts: PipelineRunOptions): Promise<{ diagnostics: Diagnostic[]; hosts: DestroyResult['hosts'] }> {
  const prepared = await preparePipeline({ ...opts, namesOnly: true });
  if (!('units' in prepared)) return { diagnostics: prepared.diagnostics, hosts: [] };
  try {
    // Hosts are independent: each is read, then changed, at the same time as the others.
    const out = await Promise.all(
      [...prepared.units.entries()].sort().map(async ([name, units]): Promise<DestroyResult['hosts'][number]> => {
        const host = prepared.hosts.get(name)!;
        let t: Transport;
        try {
          t = await connectorFor(prepared.pipeline, host)();
        } catch (e) {
          return { host: host.address, domains: [], filters: [], skipped: [], error: (e as Error).message };
        }
        try {
          const domains = units.flatMap((u) => u.vms.map((v) => ({ name: v.name, tenant: v.tenant })));
          const filters = units.flatMap((u) => u.result.filters);
          return await destroyOnHost(t, host.address, domains, filters, prepared.storageRoot, host.connect ?? prepared.pipeline.inventory?.defaults?.connect ?? 'qemu:///system', opts.log);
        } finally {
          await t.close().catch(() => undefined);
        }
      }),
    );
    return { diagnostics: prepared.diagnostics, hosts: out };
  } finally {
    await prepared.close();
  }
}
