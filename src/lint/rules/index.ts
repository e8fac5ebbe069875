/** The registry: every rule, by family. `test/lint/registry.test.ts` checks each rule file is listed and documented. */
import type { LintTarget, Rule } from '../rule.js';
import { structureRules } from './structure/index.js';
import { propertiesRules } from './properties/index.js';
import { packageRules } from './package/index.js';
import { nwfilterRules } from './nwfilter/index.js';
import { netsecRules } from './netsec/index.js';

export const allRules: readonly Rule<LintTarget>[] = [...structureRules, ...propertiesRules, ...packageRules, ...nwfilterRules, ...netsecRules];

export function findRule(id: string): Rule<LintTarget> | undefined {
  return allRules.find((r) => r.meta.id === id);
}
