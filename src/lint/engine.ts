/**
 * Runs the rule table over lint targets. Pure: targets in, diagnostics out.
 */
import { sortDiagnostics, type Diagnostic, type Severity } from '../diagnostics.js';
import { formatMessage, type LintTarget, type Rule } from './rule.js';
import { allRules } from './rules/index.js';
import { abbreviate } from '../strings.js';

export type RuleLevel = 'off' | Severity;

export interface LintConfig {
  /** Per-rule level overrides, and optional options. */
  rules?: Record<string, RuleLevel | [RuleLevel, Record<string, unknown>]>;
  /** Warnings count as failures (exit 1). */
  strict?: boolean;
  /** Path of a port profile catalog (YAML), loaded by the IO end. */
  catalog?: string;
}

export interface LintResult {
  file: string;
  diagnostics: Diagnostic[];
}

export function ruleLevel(rule: Rule<LintTarget>, config: LintConfig): { level: RuleLevel; options: Record<string, unknown>; explicit: boolean } {
  const o = config.rules?.[rule.meta.id];
  if (o === undefined) return { level: rule.meta.defaultSeverity, options: {}, explicit: false };
  if (Array.isArray(o)) return { level: o[0], options: o[1] ?? {}, explicit: true };
  return { level: o, options: {}, explicit: true };
}

export function runRules(
  target: LintTarget,
  config: LintConfig = {},
  rules: readonly Rule<LintTarget>[] = allRules,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const rule of rules) {
    if (rule.scope !== target.scope) continue;
    const { level, options, explicit } = ruleLevel(rule, config);
    if (level === 'off') continue;
    const ctx = {
      options,
      config,
      passthrough: (diagnostics: readonly Diagnostic[]) => {
        out.push(...diagnostics);
      },
      report: (spec: import('./rule.js').ReportSpec) => {
        const template = rule.meta.messages[spec.messageId];
        if (template === undefined) throw new Error(`rule ${rule.meta.id} has no message '${spec.messageId}'`);
        // A report may carry its own, lower severity (a sloppy variant is only a warning);
        // a level the user set explicitly applies to every report of the rule.
        const severity: Severity = !explicit && spec.severity !== undefined && rank(spec.severity) < rank(level) ? spec.severity : level;
        out.push({
          ruleId: rule.meta.id,
          severity,
          message: formatMessage(template, quoted(spec.data)),
          file: spec.loc?.file ?? target.file,
          line: spec.loc?.line ?? 0,
          column: spec.loc?.column ?? 0,
          locator: abbreviate(spec.locator ?? '', MAX_LOCATOR_LENGTH),
        });
      },
    };
    try {
      rule.check(target, ctx);
    } catch (e) {
      out.push({
        ruleId: 'internal-error',
        severity: 'error',
        message: `rule ${rule.meta.id} failed: ${(e as Error).message}`,
        file: target.file,
        line: 0,
        column: 0,
        locator: '',
      });
    }
  }
  return sortDiagnostics(out);
}

function rank(s: Severity): number {
  return s === 'error' ? 2 : s === 'warning' ? 1 : 0;
}

/** Exit status per PRODUCT.md §5: 1 on errors, or on warnings under --strict. */
export function lintFailed(results: readonly LintResult[], strict = false): boolean {
  return results.some((r) => r.diagnostics.some((d) => d.severity === 'error' || (strict && d.severity === 'warning')));
}

/**
 * Values a rule quotes come from the package; a diagnostic quotes at most the start of
 * each (and of its locator), so one huge attribute cannot make every message huge.
 */
const MAX_QUOTED_LENGTH = 200;
const MAX_LOCATOR_LENGTH = 1000;

function quoted(data: Record<string, string | number> | undefined): Record<string, string | number> | undefined {
  if (data === undefined) return undefined;
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(data)) out[k] = typeof v === 'string' ? abbreviate(v, MAX_QUOTED_LENGTH) : v;
  return out;
}
