/**
 * libvirt filter variables in attribute values. The findings come from the shared analysis
 * (src/netsec/nwfilter/analysis.ts); see docs/rules/nwfilter-variable-syntax.md.
 */
import { reportFindings } from '../../../netsec/nwfilter/analysis.js';
import type { NwfilterTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';

export default defineRule<NwfilterTarget>({
  meta: {
    id: 'nwfilter-variable-syntax',
    family: 'nwfilter',
    defaultSeverity: 'error',
    description: 'Variable references are $NAME, $NAME[n] or $NAME[@n], and only where the schema allows variables',
    messages: {
      variableNotAllowed: "{{attribute}} on <{{element}}> does not accept a variable ('{{value}}'); it must be {{expected}}",
      malformedVariable: "{{attribute}}='{{value}}' on <{{element}}> is not a valid variable reference: {{reason}}",
    },
  },
  scope: 'nwfilter',
  check(target, ctx) {
    reportFindings(target.root, target.file, 'nwfilter-variable-syntax', ctx);
  },
});
