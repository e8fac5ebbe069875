/**
 * DSP0243 §9.4.1: a disk Item's rasd:HostResource is `ovf:/disk/<diskId>` or
 * `ovf:/file/<fileId>` (OVF 0.9 also writes `/disk/<id>`), and must resolve.
 */
import { DISK_LIKE } from '../../../ovf/cim.js';
import { contentWithParents, itemLocator } from '../../../ovf/locators.js';
import type { DescriptorTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';

const FORM = /^(?:ovf:)?\/(disk|file)\/(.+)$/;

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
            const m = FORM.exec(ref);
            if (!m) {
              if (item.resourceType !== undefined && DISK_LIKE.has(item.resourceType) && ref !== '') ctx.report({ messageId: 'otherForm', data: { ref }, severity: 'warning', ...at });
              continue;
            }
            const [, kind, id] = m as unknown as [string, string, string];
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
