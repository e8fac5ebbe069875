/**
 * DSP0243 §7.2 and §9.1: Content ids, Disk ids and Configuration ids are unique
 * within the descriptor; OVF tools match on them, so a duplicate silently picks one.
 */
import { contentWithParents } from '../../../ovf/locators.js';
import type { DescriptorTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';

export default defineRule<DescriptorTarget>({
  meta: {
    id: 'unique-ids',
    family: 'structure',
    defaultSeverity: 'error',
    description: 'VirtualSystem/Collection ids and Disk ids are present and unique',
    messages: {
      missingContentId: '{{kind}} has no ovf:id',
      duplicateContentId: "{{kind}} id '{{id}}' is used more than once",
      missingDiskId: 'Disk has no ovf:diskId',
      duplicateDiskId: "Disk id '{{id}}' is used more than once",
    },
  },
  scope: 'descriptor',
  check({ envelope }, ctx) {
    const seen = new Set<string>();
    for (const { node, locator } of contentWithParents(envelope.content)) {
      if (!node.id) ctx.report({ messageId: 'missingContentId', data: { kind: node.kind }, loc: node.loc, locator });
      else if (seen.has(node.id)) ctx.report({ messageId: 'duplicateContentId', data: { kind: node.kind, id: node.id }, loc: node.loc, locator });
      seen.add(node.id);
    }
    const disks = new Set<string>();
    for (const d of envelope.disks) {
      const locator = `DiskSection/Disk[${d.diskId || '?'}]`;
      if (!d.diskId) ctx.report({ messageId: 'missingDiskId', loc: d.loc, locator });
      else if (disks.has(d.diskId)) ctx.report({ messageId: 'duplicateDiskId', data: { id: d.diskId }, loc: d.loc, locator });
      disks.add(d.diskId);
    }
  },
});
