/**
 * Loads a pipeline file (PRODUCT.md §8): YAML, validated against
 * pipeline/pipeline.schema.json, with `${env:NAME}` interpolation so CI
 * secrets and hosts come from the environment. Every problem is a
 * diagnostic with its line, column and the schema rule it breaks.
 */
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { expandHome } from '../paths.js';
import { diagnostic, hasErrors, type Diagnostic, type SourceLocation } from '../diagnostics/diagnostic.js';
import { readPipelineFile } from '../actions/pipeline-file.js';
import { parseLocatedYaml, schemaDiagnostics, type YamlPath } from '../macros/yaml-input.js';
import type { RenderSettings } from '../render/option-table.js';
import type { DiskMode } from '../deploy/deploy.js';
import { withRenderOptions } from './schema-render-options.js';
import { schemaValidator, type SchemaValidatorSpec } from '../macros/schema-validator.js';

export const PIPELINE_RULE_ID = 'pipeline-file';

type Vars = Record<string, string | number | boolean | { value: string | number | boolean; secret?: boolean }>;

export interface SshSettings {
  identity?: string;
  knownHosts?: string;
  fingerprint?: string;
  storage?: string;
  connect?: string;
}

export interface PipelineHost extends SshSettings, Pick<RenderSettings, 'network' | 'bridge'> {
  address: string;
  group?: string;
  capacity?: { memoryMiB?: number; vcpus?: number };
}

/** A deployment takes every render option (option-table.ts), over the pipeline defaults. */
export interface Deployment extends RenderSettings {
  package: string;
  names?: string[];
  count?: number;
  vars?: Vars;
  vms?: Record<string, { vars?: Vars; host?: string; group?: string }>;
  host?: string;
  group?: string;
  /** convert (default) or backing, over `defaults.diskMode` (deploy --disk-mode). */
  diskMode?: DiskMode;
}

export interface Pipeline {
  version: 1;
  packages: Record<string, { path: string; allowOutsideRefs?: boolean }>;
  /** The verify stage's signer check: trusted certificate files (relative to the pipeline file) and pinned fingerprints. */
  verify?: { trust?: string[]; signer?: string[] };
  inventory?: { defaults?: SshSettings; catalog?: string; hosts?: Record<string, PipelineHost> };
  defaults?: RenderSettings & { vars?: Vars; start?: boolean; perHost?: number; parallel?: number; diskMode?: DiskMode };
  tenants?: Record<string, { vars?: Vars; deployments: Deployment[] }>;
  stages?: Array<'lint' | 'verify' | 'render' | 'deploy'>;
}

export interface LoadedPipeline {
  pipeline?: Pipeline;
  /** Directory of the file: relative package paths resolve against it. */
  baseDir: string;
  file: string;
  diagnostics: Diagnostic[];
  /** The file, line and column of the YAML node at `path` (or its nearest existing ancestor). */
  locate(path: YamlPath): SourceLocation;
  /** The file, line and column of the key of the mapping entry at `path` (falls back to `locate`). */
  locateKey(path: YamlPath): SourceLocation;
}

const schema = createRequire(import.meta.url)('../../pipeline/pipeline.schema.json') as object;

/**
 * The pipeline schema's validator, over the option table (withRenderOptions). The YAML reader keeps scalars
 * as their source text; coerceTypes turns "8" into 8 where the schema wants a number. Its generated module
 * (~70–120 ms of ajv compiling saved per apply/destroy) is written by `npm run build` (schema-validator.ts).
 */
export const PIPELINE_VALIDATOR: SchemaValidatorSpec = {
  name: 'pipeline',
  schema: () => withRenderOptions(schema),
  options: { allErrors: true, verbose: true, strict: false, coerceTypes: true },
  generated: new URL('./pipeline.validate.generated.cjs', import.meta.url),
};
const validate = schemaValidator(PIPELINE_VALIDATOR);

