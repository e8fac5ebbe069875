/**
 * DSP0243 §9.4 / DSP1041: every Item has an rasd:InstanceID unique within its
 * VirtualHardwareSection. Two exceptions make a repeated id legal: §9.8 lets an
 * Item with ovf:configuration override the unconfigured Item of the same id,
 * and §9.7 ranges repeat the id with ovf:bound min/max/normal.
 */
import { idTooLong, MAX_ID_LENGTH } from '../../../ovf/limits.js';
import { abbreviate } from '../../../strings.js';
import { contentWithParents, itemLocator } from '../../../ovf/locators.js';
import type { DescriptorTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';

export default defineRule<DescriptorTarget>({
  meta: {
    id: 'instance-id',
    family: 'structure',
    defaultSeverity: 'error',
    description: 'Every Item has an InstanceID, unique within its VirtualHardwareSection; Parent names an existing Item',
    messages: {
      missing: 'Item {{name}} has no InstanceID',
      duplicate: "InstanceID '{{id}}' is used by more than one Item",
      unknownParent: "Parent '{{parent}}' names no Item in this VirtualHardwareSection",
      selfParent: "Item '{{id}}' names itself as its Parent",
      tooLong: "InstanceID '{{id}}' is {{length}} characters long; ids are at most {{max}}",
    },
  },
  scope: 'descriptor',
  check({ envelope }, ctx) {
    for (const { node, locator } of contentWithParents(envelope.content)) {
      if (node.kind !== 'VirtualSystem') continue;
      for (const vhs of node.virtualHardware) {
        const seen = new Set<string>();
        // One slot per (InstanceID, bound, configuration or "unconfigured"): an Item clashes with an
        // earlier one when it takes a slot already taken. A Set, not a list per id scanned per Item,
        // so N Items sharing one InstanceID cost O(N), not O(N²) (issue #18).
        const slots = new Map<string, { configured: boolean }>();
        for (const item of vhs.items) {
          const at = { loc: item.loc, locator: itemLocator(locator, item) };
          const id = item.instanceId;
          if (id === undefined || id === '') {
            ctx.report({ messageId: 'missing', data: { name: item.elementName ? `'${item.elementName}'` : `(ResourceType ${item.resourceTypeText ?? '?'})` }, ...at });
            continue;
          }
          if (idTooLong(id)) ctx.report({ messageId: 'tooLong', data: { id: abbreviate(id), length: id.length, max: MAX_ID_LENGTH }, ...at });
          const keys = slotKeys(id, item.bound ?? 'normal', item.configuration);
          const clash = keys.map((k) => slots.get(k)).find((x) => x !== undefined);
          // Two configured Items covering one configuration are ambiguous (ovftool takes the last): a warning.
          if (clash) ctx.report({ messageId: 'duplicate', data: { id }, severity: clash.configured ? 'warning' : undefined, ...at });
          for (const k of keys) slots.set(k, { configured: item.configuration !== undefined });
          seen.add(id);
        }
        for (const item of vhs.items) {
          if (item.parent === undefined || item.parent === '') continue;
          const at = { loc: item.loc, locator: itemLocator(locator, item) };
          if (item.parent === item.instanceId) ctx.report({ messageId: 'selfParent', data: { id: item.parent }, ...at });
          else if (!seen.has(item.parent)) ctx.report({ messageId: 'unknownParent', data: { parent: item.parent }, ...at });
        }
      }
    }
  },
});

/**
 * The slots an Item takes. Two Items collide when both are unconfigured, or both name a
 * common configuration (§9.8), at the same bound (§9.7).
 */
function slotKeys(id: string, bound: string, configuration: string[] | undefined): string[] {
  const base = `${id}\u0000${bound}\u0000`;
  return configuration === undefined ? [`${base}*`] : configuration.map((c) => `${base}=${c}`);
}
