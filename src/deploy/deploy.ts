/**
 * `deploy`: one package, one tenant, onto one or more hosts (PRODUCT.md §7).
 * Render once, place VMs on the hosts (round-robin in VirtualSystem order),
 * then per host, concurrently (p-queue, global and per-host limits):
 * connect once, gather facts, plan, preflight, execute. A host that fails
 * never stops the others; its VMs are reported failed.
 */
import PQueue from 'p-queue';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { isOvfpipeError } from '../diagnostics/errors.js';
import { loadDescriptor, type LoadedDescriptor } from '../package/open-descriptor.js';
import type { VarsFile } from '../macros/vars.js';
import { needsVdp } from '../netsec/virtualport-types.js';
import { renderedDomainTree, renderPackage, type RenderedVm, type RenderResult } from '../render/render-package.js';
import { imageDigests } from '../package/image-digests.js';
import type { RenderOptions } from '../render/types.js';
import { type DomainNeeds, domainNeeds, domainNeedsOf, unsupportedReason } from './capabilities.js';
import { elementView } from '../xml/node-view.js';
import { executeHostPlan, type VmOutcome } from './executor.js';
import { gatherFacts, gatherHypervisor, mergeCapabilities, type HostFacts } from './facts.js';
import { planHost, type HostPlan } from './plan.js';
import type { HostReport, RunReport } from './report.js';
import { securityOf } from './report-security.js';
import { VERSION } from '../version.js';
import type { Transport } from './transport.js';
import type { PackageReader } from '../package/reader.js';
import { lastPathSegment } from '../strings.js';

export interface DeployRequest {
  pkg: string;
  tenant: string;
  vars?: VarsFile;
  hosts: string[];
  connect: (host: string) => Promise<Transport>;
  connectUri: string;
  storageRoot: string;
  options: RenderOptions;
  configuration?: string;
  start?: boolean;
  force?: boolean;
  /** Hosts worked on at once (default 8). */
  parallel?: number;
  /** VMs worked on at once per host (default 1). */
  perHost?: number;
  /** Only plan: gather facts and return the plans, change nothing. */
  dryRun?: boolean;
  log?: (line: string) => void;
  onBytes?: (host: string, n: number) => void;
  onVm?: (o: VmOutcome) => void;
  onPlanned?: (vms: number) => void;
  /** convert (default): each image converted once into `<sha256>.qcow2`, overlays on it; backing: overlays directly on the verified upload, no conversion. */
  diskMode?: DiskMode;
  /** First abort: no new work, uploads cut (partials kept), VMs not applied rolled back and reported failed. */
  signal?: AbortSignal;
  /** Read References files outside the package's folder (`--allow-outside-refs`); refused otherwise. */
  allowOutsideRefs?: boolean;
}

export interface DeployResult {
  report: RunReport;
  diagnostics: Diagnostic[];
  plans: Array<{ host: string; plan?: HostPlan; error?: string }>;
}

/** The render error that fails one VM (its document is unusable) without stopping the others. */
export const VM_RENDER_RULE = 'render-disk';

/**
 * The package rendered as deploy renders it: digests from the package, the
 * package named by its path's last segment. Audit renders through this too,
 * so the desired-state digests it compares are deploy's own.
 */
export async function renderForDeploy(loaded: LoadedDescriptor, req: Pick<DeployRequest, 'pkg' | 'tenant' | 'vars' | 'storageRoot' | 'options' | 'configuration'>): Promise<RenderResult> {
  const digests = await imageDigests(loaded.reader, loaded.descriptorName, loaded.envelope);
  return renderPackage({
    envelope: loaded.envelope,
    packageName: lastPathSegment(req.pkg),
    tenant: req.tenant,
    vars: req.vars,
    storageRoot: req.storageRoot,
    options: req.options,
    configuration: req.configuration,
    digests,
  });
}

