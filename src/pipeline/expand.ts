/**
 * Expands a pipeline's tenants into deployments to render: one per package
 * instance (a name from `names`, `<package>-<i>` for `count`, or the package
 * itself), each with its vars file view (pipeline defaults, tenant vars and
 * deployment vars, per-VM vars) and its placement hints. Pure.
 */
import type { SourceLocation } from '../diagnostics/diagnostic.js';
import type { VarScope, VarsFile, VmVars } from '../macros/vars.js';
import type { YamlPath } from '../macros/yaml-input.js';
import { mergeSettings, type RenderSettings } from '../render/option-table.js';
import type { Deployment, Pipeline } from './load.js';
import { locatedScope } from './vars-check.js';

/** Where the pipeline file's nodes are (LoadedPipeline), so that a bad value is reported at its line. */
export interface PipelineLocator {
  locate(path: YamlPath): SourceLocation;
  locateKey(path: YamlPath): SourceLocation;
}

export interface Instance {
  tenant: string;
  packageName: string;
  /** Index of its deployment in the tenant's `deployments` (for locating problems in the file). */
  deployment: number;
  /** Undefined when the package is deployed once in the tenant, unnamed. */
  instance?: string;
  vars: VarsFile;
  host?: string;
  group?: string;
  vmHints: Record<string, { host?: string; group?: string }>;
  /** Render options: the pipeline defaults, then the deployment's (option-table.ts). */
  settings: RenderSettings;
  /** The deployment's own render options (a host's network mappings go between the defaults and these). */
  deploymentSettings: RenderSettings;
  /** The deployment's diskMode, else the pipeline default's (undefined: convert). */
  diskMode?: Deployment['diskMode'];
}

export function expandInstances(p: Pipeline, at?: PipelineLocator): Instance[] {
  const out: Instance[] = [];
  for (const [tenant, t] of Object.entries(p.tenants ?? {}).sort(([a], [b]) => a.localeCompare(b)))
    for (const [deployment, d] of t.deployments.entries())
      for (const instance of instanceNames(d))
        out.push({
          tenant,
          packageName: d.package,
          deployment,
          instance,
          vars: varsFor(p, tenant, deployment, d, at),
          host: d.host,
          group: d.group,
          vmHints: Object.fromEntries(Object.entries(d.vms ?? {}).map(([vs, v]) => [vs, { host: v.host, group: v.group }])),
          settings: mergeSettings(p.defaults, d),
          deploymentSettings: mergeSettings(d),
          ...((d.diskMode ?? p.defaults?.diskMode) ? { diskMode: d.diskMode ?? p.defaults?.diskMode } : {}),
        });
  return out;
}

function instanceNames(d: Deployment): Array<string | undefined> {
  if (d.names) return d.names;
  if (d.count !== undefined) return Array.from({ length: Number(d.count) }, (_, i) => `${d.package}-${i + 1}`);
  return [undefined];
}

function varsFor(p: Pipeline, tenant: string, index: number, d: Deployment, at: PipelineLocator | undefined): VarsFile {
  const scope = (values: Deployment['vars'], path: YamlPath) => locatedScope(values, path, at);
  const base: YamlPath = ['tenants', tenant, 'deployments', index];
  const vms = new Map<string, VmVars>();
  for (const [vs, v] of Object.entries(d.vms ?? {})) vms.set(vs, { vars: scope(v.vars, [...base, 'vms', vs, 'vars']), nics: new Map() });
  // The deployment's own vars win over the tenant's.
  const tenantVars: VarScope = new Map([...scope(p.tenants?.[tenant]?.vars, ['tenants', tenant, 'vars']), ...scope(d.vars, [...base, 'vars'])]);
  return { form: 'full', defaults: scope(p.defaults?.vars, ['defaults', 'vars']), tenants: new Map([[tenant, { vars: tenantVars, vms }]]) };
}
