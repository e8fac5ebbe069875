/**
 * Located YAML input (vars files here; port profiles and the profile catalog
 * use it too): parse with the `yaml` package's LineCounter, validate with an
 * ajv JSON Schema, and turn every problem into a Diagnostic with file, line
 * and column, so a user can jump to it.
 *
 * Numbers keep the text the user wrote: `typeid: 0x123456` becomes the string
 * "0x123456", not 1193046, and `010` stays "010" (the model stores numbers as
 * strings, and whether a leading 0 or a hex form is acceptable is for the
 * type checks to say, not for the YAML reader to hide).
 *
 * Problems are returned, not thrown: a file can have several, and the CLI
 * shows them all like lint output (then exits 2, as for any bad input).
 */
import type { ErrorObject, Options, ValidateFunction } from 'ajv';
import { isMap, isScalar, LineCounter, parseDocument, visit, type Document } from 'yaml';
import { diagnostic, sortDiagnostics, type Diagnostic, type SourceLocation } from '../diagnostics/diagnostic.js';
import { didYouMean } from '../strings.js';

export type YamlPath = ReadonlyArray<string | number>;

export interface LocatedYaml {
  /** Plain data (numbers as their source text), or undefined when the text is not a YAML document. */
  data: unknown;
  /** The position of the node at `path`, or of its nearest existing ancestor. */
  locate(path: YamlPath): SourceLocation;
  /** The position of the key of the mapping entry at `path` (falls back to `locate`). */
  locateKey(path: YamlPath): SourceLocation;
  diagnostics: Diagnostic[];
}

/** Parses `text`; syntax errors and warnings become diagnostics with `ruleId`. */
export function parseLocatedYaml(text: string, file: string | undefined, ruleId: string): LocatedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): SourceLocation => ({ file, ...toLineCol(lineCounter.linePos(offset)) });
  const diagnostics: Diagnostic[] = [
    ...doc.errors.map((e) => diagnostic(ruleId, 'error', `YAML: ${e.message}`, at(e.pos[0]))),
    ...doc.warnings.map((e) => diagnostic(ruleId, 'warning', `YAML: ${e.message}`, at(e.pos[0]))),
  ];
  keepNumberSource(doc);
  const data = doc.errors.length > 0 ? undefined : doc.toJS({ maxAliasCount: 100 });
  return {
    data,
    diagnostics,
    locate: (path) => locateNode(doc, path, at),
    locateKey: (path) => locateKey(doc, path, at) ?? locateNode(doc, path, at),
  };
}

/**
 * The ajv options the located-YAML readers rely on (all errors, schemas in
 * errors, union types); their validators are made by schemaValidator
 * (schema-validator.ts): precompiled at build time, else compiled on first use.
 */
export const LOCATED_YAML_AJV_OPTIONS: Options = { allErrors: true, verbose: true, allowUnionTypes: true };

function toLineCol(pos: { line: number; col: number }): { line: number; column: number } {
  return { line: pos.line, column: pos.col };
}

/** Replaces every numeric scalar's value by the text it was written as. */
function keepNumberSource(doc: Document): void {
  visit(doc, {
    Scalar(_key, node) {
      if ((typeof node.value === 'number' || typeof node.value === 'bigint') && node.source !== undefined) node.value = node.source;
    },
  });
}

function locateKey(doc: Document, path: YamlPath, at: (offset: number) => SourceLocation): SourceLocation | undefined {
  const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
  if (!isMap(parent)) return undefined;
  const last = path[path.length - 1];
  const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(last));
  const range = isScalar(pair?.key) ? pair.key.range : undefined;
  return range ? at(range[0]) : undefined;
}

function locateNode(doc: Document, path: YamlPath, at: (offset: number) => SourceLocation): SourceLocation {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range) return at(range[0]);
  }
  return { line: 1, column: 1 };
}

/** ajv's instancePath (`/a/0/b`) as path segments. */
export function instancePathSegments(instancePath: string): string[] {
  if (instancePath === '') return [];
  return instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** A dotted label for a path, as a user would write it: `virtualport.typeid`, `vlan.tags[0].id`. */
export function pathLabel(path: YamlPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number' || /^\d+$/.test(seg)) out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out || '(document)';
}

function describeAjvError(e: ErrorObject): { path: string[]; message: string; key?: boolean } {
  const path = instancePathSegments(e.instancePath);
  const at = path.length > 0 ? `${pathLabel(path)}: ` : '';
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return { path, message: `${at}'${String(params['missingProperty'])}' is required` };
    case 'additionalProperties': {
      const key = String(params['additionalProperty']);
      const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const close = didYouMean(key, allowed);
      const hint = allowed.length > 0 ? ` (${close !== undefined ? `did you mean '${close}'? ` : ''}allowed: ${allowed.join(', ')})` : '';
      return { path: [...path, key], key: true, message: `${at}unknown key '${key}'${hint}` };
    }
    case 'enum':
      return { path, message: `${at}must be one of ${(params['allowedValues'] as unknown[]).map((v) => `'${String(v)}'`).join(', ')}` };
    case 'oneOf':
    case 'anyOf': {
      const description = (e.parentSchema as { description?: string } | undefined)?.description;
      return { path, message: `${at}must be ${description ?? 'one of the allowed forms'}` };
    }
    case 'propertyNames': {
      const name = String(params['propertyName']);
      const description = (e.schema as { description?: string } | undefined)?.description ?? 'an allowed name';
      return { path: [...path, name], key: true, message: `${at}'${name}' is not ${description}` };
    }
    case 'pattern': {
      const description = (e.parentSchema as { description?: string } | undefined)?.description;
      return { path, message: `${at}${description ? `must be ${description}` : (e.message ?? 'invalid')}` };
    }
    default:
      return { path, message: `${at}${e.message ?? 'invalid'}` };
  }
}

/**
 * Runs `validate` (compiled with `allErrors` and `verbose`) and turns its errors into located
 * diagnostics. Errors inside a failed oneOf/anyOf are folded into one message for that value.
 */
export function schemaDiagnostics(validator: () => ValidateFunction, input: LocatedYaml, ruleId: string): Diagnostic[] {
  const validate = validator();
  if (validate(input.data)) return [];
  const errors = validate.errors ?? [];
  const alternatives = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf').map((e) => e.instancePath);
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const e of errors) {
    const folded = alternatives.some((p) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf' && (e.instancePath === p || e.instancePath.startsWith(`${p}/`)));
    if (folded || e.keyword === 'if' || (e as { propertyName?: string }).propertyName !== undefined) continue;
    const { path, message, key } = describeAjvError(e);
    if (seen.has(message)) continue;
    seen.add(message);
    out.push(diagnostic(ruleId, 'error', message, key ? input.locateKey(path) : input.locate(path)));
  }
  return sortDiagnostics(out);
}
