import type { LintTarget, Rule } from '../../rule.js';

export const nwfilterRules: Rule<LintTarget>[] = [];
