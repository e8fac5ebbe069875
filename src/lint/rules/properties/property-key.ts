/**
 * DSP0243 §9.5: every Property has an `ovf:key`, unique within its
 * ProductSection's class/instance scope, without '.' or ':'. The OVF
 * environment names a property `[class.]key[.instance]`, so a dotted key can
 * make two different properties share one environment name.
 */
import { idTooLong, MAX_ID_LENGTH } from '../../../ovf/limits.js';
import { abbreviate } from '../../../strings.js';
import type { DescriptorTarget, RuleContext } from '../../rule.js';
import { defineRule } from '../../rule.js';
import { environmentKey, properties, sectionScope, type PropertyEntry } from '../../../ovf/properties/walk.js';

function checkCharacters(e: PropertyEntry, ctx: RuleContext): void {
  const { key } = e.property;
  const at = { loc: e.property.loc, locator: e.propertyLocator };
  if (idTooLong(key)) ctx.report({ messageId: 'tooLong', data: { key: abbreviate(key), length: key.length, max: MAX_ID_LENGTH }, ...at });
  if (key.includes(':')) ctx.report({ messageId: 'colon', data: { key }, ...at });
  // vSphere and ovftool accept dotted keys (the `guestinfo.*` convention of VMware appliances):
  // a warning; `allowPeriod: true` allows them outright, `allowPeriod: false` asks for the rule's own level.
  const allowPeriod = ctx.options['allowPeriod'];
  if (key.includes('.') && allowPeriod !== true) ctx.report({ messageId: 'period', data: { key }, severity: allowPeriod === false ? undefined : 'warning', ...at });
  if (/[\s\p{Cc}]/u.test(key)) ctx.report({ messageId: 'whitespace', data: { key }, severity: 'warning', ...at });
}

/** Per entity (Content node): first property seen for each scoped key and each environment name. */
interface Seen {
  byScopedKey: Map<string, PropertyEntry>;
  byEnvironmentKey: Map<string, PropertyEntry>;
}

function checkUniqueness(e: PropertyEntry, seen: Seen, ctx: RuleContext): void {
  const { key } = e.property;
  const at = { loc: e.property.loc, locator: e.propertyLocator };
  const scoped = `${sectionScope(e.section)}\u0000${key}`;
  const first = seen.byScopedKey.get(scoped);
  if (first) {
    ctx.report({ messageId: 'duplicate', data: { key, line: first.property.loc.line }, ...at });
    return;
  }
  seen.byScopedKey.set(scoped, e);
  const envKey = environmentKey(e.section, key);
  const clash = seen.byEnvironmentKey.get(envKey);
  if (clash) ctx.report({ messageId: 'environmentClash', data: { key, name: envKey, other: clash.propertyLocator }, ...at });
  else seen.byEnvironmentKey.set(envKey, e);
}

export default defineRule<DescriptorTarget>({
  meta: {
    id: 'property-key',
    family: 'properties',
    defaultSeverity: 'error',
    description: 'Property keys are present, unique in their ProductSection scope, and contain no period or colon',
    messages: {
      missing: 'Property has no ovf:key (or it is empty)',
      duplicate: "Property key '{{key}}' is already used in this ProductSection scope (line {{line}})",
      colon: "Property key '{{key}}' contains ':', which DSP0243 §9.5 forbids",
      period: "Property key '{{key}}' contains '.', which DSP0243 §9.5 forbids: the OVF environment joins class, key and instance with '.'",
      whitespace: "Property key '{{key}}' contains whitespace or control characters",
      tooLong: "Property key '{{key}}' is {{length}} characters long; an OVF environment key is at most {{max}}",
      environmentClash: "Property key '{{key}}' gives the OVF environment name '{{name}}', which {{other}} also has",
    },
    options: {
      allowPeriod: {
        type: 'boolean',
        description: "true: a '.' in a key is not reported at all; false: it is reported at the rule's level; unset: a warning",
      },
    },
  },
  scope: 'descriptor',
  check({ envelope }, ctx) {
    const perContent = new Map<unknown, Seen>();
    for (const e of properties(envelope)) {
      if (e.property.key.trim() === '') {
        ctx.report({ messageId: 'missing', loc: e.property.loc, locator: e.propertyLocator });
        continue;
      }
      checkCharacters(e, ctx);
      let seen = perContent.get(e.content);
      if (!seen) perContent.set(e.content, (seen = { byScopedKey: new Map(), byEnvironmentKey: new Map() }));
      checkUniqueness(e, seen, ctx);
    }
  },
});
