/**
 * `plan`, `apply` and `destroy` on a pipeline file (PRODUCT.md §8). Stages
 * lint → verify → render run locally first; nothing touches a host unless
 * every stage passed. Then VMs are placed, the hosts of this shard are
 * worked on concurrently (p-queue), each through one connection, with the
 * deploy issue's idempotency, rollback and failure isolation.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { groupsOffering } from '../netsec/catalog/match.js';
import type { ProfileCatalog } from '../netsec/catalog/model.js';
import { parseCatalogYaml } from '../netsec/catalog/yaml.js';
import { netsecOf } from '../netsec/view.js';
import type { Envelope } from '../ovf/model.js';
import PQueue from 'p-queue';
import { hasErrors, type Diagnostic } from '../diagnostics.js';
import { hostConnector } from '../deploy/connect.js';
import { abortName, deployHost, type HostUnit } from '../deploy/deploy.js';
import { destroyOnHost, type DestroyResult } from '../deploy/destroy.js';
import type { HostPlan } from '../deploy/plan.js';
import type { RunReport } from '../deploy/report.js';
import type { Transport } from '../deploy/transport.js';
import { lintFiles } from '../lint/lint-files.js';
import { loadDescriptor, type LoadedDescriptor } from '../load-descriptor.js';
import { mergeSettings, renderSettings, type RenderSettings } from '../render/option-table.js';
import { imageDigests } from '../render/render-to-dir.js';
import { packageNetworks, renderPackage, type RenderResult } from '../render/render-package.js';
import { verifyPath } from '../verify.js';
import { expandInstances } from './expand.js';
import { loadPipeline, type Pipeline, type PipelineHost } from './load.js';
import { placeVms, shardHosts } from './placement.js';

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
}

export interface PreparedPipeline {
  pipeline: Pipeline;
  diagnostics: Diagnostic[];
  hosts: Map<string, PipelineHost>;
  /** Host name → the render units to deploy there. */
  units: Map<string, HostUnit[]>;
  placement: Map<string, string>;
  storageRoot: string;
  close(): Promise<void>;
}

const DEFAULT_STORAGE = '/var/lib/ovfpipe';

