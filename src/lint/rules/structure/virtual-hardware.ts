/**
 * DSP0243 §8: a VirtualSystem describes its hardware in a
 * VirtualHardwareSection. One without it, or without a processor or memory
 * Item, deploys only with the consumer's defaults; ovftool and vCenter accept
 * it, so every finding here is a warning under the severity contract. An
 * OperatingSystemSection is required by the XSD for VirtualSystem (ovftool
 * tolerates its absence, hence a warning too).
 */
import { ResourceType } from '../../../ovf/cim.js';
import { contentWithParents } from '../../../ovf/locators.js';
import type { DescriptorTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';

export default defineRule<DescriptorTarget>({
  meta: {
    id: 'virtual-hardware',
    family: 'structure',
    defaultSeverity: 'warning',
    description: 'Each VirtualSystem has a VirtualHardwareSection with processor and memory, and an OperatingSystemSection',
    messages: {
      noHardware: "VirtualSystem '{{id}}' has no VirtualHardwareSection",
      noCpu: "VirtualSystem '{{id}}' declares no processor Item (ResourceType 3)",
      noMemory: "VirtualSystem '{{id}}' declares no memory Item (ResourceType 4)",
      noOs: "VirtualSystem '{{id}}' has no OperatingSystemSection",
    },
  },
  scope: 'descriptor',
  check({ envelope }, ctx) {
    for (const { node, locator } of contentWithParents(envelope.content)) {
      if (node.kind !== 'VirtualSystem') continue;
      const at = { loc: node.loc, locator, data: { id: node.id } };
      if (node.virtualHardware.length === 0) {
        ctx.report({ messageId: 'noHardware', ...at });
        continue;
      }
      const items = node.virtualHardware.flatMap((v) => v.items);
      // ovftool and vCenter accept these (they fill in defaults).
      if (!items.some((i) => i.resourceType === ResourceType.Processor)) ctx.report({ messageId: 'noCpu', ...at });
      if (!items.some((i) => i.resourceType === ResourceType.Memory)) ctx.report({ messageId: 'noMemory', ...at });
      if (!node.operatingSystem) ctx.report({ messageId: 'noOs', ...at });
    }
  },
});
