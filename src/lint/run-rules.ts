/**
 * The rule runner: levels from the configuration, reports through each
 * rule's message table. Pure: targets in, diagnostics out. It knows no
 * rule list (engine.ts adds the registered rules), so composite rules that
 * run another rule set (embedded nwfilters) can use it without a cycle.
 */
import { sortDiagnostics, type Diagnostic, type Severity } from '../diagnostics/diagnostic.js';
import type { LintConfig, ReportSpec, RuleLevel } from '../diagnostics/rule.js';
import { formatMessage, type LintTarget, type Rule } from './rule.js';
import { abbreviate } from '../strings.js';

/** The diagnostics of one file. */
export interface LintResult {
  /** The descriptor's path (`dir/x.ovf`; `pkg.ova!/x.ovf` inside an archive), the nwfilter file, or the path given when nothing could be loaded. */
  file: string;
  /** The archive (OVA, zip) the descriptor is a member of. */
  archive?: string;
  diagnostics: Diagnostic[];
}

export function ruleLevel(rule: Rule<LintTarget>, config: LintConfig): { level: RuleLevel; options: Record<string, unknown>; explicit: boolean } {
  const o = config.rules?.[rule.meta.id];
  if (o === undefined) return { level: rule.meta.defaultSeverity, options: {}, explicit: false };
  if (Array.isArray(o)) return { level: o[0], options: o[1] ?? {}, explicit: true };
  return { level: o, options: {}, explicit: true };
}

/** Runs the given rules over one target: each report becomes a Diagnostic through its rule's message table. */
export function runRuleSet(target: LintTarget, config: LintConfig, rules: readonly Rule<LintTarget>[]): Diagnostic[] {
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
      report: (spec: ReportSpec) => {
        const template = rule.meta.messages[spec.messageId];
        if (template === undefined) throw new Error(`rule ${rule.meta.id} has no message '${spec.messageId}'`);
        // A report may carry its own, lower severity (a sloppy variant is only a warning);
        // a level the user set explicitly applies to every report of the rule.
        const severity: Severity = !explicit && spec.severity !== undefined && rank(spec.severity) < rank(level) ? spec.severity : level;
        out.push({
          ruleId: rule.meta.id,
          messageId: spec.messageId,
          ...(spec.data !== undefined ? { data: quoted(spec.data) } : {}),
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
