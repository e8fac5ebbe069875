/**
 * DSP0243 §9.1 DiskSection: ovf:capacity is an integer in
 * ovf:capacityAllocationUnits (default bytes) or a `${property}` reference;
 * ovf:fileRef names a File; ovf:populatedSize never exceeds the capacity.
 */
import { byteUnitMultiplier } from '../../../ovf/units.js';
import { contentWithParents } from '../../../ovf/locators.js';
import type { DescriptorTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';

export default defineRule<DescriptorTarget>({
  meta: {
    id: 'disk-capacity',
    family: 'structure',
    defaultSeverity: 'error',
    description: 'Disk capacity, units, populatedSize and fileRef are valid and consistent',
    messages: {
      missingCapacity: "Disk '{{id}}' has no ovf:capacity",
      badCapacity: "Disk '{{id}}' capacity '{{capacity}}' is neither an unsigned integer nor a ${property} reference",
      unknownProperty: "Disk '{{id}}' capacity refers to property '{{key}}', which no ProductSection declares",
      badUnits: "Disk '{{id}}' capacityAllocationUnits '{{units}}' is not a byte unit such as 'byte * 2^30'",
      zeroCapacity: "Disk '{{id}}' has a capacity of 0 bytes",
      populatedTooBig: "Disk '{{id}}' populatedSize {{populated}} exceeds its capacity of {{capacity}} bytes",
      badPopulated: "Disk '{{id}}' populatedSize '{{populated}}' is not an unsigned integer",
      unknownFileRef: "Disk '{{id}}' fileRef '{{ref}}' names no File in References",
      unknownParent: "Disk '{{id}}' parentRef '{{ref}}' names no Disk",
    },
  },
  scope: 'descriptor',
  check({ envelope }, ctx) {
    const fileIds = new Set(envelope.references.map((f) => f.id));
    const diskIds = new Set(envelope.disks.map((d) => d.diskId));
    const propertyKeys = new Set<string>();
    for (const { node } of contentWithParents(envelope.content))
      for (const ps of node.productSections)
        for (const p of ps.properties) {
          propertyKeys.add(p.key);
          if (ps.class) propertyKeys.add(`${ps.class}.${p.key}${ps.instance ? `.${ps.instance}` : ''}`);
        }
    for (const d of envelope.disks) {
      const at = { loc: d.loc, locator: `DiskSection/Disk[${d.diskId || '?'}]` };
      const id = d.diskId;
      if (!d.capacity) ctx.report({ messageId: 'missingCapacity', data: { id }, ...at });
      else if (/^\$\{.+\}$/.test(d.capacity)) {
        const key = d.capacity.slice(2, -1);
        if (!propertyKeys.has(key)) ctx.report({ messageId: 'unknownProperty', data: { id, key }, ...at });
      } else if (!/^\d+$/.test(d.capacity)) ctx.report({ messageId: 'badCapacity', data: { id, capacity: d.capacity }, ...at });
      else if (d.capacityBytes === 0) ctx.report({ messageId: 'zeroCapacity', data: { id }, severity: 'warning', ...at });
      if (d.capacityAllocationUnits !== undefined && byteUnitMultiplier(d.capacityAllocationUnits) === undefined)
        ctx.report({ messageId: 'badUnits', data: { id, units: d.capacityAllocationUnits }, ...at });
      if (d.populatedSizeText !== undefined && d.populatedSize === undefined)
        ctx.report({ messageId: 'badPopulated', data: { id, populated: d.populatedSizeText }, ...at });
      else if (d.populatedSize !== undefined && d.capacityBytes !== undefined && d.populatedSize > d.capacityBytes)
        ctx.report({ messageId: 'populatedTooBig', data: { id, populated: d.populatedSize, capacity: d.capacityBytes }, ...at });
      // An empty fileRef (seen in vCenter exports) means "no file": an empty disk.
      if (d.fileRef === '') ctx.report({ messageId: 'unknownFileRef', data: { id, ref: d.fileRef }, severity: 'warning', ...at });
      else if (d.fileRef !== undefined && !fileIds.has(d.fileRef)) ctx.report({ messageId: 'unknownFileRef', data: { id, ref: d.fileRef }, ...at });
      if (d.parentRef !== undefined && !diskIds.has(d.parentRef)) ctx.report({ messageId: 'unknownParent', data: { id, ref: d.parentRef }, ...at });
    }
  },
});
