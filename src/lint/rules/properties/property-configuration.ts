/**
 * DSP0243 §9.8 DeploymentOptionSection: Configuration ids are unique, at most
 * one Configuration is `ovf:default="true"` (with none, the first is the
 * default), and every `ovf:configuration` reference — on Items, on Property
 * `<Value>`s (§9.5) and on the OVF 2.x elements that carry it — names a
 * declared Configuration.
 */
import type { Envelope } from '../../../ovf/model.js';
import type { DescriptorTarget, RuleContext } from '../../rule.js';
import { defineRule } from '../../rule.js';
import { configurationRefs, deploymentOptionSections } from '../../../ovf/properties/configuration-refs.js';
import { properties } from '../../../ovf/properties/walk.js';

function configurationLocator(id: string): string {
  return `DeploymentOptionSection/Configuration[${id || '?'}]`;
}

function checkDeclarations(envelope: Envelope, ctx: RuleContext): void {
  for (const section of deploymentOptionSections(envelope.root))
    if (!section.children.some((c) => c.local === 'Configuration'))
      ctx.report({ messageId: 'emptySection', loc: { line: section.line, column: section.column }, locator: 'DeploymentOptionSection', severity: 'warning' });
  const seen = new Set<string>();
  for (const c of envelope.configurations) {
    const at = { loc: c.loc, locator: configurationLocator(c.id) };
    if (c.id.trim() === '') ctx.report({ messageId: 'missingId', ...at });
    else if (seen.has(c.id)) ctx.report({ messageId: 'duplicateId', data: { id: c.id }, ...at });
    seen.add(c.id);
  }
  const defaults = envelope.configurations.filter((c) => c.isDefault);
  for (const extra of defaults.slice(1)) ctx.report({ messageId: 'multipleDefaults', data: { id: extra.id, first: defaults[0]!.id }, loc: extra.loc, locator: configurationLocator(extra.id) });
  const first = envelope.configurations[0];
  if (defaults.length === 0 && first !== undefined && envelope.configurations.length > 1)
    ctx.report({ messageId: 'noDefault', data: { id: first.id }, loc: first.loc, locator: configurationLocator(first.id), severity: 'info' });
}

function checkReferences(envelope: Envelope, ctx: RuleContext): void {
  const declared = new Set(envelope.configurations.map((c) => c.id));
  for (const ref of configurationRefs(envelope.root, envelope.ns))
    for (const id of ref.ids)
      if (!declared.has(id))
        ctx.report({
          messageId: declared.size === 0 ? 'noSection' : 'unknown',
          data: { id },
          loc: { line: ref.line, column: ref.column },
          locator: ref.locator,
        });
}

function checkValues(envelope: Envelope, ctx: RuleContext): void {
  for (const { property, propertyLocator } of properties(envelope)) {
    const seen = new Set<string>();
    for (const v of property.values) {
      const cfg = v.configuration?.trim() ?? '';
      const at = { loc: v.loc, locator: `${propertyLocator}/Value${cfg ? `[configuration=${cfg}]` : ''}` };
      if (cfg === '') ctx.report({ messageId: 'valueWithoutConfiguration', severity: 'warning', ...at });
      else if (seen.has(cfg)) ctx.report({ messageId: 'duplicateValue', data: { id: cfg }, severity: 'warning', ...at });
      seen.add(cfg);
    }
  }
}

export default defineRule<DescriptorTarget>({
  meta: {
    id: 'property-configuration',
    family: 'properties',
    defaultSeverity: 'error',
    description: 'Deployment configurations are unique, have at most one default, and every ovf:configuration reference names one',
    messages: {
      emptySection: 'DeploymentOptionSection declares no Configuration',
      missingId: 'Configuration has no ovf:id',
      duplicateId: "Configuration id '{{id}}' is declared more than once",
      multipleDefaults: "Configuration '{{id}}' is marked ovf:default=\"true\", but so is '{{first}}'; at most one may be the default",
      noDefault: 'No Configuration is marked ovf:default="true"; the first, \'{{id}}\', is the default',
      unknown: "ovf:configuration names '{{id}}', which is not a Configuration in the DeploymentOptionSection",
      noSection: "ovf:configuration names '{{id}}', but the Envelope has no DeploymentOptionSection",
      valueWithoutConfiguration: 'Value has no ovf:configuration, so it applies to no configuration',
      duplicateValue: "Property has more than one Value for configuration '{{id}}'; tools disagree on which wins",
    },
  },
  scope: 'descriptor',
  check({ envelope }, ctx) {
    checkDeclarations(envelope, ctx);
    checkReferences(envelope, ctx);
    checkValues(envelope, ctx);
  },
});
