/**
 * DSP0243 §9.4 and DSP0004 Annex C.1: memory quantities use programmatic byte
 * units (`byte * 2^20`, or legacy `MegaBytes`); processor counts are positive
 * integers. Wrong units silently give a VM 1024× too much or too little memory.
 */
import { byteUnitMultiplier, parseUnsigned } from '../../../ovf/units.js';
import { ResourceType } from '../../../ovf/cim.js';
import { contentWithParents, itemLocator } from '../../../ovf/locators.js';
import type { DescriptorTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';

export default defineRule<DescriptorTarget>({
  meta: {
    id: 'allocation-units',
    family: 'structure',
    defaultSeverity: 'error',
    description: 'Memory and processor Items have valid quantities and allocation units',
    messages: {
      memoryUnits: "Memory AllocationUnits '{{units}}' is not a byte unit such as 'byte * 2^20'",
      memoryQuantity: "Memory VirtualQuantity '{{value}}' is not a positive integer",
      memoryTiny: 'Memory is only {{bytes}} bytes; check the AllocationUnits',
      cpuQuantity: "Processor VirtualQuantity '{{value}}' is not a positive integer",
      missingQuantity: '{{what}} Item has no VirtualQuantity',
    },
  },
  scope: 'descriptor',
  check({ envelope }, ctx) {
    for (const { node, locator } of contentWithParents(envelope.content)) {
      if (node.kind !== 'VirtualSystem') continue;
      for (const vhs of node.virtualHardware)
        for (const item of vhs.items) {
          const at = { loc: item.loc, locator: itemLocator(locator, item) };
          // §9.7 range items (ovf:bound min/max) may carry only Reservation/Limit.
          if (item.bound === 'min' || item.bound === 'max') continue;
          if (item.resourceType === ResourceType.Memory) {
            if (item.virtualQuantity === undefined) {
              // A reservation-only Item (vCenter exports) still deploys with the default size.
              const soft = item.reservation !== undefined || item.limit !== undefined;
              ctx.report({ messageId: 'missingQuantity', data: { what: 'Memory' }, severity: soft ? 'warning' : undefined, ...at });
              continue;
            }
            const n = parseUnsigned(item.virtualQuantity);
            const mult = byteUnitMultiplier(item.allocationUnits ?? item.virtualQuantityUnits ?? 'byte * 2^20');
            if (mult === undefined) ctx.report({ messageId: 'memoryUnits', data: { units: item.allocationUnits ?? '' }, ...at });
            if (n === undefined || n === 0) ctx.report({ messageId: 'memoryQuantity', data: { value: item.virtualQuantity }, ...at });
            else if (mult !== undefined && n * mult < 1024 * 1024)
              ctx.report({ messageId: 'memoryTiny', data: { bytes: n * mult }, severity: 'warning', ...at });
          } else if (item.resourceType === ResourceType.Processor) {
            if (item.virtualQuantity === undefined) {
              ctx.report({ messageId: 'missingQuantity', data: { what: 'Processor' }, ...at });
              continue;
            }
            const n = parseUnsigned(item.virtualQuantity);
            if (n === undefined || n === 0) ctx.report({ messageId: 'cpuQuantity', data: { value: item.virtualQuantity }, ...at });
          }
        }
    }
  },
});
