import type { LintTarget, Rule } from '../../rule.js';

export const packageRules: Rule<LintTarget>[] = [];
