/**
 * Filters embedded in a package are linted like standalone nwfilter files,
 * as one set: references between them are known, built-ins are known, and
 * reference cycles across them are errors. Their diagnostics keep the
 * nwfilter-* rule ids, so `--rule nwfilter-…=off` applies to them too.
 */
import { isBuiltinFilter } from '../../../netsec/nwfilter/builtins.js';
import { lintFilterSet } from '../../lint-nwfilter.js';
import { netsecOf } from '../../../netsec/view.js';
import type { DescriptorTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';

export default defineRule<DescriptorTarget>({
  meta: {
    id: 'netsec-filter',
    family: 'nwfilter',
    defaultSeverity: 'error',
    description: 'Embedded libvirt filters are valid, uniquely named, and do not shadow built-in filters',
    messages: {
      unnamed: 'embedded filter has no name',
      duplicate: "filter '{{name}}' is embedded more than once in the same scope",
      shadowsBuiltin: "embedded filter '{{name}}' has the name of a libvirt built-in filter; it would overwrite the host's copy",
    },
  },
  scope: 'descriptor',
  check({ envelope, file }, ctx) {
    const { sections } = netsecOf(envelope);
    for (const s of sections) {
      const seen = new Set<string>();
      for (const f of s.filters) {
        const at = { loc: f.loc, locator: `${s.virtualSystemId ? `VirtualSystem[${s.virtualSystemId}]/` : ''}filter[${f.name}]` };
        if (!f.name) ctx.report({ messageId: 'unnamed', ...at });
        else if (seen.has(f.name)) ctx.report({ messageId: 'duplicate', data: { name: f.name }, ...at });
        else if (isBuiltinFilter(f.name)) ctx.report({ messageId: 'shadowsBuiltin', data: { name: f.name }, ...at });
        seen.add(f.name);
      }
    }
    // Each VirtualSystem sees its own filters plus the package's; lint each visible set once.
    const all = sections.flatMap((s) => s.filters);
    if (all.length === 0) return;
    const results = lintFilterSet(
      all.map((f) => ({ file: `${file}#filter[${f.name}]@${f.loc?.line ?? 0}`, root: f.element })),
      ctx.config,
    );
    for (const r of results) ctx.passthrough(r.diagnostics.map((d) => ({ ...d, file, locator: d.locator })));
  },
});
