/**
 * DSP0243 §9.5: every Property has an `ovf:type` from the property type table
 * (uint8…uint64, sint8…sint64, boolean, string, char16, real32, real64).
 * OVF marks secrets with `ovf:password="true"`, not with a type.
 */
import type { DescriptorTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';
import { PROPERTY_TYPE_NAMES, resolvePropertyType } from '../../../ovf/properties/property-types.js';
import { properties } from '../../../ovf/properties/walk.js';

const TYPE_LIST = PROPERTY_TYPE_NAMES.join(', ');

export default defineRule<DescriptorTarget>({
  meta: {
    id: 'property-type',
    family: 'properties',
    defaultSeverity: 'error',
    description: 'Property types are DSP0243 property types (uint8…sint64, boolean, string, char16, real32, real64)',
    messages: {
      missing: 'Property has no ovf:type',
      unknown: `Property type '{{type}}' is not an OVF property type (DSP0243 §9.5 allows ${TYPE_LIST})`,
      password: '\'password\' is not an OVF property type: use ovf:type="string" with ovf:password="true"',
      vendor: "Property type '{{type}}' is a VMware vApp type name, not a DSP0243 type; write '{{canonical}}' (or another sized type)",
      case: "Property type '{{type}}' should be written '{{canonical}}'",
    },
  },
  scope: 'descriptor',
  check({ envelope }, ctx) {
    for (const { property, propertyLocator } of properties(envelope)) {
      const t = resolvePropertyType(property.type);
      if (t.problem === undefined) continue;
      const soft = t.problem === 'vendor' || t.problem === 'case';
      ctx.report({
        messageId: t.problem,
        data: { type: property.type, canonical: t.info?.name ?? '' },
        loc: property.loc,
        locator: propertyLocator,
        // vSphere and ovftool accept these spellings; they still are not portable.
        severity: soft ? 'warning' : undefined,
      });
    }
  },
});
