/**
 * DSP0243 §9.1 DiskSection: ovf:capacity is an integer in
 * ovf:capacityAllocationUnits (default bytes) or a `${property}` reference;
 * ovf:fileRef names a File; ovf:populatedSize never exceeds the capacity.
 */
import { MAX_BYTE_MULTIPLIER, MAX_UNITS_LENGTH, parseByteUnits } from '../../../ovf/units.js';
import { abbreviate } from '../../../strings.js';
import { contentWithParents } from '../../../ovf/locators.js';
import type { Disk } from '../../../ovf/model.js';
import type { DescriptorTarget, ReportSpec, RuleContext } from '../../rule.js';
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
      unitsRange: "Disk '{{id}}' capacityAllocationUnits '{{units}}' is not a whole number of bytes between 1 and {{max}}",
      emptyUnits: "Disk '{{id}}' has an empty capacityAllocationUnits; write the unit (e.g. 'byte * 2^30') or leave the attribute out for bytes",
      unitsTooLong: "Disk '{{id}}' capacityAllocationUnits is {{length}} characters long; a unit has at most {{max}}",
      capacityTooLarge: "Disk '{{id}}' capacity '{{capacity}}' in '{{units}}' is more bytes than can be represented exactly",
      zeroCapacity: "Disk '{{id}}' has a capacity of 0 bytes",
      populatedTooBig: "Disk '{{id}}' populatedSize {{populated}} exceeds its capacity of {{capacity}} bytes",
      badPopulated: "Disk '{{id}}' populatedSize '{{populated}}' is not an unsigned integer",
      populatedTooLarge: "Disk '{{id}}' populatedSize '{{populated}}' is more than 2^53 bytes, past what ovfpipe (and any real disk) handles exactly",
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
      } else if (!/^\d+$/.test(d.capacity)) ctx.report({ messageId: 'badCapacity', data: { id, capacity: abbreviate(d.capacity) }, ...at });
      // A disk of 0 bytes holds nothing, nor the image it names: ovfpipe cannot deploy it faithfully (an error under the contract).
      else if (d.capacityBytes === 0) ctx.report({ messageId: 'zeroCapacity', data: { id }, ...at });
      checkUnits(d, at, ctx);
      if (d.populatedSizeText !== undefined && d.populatedSize === undefined)
        ctx.report({ messageId: /^\s*\d+\s*$/.test(d.populatedSizeText) ? 'populatedTooLarge' : 'badPopulated', data: { id, populated: abbreviate(d.populatedSizeText) }, ...at });
      else if (d.populatedSize !== undefined && d.capacityBytes !== undefined && d.populatedSize > d.capacityBytes)
        ctx.report({ messageId: 'populatedTooBig', data: { id, populated: d.populatedSize, capacity: d.capacityBytes }, ...at });
      // An empty fileRef (seen in vCenter exports) means "no file": an empty disk.
      if (d.fileRef === '') ctx.report({ messageId: 'unknownFileRef', data: { id, ref: d.fileRef }, severity: 'warning', ...at });
      else if (d.fileRef !== undefined && !fileIds.has(d.fileRef)) ctx.report({ messageId: 'unknownFileRef', data: { id, ref: d.fileRef }, ...at });
      if (d.parentRef !== undefined && !diskIds.has(d.parentRef)) ctx.report({ messageId: 'unknownParent', data: { id, ref: d.parentRef }, ...at });
    }
  },
});

/** Reports capacityAllocationUnits that are too long, not a byte unit, or out of range, and a capacity too big to be exact. */
function checkUnits(d: Disk, at: Pick<ReportSpec, 'loc' | 'locator'>, ctx: RuleContext): void {
  const id = d.diskId;
  const units = d.capacityAllocationUnits;
  const parsed = parseByteUnits(units);
  const shown = abbreviate(units ?? 'byte');
  if (!parsed.ok) {
    if (parsed.problem === 'empty') ctx.report({ messageId: 'emptyUnits', data: { id }, ...at });
    else if (parsed.problem === 'too-long') ctx.report({ messageId: 'unitsTooLong', data: { id, length: units?.length ?? 0, max: MAX_UNITS_LENGTH }, ...at });
    else if (parsed.problem === 'range') ctx.report({ messageId: 'unitsRange', data: { id, units: shown, max: MAX_BYTE_MULTIPLIER }, ...at });
    else ctx.report({ messageId: 'badUnits', data: { id, units: shown }, ...at });
  } else if (/^\d+$/.test(d.capacity) && d.capacityBytes === undefined)
    // Digits past 2^53, or a product past it: either way the byte count would not be exact.
    ctx.report({ messageId: 'capacityTooLarge', data: { id, capacity: abbreviate(d.capacity), units: shown }, ...at });
}
