/**
 * The chain attribute of <filter>. The findings come from the shared analysis
 * (src/netsec/nwfilter/analysis.ts); see docs/rules/nwfilter-chain.md.
 */
import { reportFindings } from '../../../netsec/nwfilter/analysis.js';
import type { NwfilterTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';

export default defineRule<NwfilterTarget>({
  meta: {
    id: 'nwfilter-chain',
    family: 'nwfilter',
    defaultSeverity: 'error',
    description: 'The filter chain is root or a known protocol prefix followed by at most 12 characters in all',
    messages: {
      invalidChain: "chain '{{value}}' is not valid: {{reason}}",
    },
  },
  scope: 'nwfilter',
  check(target, ctx) {
    reportFindings(target.root, target.file, 'nwfilter-chain', ctx);
  },
});
