/**
 * Differences between libvirt's C parser and its schema. The findings come from the shared analysis
 * (src/netsec/nwfilter/analysis.ts); see docs/rules/nwfilter-libvirt-parser.md.
 */
import { reportFindings } from '../../../netsec/nwfilter/analysis.js';
import type { NwfilterTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';

export default defineRule<NwfilterTarget>({
  meta: {
    id: 'nwfilter-libvirt-parser',
    family: 'nwfilter',
    defaultSeverity: 'warning',
    description: "Schema-valid filters that libvirt's parser still rejects, or silently changes",
    messages: {
      rejected: "libvirt's parser rejects {{what}}: {{reason}} (the schema accepts it, but nwfilter-define would fail)",
      ignoredAttribute: 'libvirt ignores {{attribute}} on <{{element}}>: the schema allows it but the parser never reads it',
      commentTruncated: 'libvirt keeps only the first 256 bytes of this {{length}}-byte comment',
      ipsetDropped: 'libvirt drops ipset and ipsetflags on <{{element}}> when both are given (only <all> keeps them)',
      negationLost: "match='no' does not apply to {{attribute}} on <{{element}}>: libvirt takes its negation from {{source}}, which is not negated here",
      priorityWithoutChain: "libvirt ignores priority='{{value}}' because the filter has no chain attribute (it goes into the root chain with priority 0)",
      matchNotExact: "match='{{value}}' is read by libvirt as match='yes': only the exact text 'no' negates",
    },
  },
  scope: 'nwfilter',
  check(target, ctx) {
    reportFindings(target.root, target.file, 'nwfilter-libvirt-parser', ctx);
  },
});
