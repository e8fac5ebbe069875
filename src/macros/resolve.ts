/**
 * Typed macro resolution (PRODUCT.md §4). Each `${name}` is looked up in
 * these sources, first wins:
 *   1. per-VM values: the NIC's own values first (vars `nics:`), then the VM's;
 *   2. per-tenant values;
 *   3. pipeline defaults;
 *   4. OVF ProductSection property values and defaults (ovf-properties.ts);
 *   5. generated values: `mac`, `vm_uuid`, `instanceid`, `interfaceid`
 *      (generate.ts; `mac`, `instanceid` and `interfaceid` need a NIC).
 * The first source that has the name decides: an ill-typed value there is an
 * error, not a reason to try the next source.
 *
 * Every value is checked against the type the use expects. Problems are
 * diagnostics: `macro-source` (nothing sets it; ambiguous OVF key) and
 * `macro-type` (ill-typed), each naming the VM, the NIC, the macro and the
 * source. Secret values (vars `{ value, secret: true }`, OVF
 * `ovf:password="true"`) never appear in a message: they show as `***`, and
 * the reason they fail is withheld, since it could quote part of them.
 */
import { diagnostic, type Diagnostic, type SourceLocation } from '../diagnostics/diagnostic.js';
import { formatMessage } from '../diagnostics/rule.js';
import { generateValue, isGeneratedMacroName } from './generate.js';
import { ovfPropertyLookup, type OvfLookup, type OvfPropertySource } from './ovf-properties.js';
import { checkMacroValue, macroType, type MacroTypeName } from './types.js';
import type { VarScope, VmVars } from './vars.js';

export const MACRO_SOURCE_RULE_ID = 'macro-source';
export const MACRO_TYPE_RULE_ID = 'macro-type';

export interface MacroRequest {
  name: string;
  expectedType: MacroTypeName;
  usedAt: {
    vm: string;
    /** NIC id (InstanceID or network name); per-NIC values and generated per-NIC values need it. */
    nic?: string;
    /** Where the macro is used, by meaning, e.g. `PortProfile[web]/virtualport@instanceid`; becomes the locator. */
    field: string;
  };
  /** Where the macro is written, for unresolved-macro diagnostics. */
  loc?: Partial<SourceLocation>;
  /**
   * What the value finally becomes, when that is stricter than `expectedType`: e.g. a filter
   * parameter that a rule reads as `srcipaddr` (the value must then be what that attribute takes).
   * Its check runs after the type's; a failure names the use.
   */
  use?: { description: string; check(value: string): string | undefined };
}

export interface MacroSources {
  /** Source 1: the VM's values and its per-NIC values. */
  vm?: VmVars;
  /** Source 2. */
  tenant?: VarScope;
  /** Source 3: pipeline defaults. */
  defaults?: VarScope;
  /** Source 4. */
  ovf?: OvfPropertySource;
  /** Source 5, on unless false. */
  generate?: boolean;
}

export interface MacroContext {
  tenant: string;
  vm: string;
  /** Default NIC for requests that do not name one. */
  nic?: string;
}

export type MacroSourceKind = 'nic' | 'vm' | 'tenant' | 'defaults' | 'ovf' | 'generated';

export interface ResolvedMacro {
  name: string;
  nic?: string;
  value: string;
  type: MacroTypeName;
  source: MacroSourceKind;
  /** e.g. `tenant 'acme' vars`, `OVF property 'ip' (configuration 'large')`, `generated`. */
  sourceLabel: string;
  secret: boolean;
}

export interface MacroResolution {
  /** By `macroKey(name, nic)`; only values that passed their type checks. */
  values: Map<string, ResolvedMacro>;
  diagnostics: Diagnostic[];
}

/** Map key of a resolved macro: `name`, or `name@nic` for a use on a NIC ('@' cannot occur in a macro name). */
export function macroKey(name: string, nic?: string): string {
  return nic === undefined ? name : `${name}@${nic}`;
}

/** A value as it may be printed: `***` for secrets. */
export function displayValue(v: { value: string; secret?: boolean }): string {
  return v.secret ? '***' : `'${v.value}'`;
}

interface Found {
  value: string;
  secret: boolean;
  source: MacroSourceKind;
  label: string;
  loc?: Partial<SourceLocation>;
}

type Lookup = { found: Found } | { problem: string } | { missing: true };

class Resolver {
  private readonly ovf?: (name: string) => OvfLookup;

  constructor(
    private readonly sources: MacroSources,
    private readonly ctx: MacroContext,
  ) {
    if (sources.ovf) this.ovf = ovfPropertyLookup(sources.ovf);
  }

  /** Where each source is, in precedence order, for messages about a missing value. */
  searched(nic: string | undefined): string[] {
    const out: string[] = [];
    if (nic !== undefined) out.push(`NIC ${nic} vars`);
    out.push(`VM '${this.ctx.vm}' vars`, `tenant '${this.ctx.tenant}' vars`, 'pipeline defaults', 'OVF properties');
    if (this.sources.generate !== false) out.push('generated values');
    return out;
  }

  private fromScope(scope: VarScope | undefined, name: string, source: MacroSourceKind, label: string): Found | undefined {
    const v = scope?.get(name);
    return v ? { value: v.value, secret: v.secret === true, source, label, loc: v.loc } : undefined;
  }