export async function loadPipeline(file: string, env: Record<string, string | undefined> = process.env): Promise<LoadedPipeline> {
  return parsePipeline(await readPipelineFile(file), file, env);
}

export function parsePipeline(text: string, file: string, env: Record<string, string | undefined>): LoadedPipeline {
  const input = parseLocatedYaml(text, file, PIPELINE_RULE_ID);
  const out: LoadedPipeline = { baseDir: dirname(resolve(file)), file, diagnostics: [], locate: (path) => input.locate(path), locateKey: (path) => input.locateKey(path) };
  out.diagnostics.push(...input.diagnostics);
  if (hasErrors(out.diagnostics)) return out;
  // An empty file (or comments only) or a document that is not a mapping: say so at the file, not "must be object".
  if (input.data === null || input.data === undefined || typeof input.data !== 'object' || Array.isArray(input.data)) {
    const found = input.data === null || input.data === undefined ? 'it is empty' : Array.isArray(input.data) ? 'it holds a list' : `it holds a ${typeof input.data}`;
    const at = input.data === null || input.data === undefined ? { file, line: 1, column: 1 } : { ...input.locate([]), file };
    out.diagnostics.push(diagnostic(PIPELINE_RULE_ID, 'error', `a pipeline file is a mapping with version: 1, packages and tenants; ${found} (pipeline/README.md)`, at));
    return out;
  }
  // Interpolate first, so that `${env:…}` may stand for any value the schema then checks (an enum, a number).
  input.data = interpolate(input.data, [], env, (path, message) => out.diagnostics.push(diagnostic(PIPELINE_RULE_ID, 'error', message, input.locate(path), path.join('.'))));
  if (hasErrors(out.diagnostics)) return out;
  // coerceTypes: "8" (the YAML reader keeps source text) becomes 8 where the schema wants a number.
  out.diagnostics.push(...schemaDiagnostics(validate, input, PIPELINE_RULE_ID));
  if (!hasErrors(out.diagnostics)) out.pipeline = expandPaths(input.data as Pipeline, env['HOME'] || homedir());
  return out;
}

/**
 * `~` in the file's local paths (package paths, the catalog, identity and known_hosts files), also where
 * `${env:VAR:-~/.ssh/id_ed25519}` produced it (paths.ts). Relative paths stay relative: packages and the
 * catalog resolve against the file's directory, SSH files against the working directory.
 */
function expandPaths(p: Pipeline, home: string): Pipeline {
  const ssh = (s: SshSettings | undefined) => {
    if (s?.identity !== undefined) s.identity = expandHome(s.identity, home);
    if (s?.knownHosts !== undefined) s.knownHosts = expandHome(s.knownHosts, home);
  };
  for (const pkg of Object.values(p.packages)) pkg.path = expandHome(pkg.path, home);
  if (p.inventory?.catalog !== undefined) p.inventory.catalog = expandHome(p.inventory.catalog, home);
  ssh(p.inventory?.defaults);
  for (const h of Object.values(p.inventory?.hosts ?? {})) ssh(h);
  return p;
}

const ENV_REF = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${env:NAME}` (or `${env:NAME:-default}`) in every string; an unset
 * variable without a default is an error at its location. Other `${…}`
 * (template macros) are kept for render.
 */
function interpolate(node: unknown, path: YamlPath, env: Record<string, string | undefined>, fail: (path: YamlPath, message: string) => void): unknown {
  if (typeof node === 'string')
    return node.replace(ENV_REF, (m, name: string, fallback: string | undefined) => {
      const v = env[name];
      if ((v === undefined || v === '') && fallback !== undefined) return fallback;
      if (v === undefined || v === '') {
        fail(path, `environment variable ${name} is not set (${m})`);
        return m;
      }
      return v;
    });
  if (Array.isArray(node)) return node.map((x, i) => interpolate(x, [...path, i], env, fail));
  if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolate(v, [...path, k], env, fail)]));
  return node;
}
