/**
 * DSP0243 §9.5 and §9.8: the default (`ovf:value`) and every per-configuration
 * `<Value>` must be a value of the property's type that meets its qualifiers.
 *
 * An empty value on a user-configurable property is the spec's own way to
 * force a prompt at deployment (§9.5), so it is accepted. An empty or missing
 * value on a property the user cannot change is only a warning: it is what
 * the author wrote, but the guest will receive an invalid value.
 * Values of `ovf:password="true"` properties are never echoed (PRODUCT.md §4).
 */
import type { Property } from '../../../ovf/model.js';
import type { DescriptorTarget, RuleContext } from '../../rule.js';
import { defineRule } from '../../rule.js';
import { resolvePropertyType, type PropertyTypeInfo } from '../../../ovf/properties/property-types.js';
import { interpretQualifiers, type Constraints } from '../../../ovf/properties/qualifiers.js';
import { checkPropertyValue } from '../../../ovf/properties/value-check.js';
import { properties, shownValue, type PropertyEntry } from '../../../ovf/properties/walk.js';

interface Checked {
  value: string | undefined;
  what: string;
  loc: Property['loc'];
  locator: string;
}

function candidates(e: PropertyEntry): Checked[] {
  const p = e.property;
  const out: Checked[] = [{ value: p.defaultValue, what: 'Default value', loc: p.loc, locator: e.propertyLocator }];
  for (const v of p.values) {
    const cfg = v.configuration ?? '';
    out.push({
      value: v.value,
      what: cfg ? `Value for configuration '${cfg}'` : 'Value',
      loc: v.loc,
      locator: `${e.propertyLocator}/Value${cfg ? `[configuration=${cfg}]` : ''}`,
    });
  }
  return out;
}

/**
 * Whitespace around a number or boolean: ovf:value is an xs:string, so it is
 * part of the value, but deployers commonly trim it. Warn, then judge the rest.
 */
function trimmedValue(c: Checked, p: Property, type: PropertyTypeInfo | undefined, ctx: RuleContext): string {
  const value = c.value ?? '';
  if (type === undefined || type.kind === 'string' || type.kind === 'char16' || value.trim() === value) return value;
  ctx.report({ messageId: 'padded', data: { what: c.what, value: shownValue(p, value), type: type.name }, severity: 'warning', loc: c.loc, locator: c.locator });
  return value.trim();
}

function checkOne(c: Checked, p: Property, type: PropertyTypeInfo | undefined, constraints: Constraints, ctx: RuleContext): void {
  if ((c.value ?? '') === '' && p.userConfigurable) return; // §9.5: forces a prompt at deployment
  const value = trimmedValue(c, p, type, ctx);
  const problem = checkPropertyValue(value, type, constraints);
  if (!problem) return;
  const at = { loc: c.loc, locator: c.locator };
  if (c.value === undefined) {
    if (p.values.length > 0) return; // per-configuration Values supply it
    ctx.report({ messageId: 'noDefault', data: { type: type?.name ?? p.type }, severity: 'warning', ...at });
    return;
  }
  ctx.report({
    messageId: problem.messageId,
    data: { ...problem.data, what: c.what, value: shownValue(p, value) },
    severity: value === '' ? 'warning' : undefined,
    ...at,
  });
}

export default defineRule<DescriptorTarget>({
  meta: {
    id: 'property-value',
    family: 'properties',
    defaultSeverity: 'error',
    description: 'Property default values and per-configuration Values conform to the type and qualifiers',
    messages: {
      invalid: "{{what}} '{{value}}' is not a valid {{type}}",
      outOfRange: '{{what}} {{value}} is outside the {{type}} range {{range}}',
      tooShort: "{{what}} '{{value}}' has {{length}} characters, fewer than MinLen({{min}})",
      tooLong: "{{what}} '{{value}}' has {{length}} characters, more than MaxLen({{max}})",
      notInValueMap: "{{what}} '{{value}}' is not in the property's ValueMap",
      belowMinValue: '{{what}} {{value}} is below MinValue({{min}})',
      aboveMaxValue: '{{what}} {{value}} is above MaxValue({{max}})',
      padded: "{{what}} '{{value}}' has whitespace around the {{type}}; deployers may not trim it",
      noDefault: 'Property has no default value and is not user-configurable, so deployment has no valid {{type}} to use',
    },
  },
  scope: 'descriptor',
  check({ envelope }, ctx) {
    for (const e of properties(envelope)) {
      const p = e.property;
      const type = resolvePropertyType(p.type).info;
      const { constraints } = interpretQualifiers(p.qualifiers, type);
      for (const c of candidates(e)) checkOne(c, p, type, constraints, ctx);
    }
  },
});