/** Loads, checks (lint, verify) and renders everything, and places the VMs. Touches no host. */
export async function preparePipeline(opts: PipelineRunOptions): Promise<PreparedPipeline | { diagnostics: Diagnostic[] }> {
  const loaded = await loadPipeline(opts.file, opts.env);
  if (!loaded.pipeline) return { diagnostics: loaded.diagnostics };
  const p = loaded.pipeline;
  if (opts.renderDefaults) p.defaults = { ...p.defaults, ...mergeSettings(p.defaults, opts.renderDefaults) };
  const diagnostics: Diagnostic[] = [...loaded.diagnostics];
  const stages = new Set(p.stages ?? ['lint', 'verify', 'render', 'deploy']);
  const packages = new Map<string, LoadedDescriptor & { digests: Map<string, string> }>();
  const close = async () => {
    for (const d of packages.values()) await d.reader.close();
  };
  for (const [name, spec] of Object.entries(p.packages)) {
    const path = resolve(loaded.baseDir, spec.path);
    if (stages.has('lint')) for (const r of await lintFiles([path])) diagnostics.push(...r.diagnostics.filter((d) => d.severity === 'error'));
    if (stages.has('verify')) {
      const v = await verifyPath(path);
      if (!v.ok) diagnostics.push(...v.problems.filter((d) => d.severity === 'error'));
    }
    const d = await loadDescriptor(path);
    packages.set(name, { ...d, digests: await imageDigests(d.reader, d.descriptorName, d.envelope) });
    opts.log?.(`package ${name}: ${path}`);
  }
  const storageRoot = p.inventory?.defaults?.storage ?? DEFAULT_STORAGE;
  // Disk paths are rendered once for all hosts, so the storage root is one setting (inventory.defaults.storage).
  for (const [name, h] of Object.entries(p.inventory?.hosts ?? {}))
    if (h.storage !== undefined && h.storage !== storageRoot)
      diagnostics.push({ ruleId: 'pipeline-file', severity: 'error', message: `host ${name}: a per-host storage root is not supported; set inventory.defaults.storage`, file: opts.file, line: 0, column: 0, locator: `inventory.hosts.${name}.storage` });
  // Shared mappings (defaults, inventory hosts) apply per package, but each name must be a network of some package.
  const allNetworks = new Set([...packages.values()].flatMap((d) => [...packageNetworks(d.envelope)]));
  const shared: Array<[string, RenderSettings | undefined]> = [['defaults', p.defaults], ...Object.entries(p.inventory?.hosts ?? {}).map(([n, h]): [string, RenderSettings] => [`inventory.hosts.${n}`, h])];
  for (const [where, settings] of shared)
    for (const key of ['network', 'bridge'] as const)
      for (const name of Object.keys(settings?.[key] ?? {}))
        if (!allNetworks.has(name))
          diagnostics.push({ ruleId: 'pipeline-file', severity: 'error', message: `${where}.${key}: no package has an OVF network '${name}'; their networks: ${[...allNetworks].sort().join(', ') || '(none)'}`, file: opts.file, line: 0, column: 0, locator: `${where}.${key}.${name}` });
  const renders: Array<{ result: RenderResult; pkg: string; hints: ReturnType<typeof expandInstances>[number] }> = [];
  const renderInstance = (inst: ReturnType<typeof expandInstances>[number], settings: RenderSettings) => {
    const pkg = packages.get(inst.packageName)!;
    const { options, configuration } = renderSettings(settings);
    return renderPackage({ envelope: pkg.envelope, packageName: inst.packageName, tenant: inst.tenant, vars: inst.vars, storageRoot, options, configuration, digests: pkg.digests, instance: inst.instance });
  };
  for (const inst of expandInstances(p)) {
    const pkg = packages.get(inst.packageName);
    if (!pkg) {
      diagnostics.push({ ruleId: 'pipeline-file', severity: 'error', message: `tenant ${inst.tenant}: unknown package '${inst.packageName}'`, file: opts.file, line: 0, column: 0, locator: `tenants.${inst.tenant}` });
      continue;
    }
    const result = renderInstance(inst, mergeSettings(forPackage(p.defaults, pkg.envelope), inst.deploymentSettings));
    diagnostics.push(...result.diagnostics);
    renders.push({ result, pkg: inst.packageName, hints: inst });
  }
  const seen = new Map<string, string>();
  for (const r of renders)
    for (const d of r.result.domains) {
      const where = `tenant ${d.tenant}, package ${r.pkg}`;
      const prior = seen.get(d.name);
      if (prior) diagnostics.push({ ruleId: 'pipeline-file', severity: 'error', message: `domain name ${d.name} is used twice (${prior}; ${where}): give one deployment \`names\``, file: opts.file, line: 0, column: 0, locator: `tenants.${d.tenant}` });
      seen.set(d.name, where);
    }
  const hosts = new Map(Object.entries(p.inventory?.hosts ?? {}));
  const catalog = p.inventory?.catalog ? await loadCatalogFile(resolve(loaded.baseDir, p.inventory.catalog), diagnostics) : undefined;
  const placement = placeVms(
    renders.flatMap((r) =>
      r.result.domains.map((d) => ({
        key: d.name,
        memoryMiB: Math.ceil(d.memoryKiB / 1024),
        vcpus: d.vcpus,
        host: r.hints.vmHints[d.virtualSystem]?.host ?? r.hints.host,
        group: r.hints.vmHints[d.virtualSystem]?.group ?? r.hints.group,
        groups: catalog ? groupsFor(packages.get(r.pkg)!.envelope, d.virtualSystem, catalog) : undefined,
      })),
    ),
    [...hosts.entries()].map(([name, h]) => ({ name, group: h.group, memoryMiB: h.capacity?.memoryMiB, vcpus: h.capacity?.vcpus })),
  );
  if (stages.has('deploy')) for (const problem of placement.problems) diagnostics.push({ ruleId: 'pipeline-file', severity: 'error', message: `placement: ${problem}`, file: opts.file, line: 0, column: 0, locator: 'inventory' });
  const inShard = shardHosts([...hosts.keys()], opts.shard);
  const units = new Map<string, HostUnit[]>();
  // A host's network mappings (inventory hosts: network, bridge) sit between the defaults and the deployment's own:
  // VMs placed on such a host are rendered again with them.
  const perHost = new Map<string, RenderResult>();
  const resultOn = (r: (typeof renders)[number], i: number, host: string): RenderResult => {
    const h = hosts.get(host);
    if (!h?.network && !h?.bridge) return r.result;
    const key = `${i}\u0000${host}`;
    let result = perHost.get(key);
    if (!result) {
      const env = packages.get(r.pkg)!.envelope;
      result = renderInstance(r.hints, mergeSettings(forPackage(p.defaults, env), forPackage({ network: h.network, bridge: h.bridge }, env), r.hints.deploymentSettings));
      diagnostics.push(...result.diagnostics.filter((d) => d.severity === 'error'));
      perHost.set(key, result);
    }
    return result;
  };
  renders.forEach((r, i) => {
    for (const rendered of r.result.domains) {
      const host = placement.byVm.get(rendered.name);
      if (!host || !inShard.has(host)) continue;
      const result = resultOn(r, i, host);
      const d = result.domains.find((x) => x.name === rendered.name);
      if (!d) continue;
      const list = units.get(host) ?? [];
      let unit = list.find((u) => u.result === result);
      if (!unit) list.push((unit = { result, vms: [], reader: packages.get(r.pkg)!.reader }));
      unit.vms.push(d);
      units.set(host, list);
    }
  });
  if (hasErrors(diagnostics)) await close();
  return { pipeline: p, diagnostics, hosts, units, placement: placement.byVm, storageRoot, close };
}

