/**
 * Rule action, direction and statematch. The findings come from the shared analysis
 * (src/netsec/nwfilter/analysis.ts); see docs/rules/nwfilter-action-direction.md.
 */
import { reportFindings } from '../../../netsec/nwfilter/analysis.js';
import type { NwfilterTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';

export default defineRule<NwfilterTarget>({
  meta: {
    id: 'nwfilter-action-direction',
    family: 'nwfilter',
    defaultSeverity: 'error',
    description: 'Rules have a known action and direction, and statematch is false or 0',
    messages: {
      invalidAction: "action '{{value}}' must be one of {{allowed}}",
      invalidDirection: "direction '{{value}}' must be one of {{allowed}}",
      invalidStatematch: "statematch '{{value}}' must be 'false' (any case) or '0'; leave it out to match state",
    },
  },
  scope: 'nwfilter',
  check(target, ctx) {
    reportFindings(target.root, target.file, 'nwfilter-action-direction', ctx);
  },
});
