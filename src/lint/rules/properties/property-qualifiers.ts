/**
 * DSP0243 §9.5: `ovf:qualifiers` is a comma-separated list of type qualifiers:
 * MinLen(n), MaxLen(n) and ValueMap{…} from the qualifier table, plus the
 * DSP0004 bounds MinValue(n) and MaxValue(n). Each must be well formed and
 * apply to the property's type. Unknown qualifiers are warnings; the option
 * `allow: string[]` accepts vendor qualifiers by name.
 */
import type { DescriptorTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';
import { resolvePropertyType } from '../../../ovf/properties/property-types.js';
import { interpretQualifiers } from '../../../ovf/properties/qualifiers.js';
import { properties } from '../../../ovf/properties/walk.js';

function allowedQualifiers(options: Readonly<Record<string, unknown>>): Set<string> {
  const allow = options['allow'];
  return new Set(Array.isArray(allow) ? allow.filter((a): a is string => typeof a === 'string') : []);
}

export default defineRule<DescriptorTarget>({
  meta: {
    id: 'property-qualifiers',
    family: 'properties',
    defaultSeverity: 'error',
    description: 'Property qualifiers are well formed, known, and apply to the property type',
    messages: {
      malformed: "Qualifier '{{text}}' is malformed: {{reason}}",
      separator: "Qualifiers '{{text}}' are separated by whitespace; DSP0243 §9.5 defines a comma-separated list",
      unknown: "Unknown qualifier '{{name}}' (DSP0243 §9.5 knows MinLen, MaxLen, ValueMap; DSP0004 adds MinValue, MaxValue)",
      notApplicable: 'Qualifier {{name}} does not apply to a property of type {{type}}',
      duplicate: 'Qualifier {{name}} is given more than once; the last one wins',
      emptyRange: '{{lower}} is greater than {{upper}}: no value can satisfy both',
      unquotedEntry: 'ValueMap entry {{entry}} is not a quoted string (DSP0004 writes ValueMap{"a","b"})',
      badEntry: "ValueMap entry '{{entry}}' is neither an integer nor an integer range (m..n) for type {{type}}",
      boundOutsideType: '{{name}}({{bound}}) is outside the range of {{type}}',
    },
    options: {
      allow: { type: 'string[]', description: 'vendor qualifier names accepted without a warning (e.g. Ip, Netmask)' },
    },
  },
  scope: 'descriptor',
  check({ envelope }, ctx) {
    const allowed = allowedQualifiers(ctx.options);
    for (const { property, propertyLocator } of properties(envelope)) {
      if (property.qualifiers === undefined) continue;
      const { problems } = interpretQualifiers(property.qualifiers, resolvePropertyType(property.type).info, allowed);
      for (const p of problems) ctx.report({ messageId: p.messageId, data: p.data, loc: property.loc, locator: propertyLocator, severity: p.soft ? 'warning' : undefined });
    }
  },
});
