/**
 * DSP0243 §9.4 and DSP0004 Annex C.1: memory quantities use programmatic byte
 * units (`byte * 2^20`, or legacy `MegaBytes`); processor counts are positive
 * integers. Wrong units silently give a VM 1024× too much or too little memory.
 */
import type { Item } from '../../../ovf/model.js';
import { MAX_BYTE_MULTIPLIER, MAX_HERTZ_MULTIPLIER, MAX_UNITS_LENGTH, parseByteUnits, parseHertzUnits, parseUnsigned, scaledQuantity } from '../../../ovf/units.js';
import { abbreviate } from '../../../strings.js';
import { ResourceType } from '../../../ovf/cim.js';
import { contentWithParents, itemLocator } from '../../../ovf/locators.js';
import type { DescriptorTarget, ReportSpec, RuleContext } from '../../rule.js';
import { defineRule } from '../../rule.js';

export default defineRule<DescriptorTarget>({
  meta: {
    id: 'allocation-units',
    family: 'structure',
    defaultSeverity: 'error',
    description: 'Memory and processor Items have valid quantities and allocation units',
    messages: {
      memoryUnits: "Memory AllocationUnits '{{units}}' is not a byte unit such as 'byte * 2^20'",
      memoryUnitsRange: "Memory AllocationUnits '{{units}}' is not a whole number of bytes between 1 and {{max}}",
      memoryTooLarge: "Memory VirtualQuantity '{{value}}' in '{{units}}' is more bytes than can be represented exactly",
      cpuUnits: "Processor AllocationUnits '{{units}}' is not a frequency unit such as 'hertz * 10^6'",
      cpuUnitsRange: "Processor AllocationUnits '{{units}}' is not a whole number of hertz between 1 and {{max}}",
      emptyUnits: '{{what}} AllocationUnits is empty; it was read as {{readAs}}',
      unitsTooLong: '{{what}} AllocationUnits is {{length}} characters long; a unit has at most {{max}}',
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
            const mult = checkMemoryUnits(item, at, ctx);
            const bytes = scaledQuantity(n, mult);
            if (n === undefined || n === 0) ctx.report({ messageId: 'memoryQuantity', data: { value: abbreviate(item.virtualQuantity) }, ...at });
            else if (mult !== undefined && bytes === undefined) ctx.report({ messageId: 'memoryTooLarge', data: { value: item.virtualQuantity, units: abbreviate(unitsOf(item)) }, ...at });
            else if (bytes !== undefined && bytes < 1024 * 1024) ctx.report({ messageId: 'memoryTiny', data: { bytes }, severity: 'warning', ...at });
          } else if (item.resourceType === ResourceType.Processor) {
            if (item.virtualQuantity === undefined) {
              ctx.report({ messageId: 'missingQuantity', data: { what: 'Processor' }, ...at });
              continue;
            }
            const n = parseUnsigned(item.virtualQuantity);
            if (n === undefined || n === 0) ctx.report({ messageId: 'cpuQuantity', data: { value: abbreviate(item.virtualQuantity) }, ...at });
            checkProcessorUnits(item, at, ctx);
          }
        }
    }
  },
});

type At = Pick<ReportSpec, 'loc' | 'locator'>;

/** The memory Item's unit: AllocationUnits, else VirtualQuantityUnits (DSP1041), else megabytes; an empty one counts as absent (as render reads it). */
function unitsOf(item: Item): string {
  const stated = [item.allocationUnits, item.virtualQuantityUnits].find((u) => u !== undefined && u.trim() !== '');
  return stated ?? 'byte * 2^20';
}

/** Reports a memory unit that is too long, not a byte unit, or out of range; returns the multiplier when usable. */
function checkMemoryUnits(item: Item, at: At, ctx: RuleContext): number | undefined {
  // Render reads an empty unit as absent (megabytes); say so rather than guess silently.
  if ([item.allocationUnits, item.virtualQuantityUnits].some((u) => u !== undefined && u.trim() === ''))
    ctx.report({ messageId: 'emptyUnits', data: { what: 'Memory', readAs: unitsOf(item) }, severity: 'warning', ...at });
  const units = unitsOf(item);
  const r = parseByteUnits(units);
  if (r.ok) return r.multiplier;
  if (r.problem === 'too-long') ctx.report({ messageId: 'unitsTooLong', data: { what: 'Memory', length: units.length, max: MAX_UNITS_LENGTH }, ...at });
  else if (r.problem === 'range') ctx.report({ messageId: 'memoryUnitsRange', data: { units, max: MAX_BYTE_MULTIPLIER }, ...at });
  else ctx.report({ messageId: 'memoryUnits', data: { units: abbreviate(item.allocationUnits ?? units) }, ...at });
  return undefined;
}

/**
 * Processor AllocationUnits (`hertz * 10^6`) sizes reservations and limits. An absurd
 * one (too long, or a multiplier past 10^12) is an error; an unknown name is a warning,
 * since the vCPU count does not depend on it.
 */
function checkProcessorUnits(item: Item, at: At, ctx: RuleContext): void {
  const units = item.allocationUnits;
  if (units === undefined) return;
  const r = parseHertzUnits(units);
  if (r.ok) return;
  if (r.problem === 'empty') ctx.report({ messageId: 'emptyUnits', data: { what: 'Processor', readAs: 'unused (the vCPU count does not depend on it)' }, severity: 'warning', ...at });
  else if (r.problem === 'too-long') ctx.report({ messageId: 'unitsTooLong', data: { what: 'Processor', length: units.length, max: MAX_UNITS_LENGTH }, ...at });
  else if (r.problem === 'range') ctx.report({ messageId: 'cpuUnitsRange', data: { units, max: MAX_HERTZ_MULTIPLIER }, ...at });
  else ctx.report({ messageId: 'cpuUnits', data: { units: abbreviate(units) }, severity: 'warning', ...at });
}
