import type { LintTarget, Rule } from '../../rule.js';

export const structureRules: Rule<LintTarget>[] = [];