export async function deploy(req: DeployRequest): Promise<DeployResult> {
  const startedAt = new Date();
  const loaded = await loadDescriptor(req.pkg, { outsideRefs: req.allowOutsideRefs ? 'allow' : 'refuse' });
  try {
    const rendered = await renderForDeploy(loaded, req);
    // A VM whose document is unusable (render-disk) fails alone; any other render error stops the run.
    const fatal = rendered.diagnostics.filter((d) => d.severity === 'error' && d.ruleId !== VM_RENDER_RULE);
    if (fatal.length > 0 || rendered.domains.length === 0) return { report: { vms: [], hosts: [], bytesUploaded: 0 }, diagnostics: rendered.diagnostics, plans: [] };
    const renderFailures: VmOutcome[] = rendered.failedVms.map((f) => ({ name: f.name, host: '(not placed)', status: 'failed', error: `not rendered: ${f.reason}`, seconds: 0 }));
    for (const o of renderFailures) req.onVm?.(o);
    const placement = place(rendered.domains, req.hosts);
    req.onPlanned?.(rendered.domains.length);
    const queue = new PQueue({ concurrency: req.parallel ?? 8 });
    const results = await Promise.all(req.hosts.map((host) => queue.add(() => deployHost(host, [{ result: rendered, vms: placement.get(host) ?? [], reader: loaded.reader }], req))));
    const report: RunReport = {
      vms: [...renderFailures, ...results.flatMap((r) => r.vms)],
      hosts: results.map((r) => r.host),
      bytesUploaded: results.reduce((n, r) => n + r.host.bytesUploaded, 0),
      pipeline: req.pkg,
      startedAt: startedAt.toISOString(),
      seconds: (Date.now() - startedAt.getTime()) / 1000,
      version: VERSION,
      placement: [...placement.entries()].flatMap(([host, vms]) => vms.map((v) => ({ vm: v.name, tenant: v.tenant, host, reason: 'round-robin in VirtualSystem order' }))),
      security: securityOf([rendered]),
      ...(req.signal?.aborted ? { interrupted: abortName(req.signal) } : {}),
    };
    return { report, diagnostics: rendered.diagnostics, plans: results.map((r) => r.plan) };
  } finally {
    await loaded.reader.close();
  }
}

/** What stopped the run: the signal name the CLI aborts with ('SIGINT', 'SIGTERM'), else 'abort'. */
export function abortName(signal: AbortSignal): string {
  const r: unknown = signal.reason;
  return typeof r === 'string' ? r : r instanceof Error && /^SIG[A-Z]+$/.test(r.message) ? r.message : 'abort';
}

/** Round-robin in VirtualSystem order: stable, so a re-run puts every VM where it was. */
export function place(vms: readonly RenderedVm[], hosts: readonly string[]): Map<string, RenderedVm[]> {
  const out = new Map<string, RenderedVm[]>(hosts.map((h) => [h, []]));
  vms.forEach((vm, i) => out.get(hosts[i % hosts.length]!)!.push(vm));
  return out;
}

interface HostResult {
  host: HostReport;
  vms: VmOutcome[];
  plan: { host: string; plan?: HostPlan; error?: string };
}

/** What one package render contributes to one host: its VMs there, and where to read its images. */
export interface HostUnit {
  result: RenderResult;
  vms: RenderedVm[];
  reader: PackageReader;
  /** This unit's disk mode (a pipeline deployment's `diskMode`); default: the job's. */
  diskMode?: DiskMode;
}

export interface HostJob {
  connect: (host: string) => Promise<Transport>;
  /** VMs applied at once per host. */
  perHost?: number;
  connectUri: string;
  storageRoot: string;
  start?: boolean;
  force?: boolean;
  dryRun?: boolean;
  log?: (line: string) => void;
  onBytes?: (host: string, n: number) => void;
  onVm?: (o: VmOutcome) => void;
  signal?: AbortSignal;
  diskMode?: DiskMode;
}

export type DiskMode = 'convert' | 'backing';

/**
 * --disk-mode backing: a disk's base is the uploaded image itself (checked
 * self-contained and verified like any upload), so nothing is converted; each
 * VM's qcow2 overlay names it with its own format (steps.ts backingFormat).
 */
export function withDiskMode<T extends { device: string; storedPath?: string; basePath?: string }>(disks: T[], mode: DiskMode | undefined): T[] {
  if (mode !== 'backing') return disks;
  return disks.map((d) => (d.device === 'disk' && d.storedPath && d.basePath ? { ...d, basePath: d.storedPath } : d));
}

