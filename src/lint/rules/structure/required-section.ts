/**
 * DSP0243 §9 (ovf:required): a section this consumer does not understand and
 * that is marked required (the default) must make the deployment fail, since
 * the author said the VM depends on it. Vendor sections marked
 * ovf:required="false" are fine.
 */
import { contentWithParents } from '../../locators.js';
import type { DescriptorTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';

export default defineRule<DescriptorTarget>({
  meta: {
    id: 'required-section',
    family: 'structure',
    defaultSeverity: 'error',
    description: 'No unknown section is marked ovf:required (the default is required)',
    messages: {
      unknownRequired: "Unknown section {{section}} is required (set ovf:required=\"false\" if deployers may ignore it)",
    },
  },
  scope: 'descriptor',
  check({ envelope }, ctx) {
    const all = [
      ...envelope.unknownSections.map((u) => ({ u, locator: u.qname })),
      ...[...contentWithParents(envelope.content)].flatMap(({ node, locator }) => node.unknownSections.map((u) => ({ u, locator: `${locator}/${u.qname}` }))),
    ];
    for (const { u, locator } of all) {
      // Elements in foreign namespaces that are not sections (no Info, e.g. vendor attributes-as-elements) are only warned about.
      if (!u.required) continue;
      ctx.report({
        messageId: 'unknownRequired',
        data: { section: u.qname },
        loc: u.loc,
        locator,
        severity: u.local.endsWith('Section') ? undefined : 'warning',
      });
    }
  },
});
