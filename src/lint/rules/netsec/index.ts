import type { LintTarget, Rule } from '../../rule.js';

export const netsecRules: Rule<LintTarget>[] = [];
