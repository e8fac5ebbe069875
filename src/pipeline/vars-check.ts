/**
 * A pipeline's vars, checked against the packages they apply to (render/var-keys.ts):
 *   - `defaults.vars` apply to every package the pipeline deploys,
 *   - `tenants.T.vars` to the packages of T's deployments,
 *   - a deployment's `vars` to its package, and `vms.X.vars` to VirtualSystem X of it.
 * A name is unknown only when no package (or VM) it applies to uses it: a value shared by
 * two packages (a bridge both use, a password one of them takes) is fine. Each unknown
 * name, VM or package is a located error at its key, with the closest known name.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { VarScope, VarValue } from '../macros/vars.js';
import type { YamlPath } from '../macros/yaml-input.js';
import type { Envelope } from '../ovf/model.js';
import { allVarKeys, packageVarKeys, unknownKeys, varsKeyProblem, type PackageVarKeys } from '../render/var-keys.js';
import { abbreviate, didYouMean } from '../strings.js';
import type { PipelineLocator } from './expand.js';
import type { Pipeline } from './load.js';

type Vars = Record<string, unknown> | undefined;

/** The scope of a vars mapping in the pipeline file, each value located (its key and its value). */
export function locatedScope(values: Vars, path: YamlPath, at?: PipelineLocator): VarScope {
  const scope = new Map<string, VarValue>();
  for (const [name, v] of Object.entries(values ?? {})) {
    const structured = typeof v === 'object' && v !== null;
    const value = structured ? (v as { value: unknown }).value : v;
    const secret = structured && (v as { secret?: unknown }).secret === true;
    const where = at ? { loc: at.locate([...path, name]), keyLoc: at.locateKey([...path, name]) } : {};
    scope.set(name, { value: String(value), ...(secret ? { secret: true } : {}), ...where });
  }
  return scope;
}

function packagesPhrase(names: readonly string[]): string {
  return names.length === 1 ? `package '${names[0]}'` : `the packages it applies to (${names.join(', ')})`;
}

export function pipelineVarProblems(p: Pipeline, envelopes: ReadonlyMap<string, Envelope>, at: PipelineLocator): Diagnostic[] {
  const keys = new Map<string, PackageVarKeys>([...envelopes].map(([name, env]) => [name, packageVarKeys(env)]));
  const out: Diagnostic[] = [];
  const scope = (values: Vars, path: YamlPath) => locatedScope(values, path, at);
  const tenants = Object.entries(p.tenants ?? {});
  const deployed = [...new Set(tenants.flatMap(([, t]) => t.deployments.map((d) => d.package)))].sort();
  const union = (names: readonly string[]) => allVarKeys(names.map((n) => keys.get(n)!));
  // A shared scope is judged only when every package it applies to is known (render reports an unknown package).
  const allKnown = (names: readonly string[]) => names.length > 0 && names.every((n) => keys.has(n));
  if (allKnown(deployed))
    out.push(...unknownKeys(scope(p.defaults?.vars, ['defaults', 'vars']), union(deployed), { scope: 'defaults.vars', owner: packagesPhrase(deployed), locator: 'defaults.vars' }));
  for (const [tenant, t] of tenants) {
    const own = [...new Set(t.deployments.map((d) => d.package))].sort();
    if (allKnown(own))
      out.push(...unknownKeys(scope(t.vars, ['tenants', tenant, 'vars']), union(own), { scope: `tenants.${tenant}.vars`, owner: packagesPhrase(own), locator: `tenants.${tenant}.vars` }));
    t.deployments.forEach((d, i) => {
      const k = keys.get(d.package);
      if (!k) return; // an unknown package is reported by the render stage
      const base: YamlPath = ['tenants', tenant, 'deployments', i];
      const where = `tenants.${tenant}.deployments[${i}]`;
      out.push(...unknownKeys(scope(d.vars, [...base, 'vars']), union([d.package]), { scope: `${where}.vars`, owner: `package '${d.package}'`, locator: `${where}.vars` }));
      for (const [vm, v] of Object.entries(d.vms ?? {})) {
        const known = k.byVm.get(vm);
        if (!known) {
          const close = didYouMean(vm, k.byVm.keys());
          const data = {
            vm: abbreviate(vm),
            scope: `${where}.vms`,
            owner: `package '${d.package}'`,
            known: [...k.byVm.keys()].map((n) => `'${abbreviate(n)}'`).join(', '),
            hint: close ? ` (did you mean '${close}'?)` : '',
          };
          out.push(varsKeyProblem('unknownVm', data, at.locateKey([...base, 'vms', vm]), `${where}.vms.${abbreviate(vm)}`));
          continue;
        }
        out.push(
          ...unknownKeys(scope(v.vars, [...base, 'vms', vm, 'vars']), known, {
            scope: `${where}.vms.${abbreviate(vm)}.vars`,
            owner: `VM ${abbreviate(vm)} of package '${d.package}'`,
            locator: `${where}.vms.${abbreviate(vm)}.vars`,
            otherVms: k,
          }),
        );
      }
    });
  }
  return out;
}
