/**
 * Lint configuration (PRODUCT.md §5): a config file (`.ovfpipe-lint.yaml`,
 * `.yml` or `.json`), `--rule id=level` options and `--strict`, merged with
 * CLI > config file > rule defaults.
 *
 * ```yaml
 * strict: true
 * catalog: profiles/catalog.yaml
 * rules:
 *   property-key: warn
 *   property-qualifiers: [error, { allow: [Ip, Netmask] }]
 *   property-configuration: off
 * ```
 * Levels are `off`, `warn` (or `warning`), `error` and `info`; `warn` is
 * normalised to the engine's `warning`. Every problem with the configuration
 * is an `OVFPIPE_USAGE` error (exit 2), never a lint diagnostic.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { isMap, isSeq, LineCounter, parseDocument, YAMLParseError, type Node as YamlNode } from 'yaml';
import type { RuleOptionSpec } from '../diagnostics/rule.js';
import { OvfpipeError } from '../diagnostics/errors.js';
import type { LintConfig, RuleLevel } from './engine.js';
import { loaderRules } from './loader-rules.js';
import { allRules } from './rules/index.js';
import { editDistance } from '../strings.js';

export interface ResolvedLintConfig extends LintConfig {
  /** Port profile catalog (YAML); a path in a config file is resolved against the file's directory. */
  catalog?: string;
}

/** File names looked for in the working directory when no `--config` is given, in this order. */
export const CONFIG_FILE_NAMES = ['.ovfpipe-lint.yaml', '.ovfpipe-lint.yml', '.ovfpipe-lint.json'] as const;

const LEVEL_NAMES = ['off', 'warn', 'warning', 'error', 'info'] as const;

/** `warn` → `warning`; anything else unknown → undefined. */
export function normaliseLevel(name: string): RuleLevel | undefined {
  const n = name.trim().toLowerCase();
  if (n === 'warn') return 'warning';
  return (LEVEL_NAMES as readonly string[]).includes(n) ? (n as RuleLevel) : undefined;
}

function knownRuleIds(): string[] {
  return allRules.map((r) => r.meta.id);
}

/** The known id closest to `id` by edit distance (ties: the first in rule order). */
export function closestRuleId(id: string, known: readonly string[] = knownRuleIds()): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(id, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

function unknownRuleMessage(id: string, known: readonly string[]): string {
  // Loading failures (unreadable package, malformed XML) stop everything else, so they have no level to set.
  if (loaderRules.some((r) => r.id === id)) return `rule '${id}' reports a loading failure and cannot be configured`;
  const closest = closestRuleId(id, known);
  return `unknown rule '${id}'${closest ? ` (closest known rule: '${closest}')` : ''}`;
}

function configSchema(known: readonly string[]) {
  const level = { type: 'string', enum: [...LEVEL_NAMES] };
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      strict: { type: 'boolean' },
      catalog: { type: 'string', minLength: 1 },
      rules: {
        type: 'object',
        propertyNames: { enum: [...known] },
        additionalProperties: {
          oneOf: [level, { type: 'array', minItems: 1, items: [level, { type: 'object' }], additionalItems: false }],
        },
      },
    },
  };
}

const validators = new Map<string, ValidateFunction>();

function validatorFor(known: readonly string[]): ValidateFunction {
  const key = known.join('\n');
  let v = validators.get(key);
  if (!v) validators.set(key, (v = new Ajv({ allErrors: true, strictTuples: false }).compile(configSchema(known))));
  return v;
}

