/**
 * Filter and rule priorities. The findings come from the shared analysis
 * (src/netsec/nwfilter/analysis.ts); see docs/rules/nwfilter-priority.md.
 */
import { reportFindings } from '../../../netsec/nwfilter/analysis.js';
import type { NwfilterTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';

export default defineRule<NwfilterTarget>({
  meta: {
    id: 'nwfilter-priority',
    family: 'nwfilter',
    defaultSeverity: 'error',
    description: 'Filter and rule priorities are integers from -1000 to 1000',
    messages: {
      priorityOutOfRange: '{{element}} priority {{value}} is outside {{min}}..{{max}}',
      priorityNotInteger: "{{element}} priority '{{value}}' must be an integer from {{min}} to {{max}}",
    },
  },
  scope: 'nwfilter',
  check(target, ctx) {
    reportFindings(target.root, target.file, 'nwfilter-priority', ctx);
  },
});
