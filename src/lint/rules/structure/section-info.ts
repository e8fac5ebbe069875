/**
 * DSP0243 §7.2, §9: every Section and every Content element carries an `<Info>`
 * (the XSD makes it mandatory), so a consumer can describe what it skips.
 * ovftool, vCenter and virt-v2v accept a package without it, so under the
 * severity contract (docs/rules/README.md) this is a warning; `--strict` fails it.
 */
import { contentWithParents } from '../../../ovf/locators.js';
import type { DescriptorTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';

export default defineRule<DescriptorTarget>({
  meta: {
    id: 'section-info',
    family: 'structure',
    defaultSeverity: 'warning',
    description: 'Every section and every VirtualSystem/Collection has an <Info> element',
    messages: {
      sectionNoInfo: '{{section}} has no <Info> element',
      contentNoInfo: "{{kind}} '{{id}}' has no <Info> element",
    },
  },
  scope: 'descriptor',
  check({ envelope }, ctx) {
    for (const s of envelope.sectionOrder) if (!s.hasInfo) ctx.report({ messageId: 'sectionNoInfo', data: { section: s.local }, loc: s.loc, locator: s.local });
    for (const u of envelope.unknownSections) if (!u.hasInfo) ctx.report({ messageId: 'sectionNoInfo', data: { section: u.qname }, loc: u.loc, locator: u.qname });
    for (const { node, locator } of contentWithParents(envelope.content)) {
      if (node.info === undefined) ctx.report({ messageId: 'contentNoInfo', data: { kind: node.kind, id: node.id }, loc: node.loc, locator });
      for (const s of node.sectionOrder) if (!s.hasInfo) ctx.report({ messageId: 'sectionNoInfo', data: { section: s.local }, loc: s.loc, locator: `${locator}/${s.local}` });
    }
  },
});