/** Turns ajv's errors into one line per problem, naming rules and settings the way the user wrote them. */
function describeErrors(errors: readonly ErrorObject[], data: Record<string, unknown>, known: readonly string[]): string[] {
  const out = new Set<string>();
  for (const e of errors) {
    const [top, ruleId] = e.instancePath
      .split('/')
      .slice(1)
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    // An unknown rule id: ajv reports the `propertyNames` failure (params.propertyName) and the inner
    // `enum` failure (carrying `propertyName` on the error itself); describe it once.
    if ((e as { propertyName?: string }).propertyName !== undefined) continue;
    if (e.keyword === 'propertyNames') out.add(`rules: ${unknownRuleMessage((e.params as { propertyName: string }).propertyName, known)}`);
    else if (top === undefined && e.keyword === 'additionalProperties') out.add(`unknown setting '${(e.params as { additionalProperty: string }).additionalProperty}' (use rules, strict, catalog)`);
    else if (top === undefined) out.add('the configuration must be a mapping of rules, strict and catalog');
    else if (top === 'rules' && ruleId !== undefined) {
      const given = JSON.stringify((data['rules'] as Record<string, unknown>)[ruleId]);
      out.add(`rules.${ruleId}: level must be off, warn, error or info, or [level, {options}] (got ${given})`);
    } else if (top === 'rules') out.add('rules must be a mapping of rule id to level');
    else if (top === 'strict') out.add('strict must be true or false');
    else if (top === 'catalog') out.add('catalog must be a non-empty path');
  }
  return [...out];
}

/** Where a path of the configuration was written (`line:col`), or '' when the text is not known. */
export type Locate = (path: ReadonlyArray<string | number>, at?: 'key' | 'value') => string;

function optionSpecs(id: string): Readonly<Record<string, RuleOptionSpec>> {
  return allRules.find((r) => r.meta.id === id)?.meta.options ?? {};
}

function describeSpec(spec: RuleOptionSpec): string {
  if (spec.type === 'boolean') return 'true or false';
  if (spec.type === 'string[]') return 'a list of strings';
  return spec.enum ? `one of ${spec.enum.join(', ')}` : 'a string';
}

function fits(spec: RuleOptionSpec, value: unknown): boolean {
  if (spec.type === 'boolean') return typeof value === 'boolean';
  if (spec.type === 'string[]') return Array.isArray(value) && value.every((v) => typeof v === 'string');
  return typeof value === 'string' && (spec.enum === undefined || spec.enum.includes(value));
}

/** Each rule's options against the options the rule declares: unknown names and wrong types, with where they were written. */
function checkRuleOptions(rules: Record<string, unknown>, source: string, locate: Locate): string[] {
  const out: string[] = [];
  for (const [id, value] of Object.entries(rules)) {
    if (!Array.isArray(value) || value[1] === undefined) continue;
    const specs = optionSpecs(id);
    const known = Object.keys(specs);
    for (const [name, given] of Object.entries(value[1] as Record<string, unknown>)) {
      const spec = specs[name];
      // An unknown option points at its name; a wrong value at the value.
      const pos = locate(['rules', id, 1, name], spec === undefined ? 'key' : 'value');
      const at = pos ? `${source}:${pos}: ` : '';
      if (spec === undefined) out.push(`${at}rules.${id}: unknown option '${name}' (${known.length > 0 ? `options of ${id}: ${known.join(', ')}` : `${id} takes no options`})`);
      else if (!fits(spec, given)) out.push(`${at}rules.${id}.${name} must be ${describeSpec(spec)} (got ${JSON.stringify(given)})`);
    }
  }
  return out;
}

/** A Locate over a parsed YAML document: `line:col` of the value at a path, or '' when it cannot be found. */
function yamlLocator(doc: ReturnType<typeof parseDocument>, lineCounter: LineCounter): Locate {
  return (path, at = 'value') => {
    let node: unknown = doc.contents;
    for (const [i, key] of path.entries()) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
        node = at === 'key' && i === path.length - 1 ? pair?.key : pair?.value;
      } else if (isSeq(node) && typeof key === 'number') node = node.items[key];
      else return '';
    }
    const range = (node as YamlNode | undefined)?.range;
    if (!range) return '';
    const pos = lineCounter.linePos(range[0]);
    return `${pos.line}:${pos.col}`;
  };
}

function normaliseRules(rules: Record<string, unknown>): NonNullable<LintConfig['rules']> {
  const out: NonNullable<LintConfig['rules']> = {};
  for (const [id, value] of Object.entries(rules)) {
    if (typeof value === 'string') out[id] = normaliseLevel(value)!;
    else {
      const [level, options] = value as [string, Record<string, unknown> | undefined];
      out[id] = [normaliseLevel(level)!, options ?? {}];
    }
  }
  return out;
}

