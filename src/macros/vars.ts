/**
 * Vars files: the per-VM, per-tenant and default values of template macros
 * (PRODUCT.md §4, sources 1-3). Schema: vars.schema.json. Two forms:
 *
 * ```yaml
 * # full form (pipelines, many tenants)
 * defaults:                      # pipeline defaults (source 3)
 *   dns: 10.0.0.2
 * tenants:
 *   acme:
 *     vars:                      # per-tenant values (source 2)
 *       gateway: 10.1.0.1
 *       db_password: { value: "s3cret", secret: true }
 *     vms:
 *       web:
 *         vars: { hostname: web01 }   # per-VM values (source 1)
 *         nics:
 *           "7": { ip: 10.1.0.5 }     # per-NIC values (source 1, before the VM's)
 * ```
 *
 * ```yaml
 * # flat form (`render --vars FILE` for one tenant): name: value
 * gateway: 10.1.0.1
 * db_password: { value: "s3cret", secret: true }
 * vms:                           # optional per-VM blocks, as a pipeline deployment's `vms:`
 *   web: { vars: { ip: 10.1.0.5 } }
 * ```
 * A file with a top-level `tenants` or `defaults` key is read in the full
 * form; in the flat form those two names, and `vms`, are therefore reserved.
 * The flat form's values are that tenant's values (`tenant` option, default
 * `default`); `ovfpipe spec` writes it, with one `vms:` block per
 * VirtualSystem for packages that have several.
 *
 * Values are strings, numbers (kept as written: `010` stays "010") or
 * booleans ("true"/"false"); `{ value, secret: true }` marks a value that is
 * never printed (messages show `***`).
 */
import { createRequire } from 'node:module';
import type { Diagnostic, SourceLocation } from '../diagnostics/diagnostic.js';
import { LOCATED_YAML_AJV_OPTIONS, parseLocatedYaml, schemaDiagnostics, type LocatedYaml, type YamlPath } from './yaml-input.js';
import { schemaValidator, type SchemaValidatorSpec } from './schema-validator.js';
// createRequire, not an import attribute: `with { type: 'json' }` needs Node 20.10+, and engines says >=20.
const varsSchema = createRequire(import.meta.url)('./vars.schema.json') as Record<string, unknown>;

export const VARS_YAML_RULE_ID = 'vars-yaml';

export interface VarValue {
  value: string;
  secret?: boolean;
  /** Where the value was written, for diagnostics. */
  loc?: SourceLocation;
  /** Where its name was written (an unknown name is reported there). */
  keyLoc?: SourceLocation;
}

/** Macro name → value. A Map, so that names like `constructor` are ordinary names. */
export type VarScope = ReadonlyMap<string, VarValue>;

export interface VmVars {
  vars: VarScope;
  /** Per-NIC values by NIC id; they win over the VM's own. */
  nics: ReadonlyMap<string, VarScope>;
  /** Where the VM's name was written; `nicLocs` likewise per NIC id. */
  loc?: SourceLocation;
  nicLocs?: ReadonlyMap<string, SourceLocation>;
}

export interface TenantVars {
  vars: VarScope;
  vms: ReadonlyMap<string, VmVars>;
  /** Where the tenant's name was written (full form). */
  loc?: SourceLocation;
}

export interface VarsFile {
  form: 'full' | 'flat';
  defaults: VarScope;
  tenants: ReadonlyMap<string, TenantVars>;
}

export interface ParseVarsOptions {
  file?: string;
  /** Tenant that a flat-form file belongs to (default `default`). */
  tenant?: string;
}

export interface VarsParse {
  /** Undefined when the file has errors. */
  vars?: VarsFile;
  diagnostics: Diagnostic[];
}

/** The vars schema's validator; its generated module is written by `npm run build` (schema-validator.ts). */
export const VARS_VALIDATOR: SchemaValidatorSpec = {
  name: 'vars',
  schema: () => varsSchema,
  options: LOCATED_YAML_AJV_OPTIONS,
  generated: new URL('./vars.validate.generated.cjs', import.meta.url),
};
const validateVars = schemaValidator(VARS_VALIDATOR);

