/**
 * DSP0243 §7: an Envelope holds exactly one VirtualSystem or VirtualSystemCollection;
 * a collection must contain at least one member to deploy anything.
 */
import { contentWithParents } from '../../../ovf/locators.js';
import type { DescriptorTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';

export default defineRule<DescriptorTarget>({
  meta: {
    id: 'content-present',
    family: 'structure',
    defaultSeverity: 'error',
    description: 'The Envelope holds a VirtualSystem or a non-empty VirtualSystemCollection',
    messages: {
      noContent: 'Envelope has no VirtualSystem or VirtualSystemCollection',
      emptyCollection: "VirtualSystemCollection '{{id}}' contains no VirtualSystem",
    },
  },
  scope: 'descriptor',
  check({ envelope }, ctx) {
    if (!envelope.content) {
      ctx.report({ messageId: 'noContent', loc: envelope.loc, locator: 'Envelope' });
      return;
    }
    for (const { node, locator } of contentWithParents(envelope.content))
      if (node.kind === 'VirtualSystemCollection' && node.content.length === 0)
        // The XSD allows an empty collection (Content minOccurs=0); it deploys nothing, so warn.
        ctx.report({ messageId: 'emptyCollection', data: { id: node.id }, loc: node.loc, locator, severity: 'warning' });
  },
});
