/**
 * Values against the type table (protocols.ts, datatypes.ts). The findings come from the shared analysis
 * (src/netsec/nwfilter/analysis.ts); see docs/rules/nwfilter-attribute-value.md.
 */
import { reportFindings } from '../../../netsec/nwfilter/analysis.js';
import type { NwfilterTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';

export default defineRule<NwfilterTarget>({
  meta: {
    id: 'nwfilter-attribute-value',
    family: 'nwfilter',
    defaultSeverity: 'error',
    description: "Rule attribute values, the filter name and the uuid have the type and range libvirt's schema requires",
    messages: {
      invalidValue: "{{attribute}}='{{value}}' on <{{element}}> must be {{expected}}",
      invalidName: "filter name '{{value}}' must be an XML NCName (a letter or _ first, then letters, digits, '.', '-' or '_'; no ':' or spaces)",
      invalidUuid: "<uuid> '{{value}}' must be 32 hex digits, optionally grouped 8-4-4-4-12, with no spaces",
    },
  },
  scope: 'nwfilter',
  check(target, ctx) {
    reportFindings(target.root, target.file, 'nwfilter-attribute-value', ctx);
  },
});