/** Parses and validates a vars file; every problem is a located `vars-yaml` diagnostic. */
export function parseVarsYaml(text: string, options: ParseVarsOptions = {}): VarsParse {
  const input = parseLocatedYaml(text, options.file, VARS_YAML_RULE_ID);
  if (input.diagnostics.some((d) => d.severity === 'error')) return { diagnostics: input.diagnostics };
  if (input.data === undefined || input.data === null) input.data = {};
  const diagnostics = [...input.diagnostics, ...schemaDiagnostics(validateVars, input, VARS_YAML_RULE_ID)];
  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics };
  const data = input.data as Record<string, unknown>;
  const full = 'tenants' in data || 'defaults' in data;
  const vars: VarsFile = full
    ? { form: 'full', defaults: readScope(input, ['defaults']), tenants: readTenants(input) }
    : { form: 'flat', defaults: new Map(), tenants: new Map([[options.tenant ?? 'default', { vars: readFlatScope(input), vms: readVms(input, ['vms']) }]]) };
  return { vars, diagnostics };
}

function child(input: LocatedYaml, path: YamlPath): Record<string, unknown> | undefined {
  let node: unknown = input.data;
  for (const seg of path) node = (node as Record<string, unknown> | undefined)?.[seg];
  return node as Record<string, unknown> | undefined;
}

function readScope(input: LocatedYaml, path: YamlPath): VarScope {
  const scope = new Map<string, VarValue>();
  for (const [name, raw] of Object.entries(child(input, path) ?? {})) {
    const structured = typeof raw === 'object' && raw !== null;
    const value = structured ? (raw as { value: unknown }).value : raw;
    const secret = structured && (raw as { secret?: boolean }).secret === true;
    scope.set(name, { value: String(value), ...(secret ? { secret } : {}), loc: input.locate([...path, name]), keyLoc: input.locateKey([...path, name]) });
  }
  return scope;
}

/** The flat form's own values: every top-level key but `vms`, which holds per-VM blocks. */
function readFlatScope(input: LocatedYaml): VarScope {
  const scope = new Map(readScope(input, []));
  scope.delete('vms');
  return scope;
}

function readTenants(input: LocatedYaml): Map<string, TenantVars> {
  const tenants = new Map<string, TenantVars>();
  for (const tenant of Object.keys(child(input, ['tenants']) ?? {})) {
    tenants.set(tenant, { vars: readScope(input, ['tenants', tenant, 'vars']), vms: readVms(input, ['tenants', tenant, 'vms']), loc: input.locateKey(['tenants', tenant]) });
  }
  return tenants;
}

function readVms(input: LocatedYaml, path: YamlPath): Map<string, VmVars> {
  const vms = new Map<string, VmVars>();
  for (const vm of Object.keys(child(input, path) ?? {})) vms.set(vm, readVm(input, [...path, vm]));
  return vms;
}

function readVm(input: LocatedYaml, base: YamlPath): VmVars {
  const nics = new Map<string, VarScope>();
  const nicLocs = new Map<string, SourceLocation>();
  for (const nic of Object.keys(child(input, [...base, 'nics']) ?? {})) {
    nics.set(nic, readScope(input, [...base, 'nics', nic]));
    nicLocs.set(nic, input.locateKey([...base, 'nics', nic]));
  }
  return { vars: readScope(input, [...base, 'vars']), nics, loc: input.locateKey(base), nicLocs };
}

/** Builds a scope from plain values, for callers that do not read a file (tests, pipeline defaults). */
export function toVarScope(values: Record<string, string | number | boolean | { value: string | number | boolean; secret?: boolean }>): VarScope {
  const scope = new Map<string, VarValue>();
  for (const [name, v] of Object.entries(values)) {
    if (typeof v === 'object') scope.set(name, { value: String(v.value), ...(v.secret ? { secret: true } : {}) });
    else scope.set(name, { value: String(v) });
  }
  return scope;
}

/** The vars-file sources (1-3 of PRODUCT.md §4) for one VM of one tenant. */
export function varSourcesFor(vars: VarsFile, tenant: string, vm: string): { vm?: VmVars; tenant?: VarScope; defaults: VarScope } {
  const t = vars.tenants.get(tenant);
  return { vm: t?.vms.get(vm), tenant: t?.vars, defaults: vars.defaults };
}
