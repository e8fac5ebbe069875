/**
 * The local stages of a pipeline run, as a table (PRODUCT.md §8: lint →
 * verify → resolve/render → deploy). Each stage reads and adds to one
 * context; `lint`, `verify` and `deploy` run only when the pipeline's
 * `stages` lists them, the others always (render and placement are what
 * plan and apply work from). Nothing here touches a host.
 */
import { lintFiles } from '../actions/lint-files.js';
import { loadCatalogFile } from '../actions/catalog-file.js';
import { loadTrust, verifyPath } from '../actions/verify.js';
import { isOvfpipeError } from '../diagnostics/errors.js';
import type { TrustOptions } from '../package/certificate.js';
import { diagnostic, hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { RunCheck } from '../deploy/report.js';
import { check, onPackage, renderChecks } from './checks.js';
import type { HostUnit } from '../deploy/deploy.js';
import { groupsOffering } from '../netsec/catalog/match.js';
import type { ProfileCatalog } from '../netsec/catalog/model.js';
import { netsecOf } from '../netsec/view.js';
import type { Envelope } from '../ovf/model.js';
import { imageDigests } from '../package/image-digests.js';
import { loadDescriptor, type LoadedDescriptor } from '../package/open-descriptor.js';
import { mergeSettings, renderSettings, type RenderSettings } from '../render/option-table.js';
import { packageNetworks, renderPackage, type RenderResult } from '../render/render-package.js';
import { resolve } from 'node:path';
import { expandInstances } from './expand.js';
import { pipelineVarProblems } from './vars-check.js';
import { didYouMean } from '../strings.js';
import { PIPELINE_RULE_ID, type LoadedPipeline, type Pipeline, type PipelineHost } from './load.js';
import { placeVms, shardHosts, type Placement } from './placement.js';
import type { YamlPath } from '../macros/yaml-input.js';

export const DEFAULT_STORAGE = '/var/lib/ovfpipe';

export type OpenPackage = LoadedDescriptor & { digests: Map<string, string> };

export interface RenderedInstance {
  result: RenderResult;
  pkg: string;
  hints: ReturnType<typeof expandInstances>[number];
}

/** What the stages share: the pipeline, what each stage found or built, and every diagnostic so far. */
export interface StageContext {
  loaded: LoadedPipeline;
  pipeline: Pipeline;
  shard?: { index: number; count: number };
  log?: (line: string) => void;
  diagnostics: Diagnostic[];
  /** Package name → its absolute path. */
  paths: Map<string, string>;
  packages: Map<string, OpenPackage>;
  /** Packages the open stage refused with a diagnostic (render skips their deployments). */
  unopened?: Set<string>;
  storageRoot: string;
  renders: RenderedInstance[];
  hosts: Map<string, PipelineHost>;
  catalog?: ProfileCatalog;
  placement?: Placement;
  /** Host name → the render units to deploy there (this shard's hosts only). */
  units: Map<string, HostUnit[]>;
  /** Per stage, what it found for each package and VM (the run report's `checks`). */
  checks: RunCheck[];
}

export interface Stage {
  name: string;
  /** Runs only when the pipeline's `stages` lists it (default: always). */
  optional?: boolean;
  run(ctx: StageContext): Promise<void> | void;
}

/** A pipeline-file error at the YAML node of `path`: file, line and column, and (by default) the path as locator. */
function pipelineProblem(ctx: StageContext, path: YamlPath, message: string, locator = path.join('.')): void {
  ctx.diagnostics.push(diagnostic(PIPELINE_RULE_ID, 'error', message, ctx.loaded.locate(path), locator));
}

/** `verify: { trust, signer }`: certificate files relative to the pipeline file; a bad entry is an error at its YAML node (undefined then). */
async function pipelineTrust(ctx: StageContext): Promise<TrustOptions | undefined> {
  const spec = ctx.pipeline.verify ?? {};
  const anchors: string[] = [];
  const pins: string[] = [];
  let bad = false;
  const attempt = async (path: YamlPath, load: () => Promise<TrustOptions>) => {
    try {
      const t = await load();
      anchors.push(...(t.anchors ?? []));
      pins.push(...(t.pins ?? []));
    } catch (e) {
      if (!isOvfpipeError(e)) throw e;
      pipelineProblem(ctx, path, `verify: ${e.message}`);
      bad = true;
    }
  };
  for (const [i, file] of (spec.trust ?? []).entries()) await attempt(['verify', 'trust', i], () => loadTrust([resolve(ctx.loaded.baseDir, file)]));
  for (const [i, pin] of (spec.signer ?? []).entries()) await attempt(['verify', 'signer', i], () => loadTrust([], [pin]));
  return bad ? undefined : { anchors, pins };
}

export const PIPELINE_STAGES: readonly Stage[] = [
  {
    name: 'lint',
    optional: true,
    async run(ctx) {
      for (const [name, path] of ctx.paths) {
        const found = await onPackage(path, async () => (await lintFiles([path])).flatMap((r) => r.diagnostics));
        ctx.checks.push(check('lint', 'package', name, found, { file: path }));
        ctx.diagnostics.push(...found.filter((d) => d.severity === 'error'));
      }
    },
  },
  {
    name: 'verify',
    optional: true,
    async run(ctx) {
      const trust = await pipelineTrust(ctx);
      if (trust === undefined) return;
      for (const [name, path] of ctx.paths) {
        const found = await onPackage(path, async () => (await verifyPath(path, { trust, allowOutsideRefs: ctx.pipeline.packages[name]?.allowOutsideRefs })).problems);
        ctx.checks.push(check('verify', 'package', name, found, { file: path }));
        ctx.diagnostics.push(...found.filter((d) => d.severity === 'error'));
      }
    },
  },
  {
    name: 'open',
    async run(ctx) {
      for (const [name, path] of ctx.paths) {
        // A package that cannot be opened (files outside its folder without allowOutsideRefs, a broken descriptor) is a
        // finding about that package, not a crash; its VMs are not rendered.
        const found = await onPackage(path, async () => {
          const d = await loadDescriptor(path, { outsideRefs: ctx.pipeline.packages[name]?.allowOutsideRefs ? 'allow' : 'refuse' });
          ctx.packages.set(name, { ...d, digests: await imageDigests(d.reader, d.descriptorName, d.envelope) });
          ctx.log?.(`package ${name}: ${path}`);
          return [];
        });
        if (!hasErrors(found)) continue;
        (ctx.unopened ??= new Set()).add(name);
        // A package lint or verify already failed: its errors are reported once, by that stage.
        if (ctx.checks.some((c) => c.kind === 'package' && c.name === name && c.status === 'failed')) continue;
        ctx.checks.push(check('open', 'package', name, found, { file: path }));
        ctx.diagnostics.push(...found);
      }
    },
  },
  {
    name: 'storage',
    run(ctx) {
      // Disk paths are rendered once for all hosts, so the storage root is one setting (inventory.defaults.storage).
      if (!ctx.storageRoot.startsWith('/'))
        pipelineProblem(ctx, ['inventory', 'defaults', 'storage'], `storage root '${ctx.storageRoot}' must be an absolute path on the hosts ('~' and relative paths are not expanded there)`);
      for (const [name, h] of ctx.hosts)
        if (h.storage !== undefined && h.storage !== ctx.storageRoot)
          pipelineProblem(ctx, ['inventory', 'hosts', name, 'storage'], `host ${name}: a per-host storage root is not supported; set inventory.defaults.storage`);
    },
  },
  {
    // Shared mappings (defaults, inventory hosts) apply per package, but each name must be a network of some package.
    name: 'mappings',
    run(ctx) {
      const allNetworks = new Set([...ctx.packages.values()].flatMap((d) => [...packageNetworks(d.envelope)]));
      const shared: Array<[YamlPath, RenderSettings | undefined]> = [
        [['defaults'], ctx.pipeline.defaults],
        ...[...ctx.hosts.entries()].map(([n, h]): [YamlPath, RenderSettings] => [['inventory', 'hosts', n], h]),
      ];
      for (const [where, settings] of shared)
        for (const key of ['network', 'bridge'] as const)
          for (const name of Object.keys(settings?.[key] ?? {}))
            if (!allNetworks.has(name))
              pipelineProblem(ctx, [...where, key, name], `${where.join('.')}.${key}: no package has an OVF network '${name}'; their networks: ${[...allNetworks].sort().join(', ') || '(none)'}`);
    },
  },
  {
    // Every name in the pipeline's vars must be used by some package (or VM) it applies to: a typo never deploys.
    name: 'vars',
    run(ctx) {
      const envelopes = new Map([...ctx.packages].map(([name, d]) => [name, d.envelope]));
      ctx.diagnostics.push(...pipelineVarProblems(ctx.pipeline, envelopes, ctx.loaded));
    },
  },
  {
    name: 'render',
    run(ctx) {
      if (!ctx.storageRoot.startsWith('/')) return; // reported by the storage stage; every disk path would be wrong
      for (const inst of expandInstances(ctx.pipeline, ctx.loaded)) {
        const pkg = ctx.packages.get(inst.packageName);
        if (!pkg && ctx.paths.has(inst.packageName)) {
          // Unreadable (its lint/verify/open check says why): its VMs are still cases of the run, not rendered.
          const name = [inst.tenant, inst.instance ?? inst.packageName].join('/');
          const why = diagnostic(PIPELINE_RULE_ID, 'error', `not rendered: package ${inst.packageName} cannot be read (see its lint, verify or open check)`, {}, `tenants.${inst.tenant}`);
          ctx.checks.push(check('render', 'vm', name, [why], { tenant: inst.tenant, file: ctx.paths.get(inst.packageName) }));
          continue;
        }
        if (!pkg) {
          if (ctx.unopened?.has(inst.packageName)) continue;
          const close = didYouMean(inst.packageName, ctx.packages.keys());
          const known = [...ctx.packages.keys()].sort().join(', ') || '(none)';
          pipelineProblem(
            ctx,
            ['tenants', inst.tenant, 'deployments', inst.deployment, 'package'],
            `tenant ${inst.tenant}: unknown package '${inst.packageName}'; the pipeline's packages: ${known}${close ? ` (did you mean '${close}'?)` : ''}`,
            `tenants.${inst.tenant}`,
          );
          continue;
        }
        const result = renderInstance(ctx, inst, mergeSettings(forPackage(ctx.pipeline.defaults, pkg.envelope), inst.deploymentSettings));
        ctx.diagnostics.push(...result.diagnostics);
        ctx.checks.push(...renderChecks(inst, ctx.paths.get(inst.packageName), pkg.envelope, result));
        ctx.renders.push({ result, pkg: inst.packageName, hints: inst });
      }
    },
  },
  {
    name: 'names',
    run(ctx) {
      const seen = new Map<string, string>();
      for (const r of ctx.renders)
        for (const d of r.result.domains) {
          const where = `tenant ${d.tenant}, package ${r.pkg}`;
          const prior = seen.get(d.name);
          if (prior) pipelineProblem(ctx, ['tenants', d.tenant], `domain name ${d.name} is used twice (${prior}; ${where}): give one deployment \`names\``);
          seen.set(d.name, where);
        }
    },
  },
  {
    name: 'catalog',
    async run(ctx) {
      const file = ctx.pipeline.inventory?.catalog;
      if (file === undefined) return;
      const parsed = await loadCatalogFile(resolve(ctx.loaded.baseDir, file));
      ctx.diagnostics.push(...parsed.diagnostics);
      ctx.catalog = parsed.catalog;
    },
  },
  {
    name: 'placement',
    run(ctx) {
      const catalog = ctx.catalog;
      ctx.placement = placeVms(
        ctx.renders.flatMap((r) =>
          r.result.domains.map((d) => ({
            key: d.name,
            memoryMiB: Math.ceil(d.memoryKiB / 1024),
            vcpus: d.vcpus,
            host: r.hints.vmHints[d.virtualSystem]?.host ?? r.hints.host,
            group: r.hints.vmHints[d.virtualSystem]?.group ?? r.hints.group,
            groups: catalog ? groupsFor(ctx.packages.get(r.pkg)!.envelope, d.virtualSystem, catalog) : undefined,
          })),
        ),
        [...ctx.hosts.entries()].map(([name, h]) => ({ name, group: h.group, memoryMiB: h.capacity?.memoryMiB, vcpus: h.capacity?.vcpus })),
      );
    },
  },
  {
    // Placement problems stop a run only when it is to deploy; a gate pipeline (no deploy stage) ignores them.
    name: 'deploy',
    optional: true,
    run(ctx) {
      for (const problem of ctx.placement?.problems ?? []) pipelineProblem(ctx, ['inventory'], `placement: ${problem}`);
    },
  },
  {
    name: 'shard',
    run(ctx) {
      const inShard = shardHosts([...ctx.hosts.keys()], ctx.shard);
      // A host's network mappings (inventory hosts: network, bridge) sit between the defaults and the deployment's own:
      // VMs placed on such a host are rendered again with them.
      const perHost = new Map<string, RenderResult>();
      const resultOn = (r: RenderedInstance, i: number, host: string): RenderResult => {
        const h = ctx.hosts.get(host);
        if (!h?.network && !h?.bridge) return r.result;
        const key = `${i}\u0000${host}`;
        let result = perHost.get(key);
        if (!result) {
          const env = ctx.packages.get(r.pkg)!.envelope;
          result = renderInstance(ctx, r.hints, mergeSettings(forPackage(ctx.pipeline.defaults, env), forPackage({ network: h.network, bridge: h.bridge }, env), r.hints.deploymentSettings));
          ctx.diagnostics.push(...result.diagnostics.filter((d) => d.severity === 'error'));
          perHost.set(key, result);
        }
        return result;
      };
      ctx.renders.forEach((r, i) => {
        for (const rendered of r.result.domains) {
          const host = ctx.placement?.byVm.get(rendered.name);
          if (!host || !inShard.has(host)) continue;
          const result = resultOn(r, i, host);
          const d = result.domains.find((x) => x.name === rendered.name);
          if (!d) continue;
          const list = ctx.units.get(host) ?? [];
          let unit = list.find((u) => u.result === result);
          if (!unit) list.push((unit = { result, vms: [], reader: ctx.packages.get(r.pkg)!.reader, ...(r.hints.diskMode ? { diskMode: r.hints.diskMode } : {}) }));
          unit.vms.push(d);
          ctx.units.set(host, list);
        }
      });
    },
  },
];

/** The stages that run for `pipeline`: every always-on stage, and the optional ones its `stages` lists. */
export function selectedStages(pipeline: Pipeline, table: readonly Stage[] = PIPELINE_STAGES): Stage[] {
  const listed = new Set<string>(pipeline.stages ?? ['lint', 'verify', 'render', 'deploy']);
  return table.filter((s) => !s.optional || listed.has(s.name));
}

function renderInstance(ctx: StageContext, inst: RenderedInstance['hints'], settings: RenderSettings): RenderResult {
  const pkg = ctx.packages.get(inst.packageName)!;
  const { options, configuration } = renderSettings(settings);
  return renderPackage({
    envelope: pkg.envelope,
    packageName: inst.packageName,
    tenant: inst.tenant,
    vars: inst.vars,
    storageRoot: ctx.storageRoot,
    options,
    configuration,
    digests: pkg.digests,
    instance: inst.instance,
    // The 'vars' stage checked the names against every package they apply to.
    checkVarKeys: false,
  });
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

/** Host groups whose catalog entry offers every port profile the VM's NICs use (PRODUCT.md §3, the VSI model). */
function groupsFor(env: Envelope, vsId: string, catalog: ProfileCatalog): string[] | undefined {
  const profiles = netsecOf(env)
    .view.bindings.filter((b) => b.nic.vs.id === vsId && b.profile)
    .map((b) => b.profile!);
  return profiles.length === 0 ? undefined : groupsOffering(profiles, catalog);
}
