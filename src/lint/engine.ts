/**
 * Runs the rule table over lint targets. Pure: targets in, diagnostics out.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { LintConfig, RuleLevel } from '../diagnostics/rule.js';
import type { LintTarget, Rule } from './rule.js';
import { runRuleSet, type LintResult } from './run-rules.js';
import { allRules } from './rules/index.js';

export type { LintConfig, RuleLevel };
export { ruleLevel, type LintResult } from './run-rules.js';

/** Runs `rules` (default: every registered rule) over one target. */
export function runRules(target: LintTarget, config: LintConfig = {}, rules: readonly Rule<LintTarget>[] = allRules): Diagnostic[] {
  return runRuleSet(target, config, rules);
}

/** Exit status per PRODUCT.md §5: 1 on errors, or on warnings under --strict. */
export function lintFailed(results: readonly LintResult[], strict = false): boolean {
  return results.some((r) => r.diagnostics.some((d) => d.severity === 'error' || (strict && d.severity === 'warning')));
}
