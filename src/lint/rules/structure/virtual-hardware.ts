/**
 * DSP0243 §8: a VirtualSystem describes its hardware in a
 * VirtualHardwareSection, which needs at least a processor and memory for any
 * hypervisor to build a VM. An OperatingSystemSection is required by the XSD
 * for VirtualSystem (ovftool tolerates its absence, hence a warning).
 */
import { ResourceType } from '../../../ovf/cim.js';
import { contentWithParents } from '../../locators.js';
import type { DescriptorTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';

export default defineRule<DescriptorTarget>({
  meta: {
    id: 'virtual-hardware',
    family: 'structure',
    defaultSeverity: 'error',
    description: 'Each VirtualSystem has a VirtualHardwareSection with processor and memory, and an OperatingSystemSection',
    messages: {
      noHardware: "VirtualSystem '{{id}}' has no VirtualHardwareSection",
      noCpu: "VirtualSystem '{{id}}' declares no processor Item (ResourceType 3)",
      noMemory: "VirtualSystem '{{id}}' declares no memory Item (ResourceType 4)",
      noOs: "VirtualSystem '{{id}}' has no OperatingSystemSection",
      multiCpu: "VirtualSystem '{{id}}' declares {{count}} processor Items for the same configuration",
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
      if (!items.some((i) => i.resourceType === ResourceType.Processor)) ctx.report({ messageId: 'noCpu', ...at });
      if (!items.some((i) => i.resourceType === ResourceType.Memory)) ctx.report({ messageId: 'noMemory', ...at });
      if (!node.operatingSystem) ctx.report({ messageId: 'noOs', severity: 'warning', ...at });
    }
  },
});
