/** Every rule id ovfpipe can report, with its metadata (table rules and loader diagnostics). */
import { loaderRules, verifyRules } from './loader-rules.js';
import type { RuleMeta } from './rule.js';
import { allRules } from './rules/index.js';

export function allRuleMetas(): RuleMeta[] {
  return [...loaderRules, ...verifyRules, ...allRules.map((r) => r.meta)];
}
