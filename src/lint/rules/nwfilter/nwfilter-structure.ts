/**
 * Structural problems, from nwfilter.rng. The findings come from the shared analysis
 * (src/netsec/nwfilter/analysis.ts); see docs/rules/nwfilter-structure.md.
 */
import { reportFindings } from '../../../netsec/nwfilter/analysis.js';
import type { NwfilterTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';

export default defineRule<NwfilterTarget>({
  meta: {
    id: 'nwfilter-structure',
    family: 'nwfilter',
    defaultSeverity: 'error',
    description: "nwfilter filters have only the elements and attributes of libvirt's schema, with the required ones present",
    messages: {
      notFilter: 'the root element must be <filter> in no namespace, found <{{element}}>',
      unknownElement: '<{{element}}> is not allowed inside <{{parent}}>',
      unknownAttribute: "attribute '{{attribute}}' is not allowed on <{{element}}>",
      attributeNotInSchema: "attribute '{{attribute}}' is not allowed on <{{element}}> by libvirt's schema (its parser reads it, but virsh nwfilter-define --validate rejects the filter)",
      missingAttribute: "<{{element}}> requires attribute '{{attribute}}'",
      ipsetPair: "'{{present}}' on <{{element}}> requires '{{missing}}' (the schema allows them only together)",
      duplicateElement: '<{{element}}> may appear only once in <{{parent}}>',
      extraProtocol: 'a <rule> holds one protocol element; this <{{element}}> is extra (libvirt merges further <{{first}}> elements into the rule and ignores others)',
      unexpectedText: 'text is not allowed inside <{{element}}>',
    },
  },
  scope: 'nwfilter',
  check(target, ctx) {
    reportFindings(target.root, target.file, 'nwfilter-structure', ctx);
  },
});