/**
 * Validates an already-parsed configuration object and normalises its levels.
 * `source` names it in errors (usually the file path).
 */
export function validateLintConfig(data: unknown, source: string, known: readonly string[] = knownRuleIds(), locate: Locate = () => ''): ResolvedLintConfig {
  const obj = data ?? {};
  const validate = validatorFor(known);
  if (!validate(obj)) {
    const problems = describeErrors(validate.errors ?? [], obj, known);
    throw new OvfpipeError('OVFPIPE_USAGE', `${source}: invalid lint configuration:\n  ${problems.join('\n  ')}`);
  }
  const raw = obj as { rules?: Record<string, unknown>; strict?: boolean; catalog?: string };
  const optionProblems = raw.rules !== undefined ? checkRuleOptions(raw.rules, source, locate) : [];
  if (optionProblems.length > 0) throw new OvfpipeError('OVFPIPE_USAGE', `${source}: invalid lint configuration:\n  ${optionProblems.join('\n  ')}`);
  const config: ResolvedLintConfig = {};
  if (raw.rules !== undefined) config.rules = normaliseRules(raw.rules);
  if (raw.strict !== undefined) config.strict = raw.strict;
  if (raw.catalog !== undefined) config.catalog = raw.catalog;
  return config;
}

/** Parses config text (YAML, which includes JSON) and validates it. Pure. */
export function parseLintConfig(text: string, source: string, known: readonly string[] = knownRuleIds()): ResolvedLintConfig {
  let data: unknown;
  let locate: Locate;
  try {
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter });
    const first = doc.errors[0];
    if (first) throw first;
    data = doc.toJS();
    locate = yamlLocator(doc, lineCounter);
  } catch (e) {
    const pos = e instanceof YAMLParseError && e.linePos ? `:${e.linePos[0].line}:${e.linePos[0].col}` : '';
    throw new OvfpipeError('OVFPIPE_USAGE', `${source}${pos}: cannot parse lint configuration: ${(e as Error).message.split('\n')[0]}`, { cause: e });
  }
  // Each problem with an option names the file, line and column of the value as written.
  return validateLintConfig(data, source, known, locate);
}

/**
 * Parses one `--rule id=level` option (`warn` and `warning` both accepted)
 * into an entry for `rules`, checking the id against the known rules.
 */
export function parseRuleOption(option: string): [string, RuleLevel] {
  const eq = option.indexOf('=');
  if (eq <= 0) throw new OvfpipeError('OVFPIPE_USAGE', `--rule '${option}': expected id=level, e.g. property-key=warn`);
  const id = option.slice(0, eq).trim();
  const level = normaliseLevel(option.slice(eq + 1));
  const known = knownRuleIds();
  if (!known.includes(id)) throw new OvfpipeError('OVFPIPE_USAGE', `--rule '${option}': ${unknownRuleMessage(id, known)}`);
  if (level === undefined) throw new OvfpipeError('OVFPIPE_USAGE', `--rule '${option}': level must be off, warn, error or info`);
  return [id, level];
}

type Layer = Partial<ResolvedLintConfig> | undefined;

/**
 * Merges configuration layers, lowest precedence first: `mergeLintConfig(defaults, file, cli)`.
 * Unset (undefined) values never override. A bare level keeps the options an
 * earlier layer gave the rule (`--rule x=warn` over `x: [error, {…}]` → `[warning, {…}]`).
 */
export function mergeLintConfig(...layers: Layer[]): ResolvedLintConfig {
  const out: ResolvedLintConfig = {};
  for (const layer of layers) {
    if (!layer) continue;
    for (const [id, entry] of Object.entries(layer.rules ?? {})) {
      if (entry === undefined) continue;
      const before = out.rules?.[id];
      const options = Array.isArray(before) ? before[1] : undefined;
      (out.rules ??= {})[id] = Array.isArray(entry) || options === undefined ? entry : [entry, options];
    }
    if (layer.strict !== undefined) out.strict = layer.strict;
    if (layer.catalog !== undefined) out.catalog = layer.catalog;
  }
  return out;
}
