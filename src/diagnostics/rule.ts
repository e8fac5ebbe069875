/**
 * Rules are data: a stable kebab-case id, a family, a default severity, a
 * one-line description and message templates with {{placeholders}}, plus a
 * small pure `check` function (after typescript-eslint's rule objects).
 *
 * This is the bottom layer: the rule shape, the report a check makes and the
 * message formatting know nothing of OVF, packages or the lint engine, so
 * checks that live in netsec, macros and package can emit findings in the
 * same shape without importing lint.
 */
import type { Diagnostic, Severity, SourceLocation } from './diagnostic.js';

export type RuleFamily = 'structure' | 'properties' | 'package' | 'nwfilter' | 'virtualport' | 'binding' | 'policy' | 'parse';

/** One option a rule accepts in the lint configuration (`rules: { id: [level, { name: value }] }`). */
export type RuleOptionSpec = { description: string } & ({ type: 'boolean' } | { type: 'string'; enum?: readonly string[] } | { type: 'string[]' });

export interface RuleMeta {
  id: string;
  family: RuleFamily;
  defaultSeverity: Severity | 'off';
  description: string;
  messages: Record<string, string>;
  /** The options the rule accepts; a rule without this takes none. Validated when the configuration is read. */
  options?: Readonly<Record<string, RuleOptionSpec>>;
}

/**
 * The metadata of a diagnostic reported outside the rule table (a loader, a
 * file reader, verify): documented and listed in SARIF `rules[]` like a rule,
 * with one message whose text the reporter already wrote.
 */
export function reportedRuleMeta(id: string, family: RuleFamily, description: string, messageId = 'failed'): RuleMeta {
  return { id, family, defaultSeverity: 'error', description, messages: { [messageId]: '{{message}}' } };
}

export type RuleLevel = 'off' | Severity;

/** What the user configured: per-rule levels and options, `--strict`, the catalog path. */
export interface LintConfig {
  /** Per-rule level overrides, and optional options. */
  rules?: Record<string, RuleLevel | [RuleLevel, Record<string, unknown>]>;
  /** Warnings count as failures (exit 1). */
  strict?: boolean;
  /** Path of a port profile catalog (YAML), loaded by the IO end. */
  catalog?: string;
}

/** One problem a check found: which rule, which message, its data and where. The rule's meta turns it into a Diagnostic. */
export interface ReportSpec {
  messageId: string;
  data?: Record<string, string | number>;
  loc?: Partial<SourceLocation>;
  locator?: string;
  /** Overrides the rule's configured severity for this one report (rare; e.g. a sloppy variant that is only a warning). */
  severity?: Severity;
}

/** A ReportSpec that names its rule: what checks outside lint (netsec, macros, package) emit. */
export interface Finding extends ReportSpec {
  ruleId: string;
}

export interface RuleContext {
  /** Options from the config file for this rule (`rules: { id: [level, options] }`). */
  options: Readonly<Record<string, unknown>>;
  /** The whole lint configuration, for composite rules that run other rule sets (embedded nwfilters). */
  config: Readonly<LintConfig>;
  report(spec: ReportSpec): void;
  /** Adds diagnostics produced by another rule set (already configured), keeping their rule ids. */
  passthrough(diagnostics: readonly Diagnostic[]): void;
}

/** A rule over targets of one scope; `T` is the lint target type (declared by lint, not here). */
export interface Rule<T extends { scope: string; file: string } = { scope: string; file: string }> {
  meta: RuleMeta;
  scope: T['scope'];
  check(target: T, ctx: RuleContext): void;
}

export function formatMessage(template: string, data: Record<string, string | number> = {}): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, k: string) => (k in data ? String(data[k]) : `{{${k}}}`));
}
