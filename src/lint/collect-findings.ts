/**
 * Lint only collects: checks that live in netsec, macros and package emit
 * findings (diagnostics with a messageId and data); a lint rule reports the
 * ones of its id through its own message table, so the configured level
 * applies and the message comes from the rule's template.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { RuleContext } from '../diagnostics/rule.js';

/** Reports every finding of `ruleId`; an error takes the rule's configured level, a warning or info stays one. */
export function collectFindings(ctx: RuleContext, ruleId: string, findings: Iterable<Diagnostic>): void {
  for (const d of findings) {
    if (d.ruleId !== ruleId) continue;
    if (d.messageId === undefined) throw new Error(`a ${ruleId} finding without a messageId: ${d.message}`);
    ctx.report({ messageId: d.messageId, data: d.data, loc: d, locator: d.locator, severity: d.severity === 'error' ? undefined : d.severity });
  }
}
