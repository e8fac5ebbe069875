/**
 * DSP0243 §5 keys OVF elements on the envelope namespace. Some VMware 0.9 and
 * early 1.0 exports write `<References>` or `<Section>` with no namespace at
 * all; ovftool reads them and so do we, but stricter consumers will not.
 */
import type { DescriptorTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';

export default defineRule<DescriptorTarget>({
  meta: {
    id: 'element-namespace',
    family: 'structure',
    defaultSeverity: 'warning',
    description: 'OVF elements are in the envelope namespace, not unqualified',
    messages: {
      unqualified: '<{{element}}> has no namespace; it was read as an OVF element ({{count}} such elements in this descriptor)',
    },
  },
  scope: 'descriptor',
  check({ envelope }, ctx) {
    const list = envelope.unqualifiedElements ?? [];
    const first = list[0];
    if (first) ctx.report({ messageId: 'unqualified', data: { element: first.qname, count: list.length }, loc: first.loc, locator: first.qname });
  },
});
