/**
 * Which names a vars scope may set, from what the package uses: a typo in a
 * vars file (`hostnme:`, `admin_pasword:`) must be an error, never a value
 * that silently goes nowhere while the property it was meant for falls back
 * to its default or is left out of the OVF environment.
 *
 * A VM's known names are
 *   - the macros its NICs' bindings and port profiles use (netsec/binding-macros.ts),
 *   - the names of the OVF properties it sees (its own ProductSections and
 *     those of the collections around it), in each form the resolver looks up:
 *     `key`, `class.key`, `class.key.instance` (DSP0243 §9.5),
 *   - the generated names (`mac`, `vm_uuid`, `instanceid`, `interfaceid`),
 *     which a vars value may pin, and `domain_name`.
 * A scope that applies to several VMs (tenant, defaults) may set a name if
 * any VM it applies to knows it. Pure: the checks return diagnostics.
 */
import { diagnostic, type Diagnostic, type SourceLocation } from '../diagnostics/diagnostic.js';
import { formatMessage, type RuleMeta } from '../diagnostics/rule.js';
import { GENERATED_MACRO_NAMES } from '../macros/generate.js';
import type { VarScope, VarsFile } from '../macros/vars.js';
import { bindingMacroRequests } from '../netsec/binding-macros.js';
import { netsecOf } from '../netsec/view.js';
import { virtualSystems, type Envelope } from '../ovf/model.js';
import { abbreviate, didYouMean } from '../strings.js';
import { productSectionsFor } from './resolve-vm.js';

export const VARS_KEY_RULE_ID = 'vars-key';

/** Names a VM's vars may set beyond its macros and properties. */
export const RESERVED_VAR_NAMES: readonly string[] = [...GENERATED_MACRO_NAMES, 'domain_name'];

export interface PackageVarKeys {
  /** VirtualSystem id → the names its vars may set. */
  byVm: ReadonlyMap<string, ReadonlySet<string>>;
  /** VirtualSystem id → its NIC ids (InstanceID, and the network it connects to). */
  nicsByVm: ReadonlyMap<string, ReadonlySet<string>>;
}

export function packageVarKeys(env: Envelope): PackageVarKeys {
  const byVm = new Map<string, Set<string>>();
  const nicsByVm = new Map<string, Set<string>>();
  for (const vs of virtualSystems(env.content)) {
    const names = new Set<string>(RESERVED_VAR_NAMES);
    for (const ps of productSectionsFor(env, vs.id))
      for (const p of ps.properties) {
        if (!p.key) continue;
        names.add(p.key);
        if (ps.class) names.add(`${ps.class}.${p.key}`);
        if (ps.class || ps.instance) names.add([ps.class, p.key, ps.instance].filter(Boolean).join('.'));
      }
    byVm.set(vs.id, names);
    nicsByVm.set(vs.id, new Set());
  }
  const { view } = netsecOf(env);
  for (const nic of view.nics) {
    const nics = nicsByVm.get(nic.vs.id);
    nics?.add(nic.instanceId);
    if (nic.network !== undefined) nics?.add(nic.network);
  }
  for (const b of view.bindings) for (const r of bindingMacroRequests(b, view.filtersFor(b.nic.vs.id))) byVm.get(b.nic.vs.id)?.add(r.name);
  return { byVm, nicsByVm };
}

/** Every name some VM of the packages knows. */
export function allVarKeys(keys: Iterable<PackageVarKeys>): Set<string> {
  const out = new Set<string>();
  for (const k of keys) for (const names of k.byVm.values()) for (const n of names) out.add(n);
  return out;
}

export const VARS_KEY_MESSAGES = {
  unknownKey: "unknown var '{{key}}' in {{scope}}: no macro or property of that name in {{owner}}{{hint}}",
  unknownVm: "unknown VM '{{vm}}' in {{scope}}: the VirtualSystems of {{owner}} are {{known}}{{hint}}",
  unknownNic: "unknown NIC '{{nic}}' in {{scope}}: VM {{vm}} has NICs {{known}}{{hint}}",
  unknownTenant: "tenant '{{tenant}}' is not in the vars file; its tenants: {{known}}{{hint}}",
} as const;

/** The rule's metadata, for SARIF `rules[]`, docs and the registry (lint/registry.ts). */
export const VARS_KEY_RULE_META: RuleMeta = {
  id: VARS_KEY_RULE_ID,
  family: 'parse',
  defaultSeverity: 'error',
  description: 'Every name, VM, NIC and tenant in vars (a vars file, a pipeline) is one the package uses: a typo is an error, not a value that goes nowhere',
  messages: VARS_KEY_MESSAGES,
};

function hint(name: string, candidates: Iterable<string>): string {
  const close = didYouMean(name, candidates);
  return close === undefined ? '' : ` (did you mean '${close}'?)`;
}