export async function deployHost(host: string, units: HostUnit[], req: HostJob): Promise<HostResult> {
  const started = Date.now();
  const seconds = () => (Date.now() - started) / 1000;
  const vms = units.flatMap((u) => u.vms);
  let phase = 'connect';
  const failAll = (error: string): HostResult => ({
    host: { host, status: 'failed', error, seconds: seconds(), bytesUploaded: 0, vms: vms.length },
    vms: vms.map((v) => ({
      name: v.name,
      host,
      status: 'failed' as const,
      error,
      seconds: seconds(),
      tenant: v.tenant,
      steps: [{ id: phase, start: new Date(started).toISOString(), seconds: seconds(), error }],
    })),
    plan: { host, error },
  });
  if (vms.length === 0) return { host: { host, status: 'ok', seconds: 0, bytesUploaded: 0, vms: 0 }, vms: [], plan: { host } };
  if (req.signal?.aborted) return failAll('interrupted (signal) before this host was started');
  let t: Transport;
  try {
    t = await req.connect(host);
  } catch (e) {
    // Keep the error code (OVFPIPE_HOSTKEY_UNKNOWN, …) in the report: CI jobs match on it.
    const message = isOvfpipeError(e) ? `${e.message} [${e.code}]` : (e as Error).message;
    // A dry run (plan) prints the host's error with its plan; logging it here too would say it twice.
    if (!req.dryRun) req.log?.(`${host}: cannot connect: ${message}`);
    return failAll(message);
  }
  phase = 'preflight';
  const withUsage = (r: HostResult): HostResult => {
    const u = t.usage?.();
    return u ? { ...r, host: { ...r.host, remoteSessions: u.sessions, remoteSteps: u.steps } } : r;
  };
  try {
    const disks = units.flatMap((u) =>
      withDiskMode(
        u.result.disks.filter((d) => u.vms.some((v) => v.name === d.domain)),
        u.diskMode ?? req.diskMode,
      ),
    );
    const readers = new Map<string, PackageReader>();
    for (const u of units) for (const d of u.result.disks) if (d.sha256 && !readers.has(d.sha256)) readers.set(d.sha256, u.reader);
    const allFilters = filtersFor(units, () => true);
    const query = factsQuery(
      req,
      vms,
      allFilters.map((f) => f.name),
      disks,
    );
    const factsStarted = Date.now();
    // 1. What is there (one round trip). 2. Only if the plan creates, updates or starts a VM (or places an
    // image): what the hypervisor offers those VMs (a second one). A no-op asks no hypervisor question.
    const facts = await gatherFacts(t, query);
    const desired = { vms, disks };
    const first = planHost({ ...desired, filters: allFilters }, facts, { force: req.force, start: req.start });
    const changing = first.vms.filter((p) => p.action === 'create' || p.action === 'update' || p.start).map((p) => p.vm);
    const unsupported = new Map<string, string>();
    if (changing.length > 0 || first.images.some((i) => i.upload || i.convert)) {
      const needs = new Map(
        changing.map((v) => {
          const tree = renderedDomainTree(v);
          return [v.name, tree ? domainNeedsOf(elementView(tree)) : domainNeeds(v.xml)] as const;
        }),
      );
      mergeCapabilities(
        facts,
        await gatherHypervisor(
          t,
          req.connectUri,
          [...needs.values()].filter((n): n is DomainNeeds => n !== undefined),
        ),
      );
      // A VM the hypervisor cannot run fails here, alone, before anything is sent for it.
      for (const v of changing) {
        const n = needs.get(v.name);
        const why = n && unsupportedReason(n, facts.capabilities, { host });
        if (why) unsupported.set(v.name, why);
      }
    }
    const preflightStep = { id: 'preflight', start: new Date(factsStarted).toISOString(), seconds: (Date.now() - factsStarted) / 1000 };
    const runnable = (v: RenderedVm) => !unsupported.has(v.name);
    const plan = unsupported.size === 0 ? first : planHost({ filters: filtersFor(units, runnable), ...desired }, facts, { force: req.force, start: req.start, unsupported });
    plan.problems.push(...facts.problems, ...preflight(vms.filter(runnable), facts, req.start === true));
    if (plan.problems.length > 0) return withUsage({ ...failAll(`preflight: ${plan.problems.join('; ')}`), plan: { host, plan } });
    if (req.dryRun) return withUsage({ host: { host, status: 'ok', seconds: seconds(), bytesUploaded: 0, vms: vms.length }, vms: [], plan: { host, plan } });
    phase = 'apply';
    if (req.signal?.aborted) return withUsage({ ...failAll('interrupted (signal) before anything was changed on this host'), plan: { host, plan } });
    const outcome = await executeHostPlan(plan, {
      transport: t,
      host,
      connectUri: req.connectUri,
      openImage: (step) => readers.get(step.sha256)!.open(step.href),
      imageSize: (step) =>
        readers
          .get(step.sha256)!
          .list()
          .find((m) => m.name === step.href)?.size,
      signal: req.signal,
      log: req.log,
      perHost: req.perHost,
      onVm: req.onVm,
      onBytes: (n) => req.onBytes?.(host, n),
    });
    // Every VM waited for the host's facts and preflight (one round trip for all): the first bar of its lane.
    for (const o of outcome.vms) o.steps = [preflightStep, ...(o.steps ?? [])];
    const resumed = outcome.resumed.length > 0 ? { resumed: outcome.resumed } : {};
    return withUsage({ host: { host, status: 'ok', seconds: seconds(), bytesUploaded: outcome.bytesUploaded, ...resumed, vms: vms.length }, vms: outcome.vms, plan: { host, plan } });
  } catch (e) {
    return withUsage(failAll((e as Error).message));
  } finally {
    await t.close().catch(() => undefined);
  }
}

