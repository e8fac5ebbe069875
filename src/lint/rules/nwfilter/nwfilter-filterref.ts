/**
 * <filterref>: the referenced name, its parameters (nwfilter_params.rng),
 * self-references, and references to filters that are neither built in nor
 * known. Standalone files are linted one at a time and a library may be
 * split, so an unknown reference is only a warning. lintFilterSet
 * (src/lint/lint-nwfilter.ts) records the names of the whole set beside
 * each element and adds the cycles and duplicates across files; a config may
 * also list names defined elsewhere in the `knownFilters` option.
 * See docs/rules/nwfilter-filterref.md.
 */
import { knownFilters, reportFindings } from '../../../netsec/nwfilter/analysis.js';
import type { NwfilterTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';

export default defineRule<NwfilterTarget>({
  meta: {
    id: 'nwfilter-filterref',
    family: 'nwfilter',
    defaultSeverity: 'error',
    description: 'Filter references name a valid, known filter without loops, and pass parameters libvirt accepts',
    messages: {
      invalidFilterName: "filterref filter '{{value}}' must be an XML NCName",
      selfReference: "filter '{{filter}}' references itself (libvirt: filter would introduce a loop)",
      cycle: 'filter reference cycle: {{cycle}} (libvirt: filter would introduce a loop)',
      unknownFilter: "filter '{{filter}}' is neither a libvirt built-in nor defined alongside; it must already exist on the host",
      duplicateFilter: "filter '{{filter}}' is defined more than once ({{files}}); the last definition wins",
      invalidParameterName: "parameter name '{{value}}' may contain only letters, digits and _",
      invalidParameterValue: "parameter {{name}} value '{{value}}' may contain only letters, digits, '_', '.' and ':'{{hint}}",
    },
    options: {
      knownFilters: { type: 'string[]', description: 'names of filters defined elsewhere (on the hosts), not reported as unknown' },
    },
  },
  scope: 'nwfilter',
  check(target, ctx) {
    const configured = Array.isArray(ctx.options.knownFilters) ? (ctx.options.knownFilters as unknown[]).map(String) : [];
    const known = new Set([...configured, ...knownFilters(target.root)]);
    reportFindings(target.root, target.file, 'nwfilter-filterref', ctx, (f) => f.messageId !== 'unknownFilter' || !known.has(String(f.data.filter)));
  },
});
