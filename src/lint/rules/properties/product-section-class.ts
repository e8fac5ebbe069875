/**
 * DSP0243 §9.5: the ProductSections of one VirtualSystem or
 * VirtualSystemCollection have unique `ovf:class`/`ovf:instance` pairs, since
 * the pair is what scopes their property keys in the OVF environment
 * (`[class.]key[.instance]`). A missing attribute counts as empty, so two
 * sections without class or instance collide too.
 */
import type { DescriptorTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';
import { productSections, sectionScope, type SectionEntry } from '../../../ovf/properties/walk.js';

function describe(e: SectionEntry): string {
  const { class: cls, instance } = e.section;
  if (!cls && !instance) return 'without ovf:class or ovf:instance';
  return [cls ? `class '${cls}'` : undefined, instance ? `instance '${instance}'` : undefined].filter(Boolean).join(' and ');
}

export default defineRule<DescriptorTarget>({
  meta: {
    id: 'product-section-class',
    family: 'properties',
    defaultSeverity: 'error',
    description: 'ProductSections of one VirtualSystem or collection have unique ovf:class/ovf:instance pairs',
    messages: {
      duplicate: '{{where}} has a second ProductSection {{which}} (the first is at line {{line}})',
    },
  },
  scope: 'descriptor',
  check({ envelope }, ctx) {
    const firstByScope = new Map<unknown, Map<string, SectionEntry>>();
    for (const e of productSections(envelope)) {
      let scopes = firstByScope.get(e.content);
      if (!scopes) firstByScope.set(e.content, (scopes = new Map()));
      const first = scopes.get(sectionScope(e.section));
      if (!first) {
        scopes.set(sectionScope(e.section), e);
        continue;
      }
      ctx.report({
        messageId: 'duplicate',
        data: { where: e.contentLocator, which: describe(e), line: first.section.loc.line },
        loc: e.section.loc,
        locator: e.locator,
      });
    }
  },
});