/**
 * Network mappings of the pipeline defaults and of inventory hosts serve every
 * package: each keeps the OVF networks this package has. A deployment's own
 * mappings are checked strictly (a name the package lacks is a usage error).
 */
function forPackage(settings: RenderSettings | undefined, env: Envelope): RenderSettings {
  const names = packageNetworks(env);
  const keep = (m: Record<string, string> | undefined) => (m === undefined ? undefined : Object.fromEntries(Object.entries(m).filter(([k]) => names.has(k))));
  return { ...mergeSettings(settings), network: keep(settings?.network), bridge: keep(settings?.bridge) };
}

async function loadCatalogFile(path: string, diagnostics: Diagnostic[]): Promise<ProfileCatalog | undefined> {
  const parsed = parseCatalogYaml(await readFile(path, 'utf8'), { file: path });
  diagnostics.push(...parsed.diagnostics);
  return parsed.catalog;
}

/** Host groups whose catalog entry offers every port profile the VM's NICs use (PRODUCT.md §3, the VSI model). */
function groupsFor(env: Envelope, vsId: string, catalog: ProfileCatalog): string[] | undefined {
  const profiles = netsecOf(env).view.bindings.filter((b) => b.nic.vs.id === vsId && b.profile).map((b) => b.profile!);
  return profiles.length === 0 ? undefined : groupsOffering(profiles, catalog);
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
  const prepared = await preparePipeline(opts);
  const empty: RunReport = { vms: [], hosts: [], bytesUploaded: 0 };
  if (!('units' in prepared) || hasErrors(prepared.diagnostics)) return { diagnostics: prepared.diagnostics, report: empty, plans: [] };
  const { pipeline: p } = prepared;
  try {
    // A pipeline without a deploy stage is a gate (image release): the checks and the render already ran.
    if (!(p.stages ?? ['deploy']).includes('deploy')) return { diagnostics: prepared.diagnostics, report: empty, plans: [] };
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
      vms: results.flatMap((r) => r.vms),
      hosts: results.map((r) => r.host),
      bytesUploaded: results.reduce((n, r) => n + r.host.bytesUploaded, 0),
      ...(opts.signal?.aborted ? { interrupted: abortName(opts.signal) } : {}),
    };
    return { diagnostics: prepared.diagnostics, report, plans: results.map((r) => r.plan) };
  } finally {
    await prepared.close();
  }
}

/** Removes every domain and filter the pipeline owns on the shard's hosts. */
export async function destroyPipeline(opts: PipelineRunOptions): Promise<{ diagnostics: Diagnostic[]; hosts: DestroyResult['hosts'] }> {
  const prepared = await preparePipeline({ ...opts });
  if (!('units' in prepared)) return { diagnostics: prepared.diagnostics, hosts: [] };
  try {
    const out: DestroyResult['hosts'] = [];
    for (const [name, units] of [...prepared.units.entries()].sort()) {
      const host = prepared.hosts.get(name)!;
      let t: Transport;
      try {
        t = await connectorFor(prepared.pipeline, host)();
      } catch (e) {
        out.push({ host: host.address, domains: [], filters: [], skipped: [], error: (e as Error).message });
        continue;
      }
      try {
        const domains = units.flatMap((u) => u.vms.map((v) => ({ name: v.name, tenant: v.tenant })));
        const filters = units.flatMap((u) => u.result.filters);
        out.push(await destroyOnHost(t, host.address, domains, filters, prepared.storageRoot, host.connect ?? prepared.pipeline.inventory?.defaults?.connect ?? 'qemu:///system', opts.log));
      } finally {
        await t.close().catch(() => undefined);
      }
    }
    return { diagnostics: prepared.diagnostics, hosts: out };
  } finally {
    await prepared.close();
  }
}