/** The filters the given VMs use, with every filter those reference (definition order kept). */
function filtersFor(units: HostUnit[], keep: (v: RenderedVm) => boolean) {
  return dedupe(
    units.flatMap((u) => {
      const vms = u.vms.filter(keep);
      return u.result.filters.filter((f) => vms.some((v) => v.filterrefs.includes(f.name)) || filterNeededBy(f.name, u.result, vms));
    }),
    (f) => f.name,
  );
}

function dedupe<T>(items: T[], key: (x: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((x) => (seen.has(key(x)) ? false : (seen.add(key(x)), true)));
}

/** Filters referenced (transitively) by the filters these VMs use. */
function filterNeededBy(name: string, r: RenderResult, vms: RenderedVm[]): boolean {
  const seen = new Set<string>();
  const visit = (n: string): boolean => {
    if (n === name) return true;
    if (seen.has(n)) return false;
    seen.add(n);
    return (r.filters.find((f) => f.name === n)?.references ?? []).some(visit);
  };
  return vms.some((v) => v.filterrefs.some(visit));
}

function factsQuery(req: HostJob, vms: RenderedVm[], filters: string[], disks: RenderResult['disks']) {
  const nics = vms.flatMap((v) => v.nics);
  return {
    connectUri: req.connectUri,
    storageRoot: req.storageRoot,
    domains: vms.map((v) => v.name),
    filters,
    paths: [...disks.map((d) => d.overlayPath)],
    links: [...new Set(nics.filter((n) => n.mode !== 'network').map((n) => n.source))],
    networks: [...new Set(nics.filter((n) => n.mode === 'network').map((n) => n.source))],
    needVdp: req.start === true && nics.some((n) => needsVdp(n.virtualport?.type)),
  };
}

/** How to point an OVF network elsewhere (option-table.ts: --network / --bridge, `network:` / `bridge:` in a pipeline). */
function mappingHint(n: RenderedVm['nics'][number]): string {
  if (n.virtualport !== undefined || n.network === undefined) return '';
  return `: define it, or map OVF network '${n.network}' with --network ${n.network}=NETWORK or --bridge ${n.network}=BRIDGE`;
}

/** One clear message per missing thing the VMs need on this host. */
function preflight(vms: RenderedVm[], facts: HostFacts, starting: boolean): string[] {
  const problems = new Set<string>();
  for (const v of vms)
    for (const n of v.nics) {
      if (n.mode === 'bridge' && !facts.links.has(n.source)) problems.add(`bridge ${n.source} (needed by ${v.name}) does not exist${mappingHint(n)}`);
      if (n.mode === 'direct' && !facts.links.has(n.source)) problems.add(`device ${n.source} (needed by ${v.name}) does not exist`);
      if (n.mode === 'network' && !facts.networks.has(n.source)) problems.add(`libvirt network ${n.source} (needed by ${v.name}) is not defined${mappingHint(n)}`);
      // The VDP association happens at start (libvirt defines such a domain without lldpad).
      if (starting && n.virtualport && needsVdp(n.virtualport.type) && !facts.lldpad) problems.add(`${v.name} needs VDP (${n.virtualport.type}) but lldpad is not installed`);
    }
  return [...problems];
}