function list(names: Iterable<string>): string {
  const all = [...names].sort();
  return all.length === 0 ? '(none)' : all.map((n) => `'${abbreviate(n)}'`).join(', ');
}

/** A vars-key finding at `loc`; `data` fills VARS_KEY_MESSAGES[messageId]. */
export function varsKeyProblem(messageId: keyof typeof VARS_KEY_MESSAGES, data: Record<string, string>, loc: Partial<SourceLocation> | undefined, locator: string): Diagnostic {
  return diagnostic(VARS_KEY_RULE_ID, 'error', formatMessage(VARS_KEY_MESSAGES[messageId], data), loc ?? {}, locator, { messageId, data });
}

/** The unknown names of one scope: each a located error with the closest known name, if one is close. */
export function unknownKeys(
  scope: VarScope | undefined,
  known: ReadonlySet<string>,
  where: { scope: string; owner: string; locator: string; extra?: readonly string[]; otherVms?: PackageVarKeys },
): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const [key, v] of scope ?? []) {
    if (known.has(key)) continue;
    // A name another VM of the package uses belongs in that VM's block (or a shared scope): say so.
    const users = [...(where.otherVms?.byVm ?? [])].filter(([, names]) => names.has(key)).map(([vm]) => abbreviate(vm));
    const elsewhere = users.length > 0 ? ` (VM ${users.join(', ')} uses it: set it there, or for all VMs)` : '';
    const data = { key: abbreviate(key), scope: where.scope, owner: where.owner, hint: elsewhere || hint(key, [...known, ...(where.extra ?? [])]) };
    out.push(varsKeyProblem('unknownKey', data, v.keyLoc ?? v.loc, `${where.locator}.${abbreviate(key)}`));
  }
  return out;
}

/**
 * The problems of a vars file read for one package and tenant (render, deploy, audit, netsec
 * graph): names no VM it applies to uses, VMs and NICs the package does not have, and a
 * full-form file that has tenants but not this one.
 */
export function varsFileKeyProblems(env: Envelope, vars: VarsFile, tenant: string): Diagnostic[] {
  const keys = packageVarKeys(env);
  const all = allVarKeys([keys]);
  const owner = 'the package';
  const out: Diagnostic[] = [];
  const flat = vars.form === 'flat';
  out.push(...unknownKeys(vars.defaults, all, { scope: 'defaults', owner, locator: 'defaults' }));
  const t = vars.tenants.get(tenant);
  if (!t) {
    if (vars.tenants.size > 0) {
      const first = [...vars.tenants.values()][0];
      out.push(varsKeyProblem('unknownTenant', { tenant, known: list(vars.tenants.keys()), hint: hint(tenant, vars.tenants.keys()) }, first?.loc, 'tenants'));
    }
    return out;
  }
  const base = flat ? '' : `tenants.${tenant}.`;
  out.push(
    ...unknownKeys(t.vars, all, { scope: flat ? 'the vars file' : `tenant '${tenant}' vars`, owner, locator: flat ? '(vars)' : `${base}vars`, extra: flat ? ['vms', 'tenants', 'defaults'] : [] }),
  );
  for (const [vm, v] of t.vms) {
    const known = keys.byVm.get(vm);
    if (!known) {
      out.push(varsKeyProblem('unknownVm', { vm: abbreviate(vm), scope: `${base}vms`, owner, known: list(keys.byVm.keys()), hint: hint(vm, keys.byVm.keys()) }, v.loc, `${base}vms.${abbreviate(vm)}`));
      continue;
    }
    out.push(...unknownKeys(v.vars, known, { scope: `VM '${abbreviate(vm)}' vars`, owner: `VM ${abbreviate(vm)}`, locator: `${base}vms.${abbreviate(vm)}.vars`, otherVms: keys }));
    const nics = keys.nicsByVm.get(vm) ?? new Set<string>();
    for (const [nic, scope] of v.nics) {
      if (!nics.has(nic)) {
        out.push(
          varsKeyProblem(
            'unknownNic',
            { nic: abbreviate(nic), vm: abbreviate(vm), scope: `${base}vms.${abbreviate(vm)}.nics`, known: list(nics), hint: hint(nic, nics) },
            v.nicLocs?.get(nic) ?? v.loc,
            `${base}vms.${abbreviate(vm)}.nics.${abbreviate(nic)}`,
          ),
        );
        continue;
      }
      out.push(
        ...unknownKeys(scope, known, { scope: `VM '${abbreviate(vm)}' NIC ${abbreviate(nic)} vars`, owner: `VM ${abbreviate(vm)}`, locator: `${base}vms.${abbreviate(vm)}.nics.${abbreviate(nic)}` }),
      );
    }
  }
  return out;
}