  lookup(name: string, nic: string | undefined): Lookup {
    const s = this.sources;
    const scoped =
      (nic !== undefined ? this.fromScope(s.vm?.nics.get(nic), name, 'nic', `VM '${this.ctx.vm}' NIC ${nic} vars`) : undefined) ??
      this.fromScope(s.vm?.vars, name, 'vm', `VM '${this.ctx.vm}' vars`) ??
      this.fromScope(s.tenant, name, 'tenant', `tenant '${this.ctx.tenant}' vars`) ??
      this.fromScope(s.defaults, name, 'defaults', 'pipeline defaults');
    if (scoped) return { found: scoped };
    const ovf = this.ovf?.(name);
    if (ovf && 'found' in ovf) return { found: { ...ovf.found, source: 'ovf' } };
    if (ovf && 'ambiguous' in ovf) return { problem: `the OVF property key is ambiguous; use one of ${ovf.ambiguous.map((n) => `\${${n}}`).join(', ')}` };
    if (s.generate === false || !isGeneratedMacroName(name)) return { missing: true };
    const generated = generateValue(name, { tenant: this.ctx.tenant, vm: this.ctx.vm, nic });
    return generated.ok ? { found: { value: generated.value, secret: false, source: 'generated', label: 'generated' } } : { problem: generated.reason };
  }
}

function where(request: MacroRequest, nic: string | undefined): string {
  return `VM ${request.usedAt.vm}${nic !== undefined ? `, NIC ${nic}` : ''}`;
}

/** The messages of the resolver, by rule id and message id (macro-source and macro-type use them as their templates). */
export const MACRO_MESSAGES = {
  'macro-source': {
    notSet: '{{where}}: ${{{name}}} ({{type}}, used in {{field}}) is not set; looked in {{searched}}',
    unresolvable: '{{where}}: ${{{name}}} ({{type}}, used in {{field}}) cannot be resolved: {{problem}}',
    required: "VM {{vm}}: OVF property '{{property}}' ({{secret}}user-configurable, no default) is required and has no value; set {{names}} in the VM's, the tenant's or the default vars",
  },
  'macro-type': {
    illTyped: '{{where}}: ${{{name}}} = {{value}} from {{source}} is not a valid {{type}}: {{reason}}',
    illTypedSecret: '{{where}}: ${{{name}}} = {{value}} from {{source}} is not a valid {{type}} (expected {{expected}}; details withheld because the value is secret)',
  },
} as const;

function finding<R extends keyof typeof MACRO_MESSAGES>(
  ruleId: R,
  messageId: keyof (typeof MACRO_MESSAGES)[R] & string,
  data: Record<string, string>,
  loc: Partial<SourceLocation>,
  locator: string,
): Diagnostic {
  const template = (MACRO_MESSAGES[ruleId] as Record<string, string>)[messageId]!;
  return diagnostic(ruleId, 'error', formatMessage(template, data), loc, locator, { messageId, data });
}

function unresolved(request: MacroRequest, nic: string | undefined, messageId: 'notSet' | 'unresolvable', detail: { searched: string } | { problem: string }): Diagnostic {
  const data = { where: where(request, nic), name: request.name, type: request.expectedType, field: request.usedAt.field, ...detail };
  return finding(MACRO_SOURCE_RULE_ID, messageId, data, request.loc ?? {}, request.usedAt.field);
}

function illTyped(request: MacroRequest, nic: string | undefined, found: Found, reason: string): Diagnostic {
  // A secret value shows as *** and its reason is withheld: it could quote the value.
  const data = { where: where(request, nic), name: request.name, value: displayValue(found), source: found.label, type: request.expectedType };
  const loc = found.loc ?? request.loc ?? {};
  if (found.secret) return finding(MACRO_TYPE_RULE_ID, 'illTypedSecret', { ...data, expected: macroType(request.expectedType).description }, loc, request.usedAt.field);
  return finding(MACRO_TYPE_RULE_ID, 'illTyped', { ...data, reason }, loc, request.usedAt.field);
}

/**
 * Resolves and type-checks every request for one VM of one tenant. A request's own `usedAt.nic`
 * wins over `ctx.nic`.
 */
export function resolveMacros(requests: readonly MacroRequest[], sources: MacroSources, ctx: MacroContext): MacroResolution {
  const resolver = new Resolver(sources, ctx);
  const values = new Map<string, ResolvedMacro>();
  const diagnostics: Diagnostic[] = [];
  for (const request of requests) {
    const nic = request.usedAt.nic ?? ctx.nic;
    const result = resolver.lookup(request.name, nic);
    if ('missing' in result) {
      diagnostics.push(unresolved(request, nic, 'notSet', { searched: resolver.searched(nic).join(', ') }));
      continue;
    }
    if ('problem' in result) {
      diagnostics.push(unresolved(request, nic, 'unresolvable', { problem: result.problem }));
      continue;
    }
    const found = result.found;
    const typeReason = checkMacroValue(request.expectedType, found.value);
    const useReason = typeReason === undefined ? request.use?.check(found.value) : undefined;
    const reason = typeReason ?? useReason;
    const used = request.use ? ` (used as ${request.use.description})` : '';
    if (reason !== undefined) {
      diagnostics.push(illTyped(request, nic, found, `${reason}${used}`));
      continue;
    }
    const key = macroKey(request.name, nic);
    if (!values.has(key))
      values.set(key, {
        name: request.name,
        ...(nic !== undefined ? { nic } : {}),
        value: found.value,
        type: request.expectedType,
        source: found.source,
        sourceLabel: found.label,
        secret: found.secret,
      });
  }
  return { values, diagnostics };
}

/** The resolved value of `name` for a use on `nic` (or VM-wide), if it resolved. */
export function resolvedValue(resolution: MacroResolution, name: string, nic?: string): string | undefined {
  return resolution.values.get(macroKey(name, nic))?.value;
}
