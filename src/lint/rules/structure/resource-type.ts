/**
 * DSP1041 ResourceType: an unsigned integer from the DMTF value map
 * (1..35) or the vendor range 0x8000..0xFFFF. Without it a consumer cannot
 * tell a disk from a NIC. Items that ovftool would reject are errors.
 */
import { isKnownResourceType } from '../../../ovf/cim.js';
import { contentWithParents, itemLocator } from '../../../ovf/locators.js';
import type { DescriptorTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';

export default defineRule<DescriptorTarget>({
  meta: {
    id: 'resource-type',
    family: 'structure',
    defaultSeverity: 'error',
    description: 'Every Item has a ResourceType from the CIM value map',
    messages: {
      missing: 'Item has no ResourceType',
      notNumber: "ResourceType '{{value}}' is not an unsigned integer",
      unknown: 'ResourceType {{value}} is outside the DMTF value map (1..35) and the vendor range (32768..65535)',
      nicWithoutConnection: 'Ethernet adapter has no Connection; it will not be attached to any network',
    },
  },
  scope: 'descriptor',
  check({ envelope }, ctx) {
    for (const { node, locator } of contentWithParents(envelope.content)) {
      if (node.kind !== 'VirtualSystem') continue;
      for (const vhs of node.virtualHardware)
        for (const item of vhs.items) {
          const at = { loc: item.loc, locator: itemLocator(locator, item) };
          // OVF 2.x EthernetPortItem/StorageItem carry their type implicitly.
          if (item.resourceTypeText === undefined) {
            if (item.element === 'Item') ctx.report({ messageId: 'missing', ...at });
            continue;
          }
          if (item.resourceType === undefined) ctx.report({ messageId: 'notNumber', data: { value: item.resourceTypeText }, ...at });
          else if (!isKnownResourceType(item.resourceType)) ctx.report({ messageId: 'unknown', data: { value: item.resourceType }, ...at });
          else if (item.resourceType === 10 && item.connection.filter(Boolean).length === 0) ctx.report({ messageId: 'nicWithoutConnection', severity: 'warning', ...at });
        }
    }
  },
});
