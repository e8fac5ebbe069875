/**
 * DSP0243 §9.4.1: a disk Item's rasd:HostResource is `ovf:/disk/<diskId>` or
 * `ovf:/file/<fileId>` (OVF 0.9 also writes `/disk/<id>`), and must resolve.
 * VMware's `ovf://disk/<id>` is read the same way (as render reads it), with a warning.
 */
import { DISK_LIKE } from '../../../ovf/cim.js';
import { parseHostResourceRef } from '../../../ovf/host-resource-ref.js';
import { contentWithParents, itemLocator } from '../../../ovf/locators.js';
import type { DescriptorTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';

export default defineRule<DescriptorTarget>({
  meta: {
    id: 'host-resource',
    family: 'structure',
    defaultSeverity: 'error',
    description: 'HostResource references resolve to a Disk or a File; disk Items reference at most one',
    messages: {
      unknownDisk: "HostResource '{{ref}}' names no Disk in the DiskSection",
      unknownFile: "HostResource '{{ref}}' names no File in References",
      otherForm: "HostResource '{{ref}}' is not of the form ovf:/disk/<id> or ovf:/file/<id>",
      doubledSlash: "HostResource '{{ref}}' has a doubled slash; it was read as ovf:/{{kind}}/{{id}}",
      diskUsedTwice: "Disk '{{id}}' is attached by more than one Item ({{other}})",
    },
  },
  scope: 'descriptor',
  check({ envelope }, ctx) {
    const disks = new Set(envelope.disks.map((d) => d.diskId));
    const files = new Set(envelope.references.map((f) => f.id));
    for (const { node, locator } of contentWithParents(envelope.content)) {
      if (node.kind !== 'VirtualSystem') continue;
      for (const vhs of node.virtualHardware) {
        const attached = new Map<string, string>();
        for (const item of vhs.items) {
          const at = { loc: item.loc, locator: itemLocator(locator, item) };
          for (const ref of item.hostResource) {
            const parsed = parseHostResourceRef(ref);
            if (!parsed) {
              if (item.resourceType !== undefined && DISK_LIKE.has(item.resourceType) && ref !== '') ctx.report({ messageId: 'otherForm', data: { ref }, severity: 'warning', ...at });
              continue;
            }
            const { kind, id } = parsed;
            if (parsed.doubledSlash) ctx.report({ messageId: 'doubledSlash', data: { ref, kind, id }, severity: 'warning', ...at });
            if (kind === 'disk' && !disks.has(id)) ctx.report({ messageId: 'unknownDisk', data: { ref }, ...at });
            if (kind === 'file' && !files.has(id)) ctx.report({ messageId: 'unknownFile', data: { ref }, ...at });
            if (kind === 'disk' && disks.has(id)) {
              const prev = attached.get(id);
              // Items bound to different deployment configurations may legitimately share a disk.
              if (prev !== undefined && item.configuration === undefined) ctx.report({ messageId: 'diskUsedTwice', data: { id, other: prev }, severity: 'warning', ...at });
              attached.set(id, `InstanceID=${item.instanceId ?? '?'}`);
            }
          }
        }
      }
    }
  },
});
