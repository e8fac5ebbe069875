/**
 * DSP0243 §9.4 / DSP1041: every Item has an rasd:InstanceID unique within its
 * VirtualHardwareSection. Two exceptions make a repeated id legal: §9.8 lets an
 * Item with ovf:configuration override the unconfigured Item of the same id,
 * and §9.7 ranges repeat the id with ovf:bound min/max/normal.
 */
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
    },
  },
  scope: 'descriptor',
  check({ envelope }, ctx) {
    for (const { node, locator } of contentWithParents(envelope.content)) {
      if (node.kind !== 'VirtualSystem') continue;
      for (const vhs of node.virtualHardware) {
        const seen = new Map<string, Array<{ configuration?: string[]; bound: string }>>();
        for (const item of vhs.items) {
          const at = { loc: item.loc, locator: itemLocator(locator, item) };
          const id = item.instanceId;
          if (id === undefined || id === '') {
            ctx.report({ messageId: 'missing', data: { name: item.elementName ? `'${item.elementName}'` : `(ResourceType ${item.resourceTypeText ?? '?'})` }, ...at });
            continue;
          }
          const bound = item.bound ?? 'normal';
          const prior = seen.get(id) ?? [];
          const clash = prior.find((p) => p.bound === bound && collide(p.configuration, item.configuration));
          // Two configured Items covering one configuration are ambiguous (ovftool takes the last): a warning.
          if (clash) ctx.report({ messageId: 'duplicate', data: { id }, severity: clash.configuration ? 'warning' : undefined, ...at });
          seen.set(id, [...prior, { configuration: item.configuration, bound }]);
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

/** Two items collide when both are unconfigured, or both name a common configuration. */
function collide(a: string[] | undefined, b: string[] | undefined): boolean {
  if (a === undefined && b === undefined) return true;
  if (a === undefined || b === undefined) return false;
  return a.some((x) => b.includes(x));
}
