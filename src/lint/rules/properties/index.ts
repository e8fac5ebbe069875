import type { LintTarget, Rule } from '../../rule.js';

export const propertiesRules: Rule<LintTarget>[] = [];
