/**
 * DSP0243 §9 (ovf:required): a section this consumer does not understand and
 * that is marked required (the default) must make the deployment fail, since
 * the author said the VM depends on it. Vendor sections marked
 * ovf:required="false" are fine.
 *
 * Under the severity contract (docs/rules/README.md) a vendor section (any
 * namespace that is not an OVF envelope's) left required is a warning:
 * exports from VMware, XenServer and VirtualBox do it, and their consumers
 * accept them. An unknown section in an OVF namespace itself is no DSP0243
 * section at all: an error.
 */
import { isOvfNamespace, NS } from '../../../ovf/versions.js';
import { contentWithParents } from '../../../ovf/locators.js';
import type { DescriptorTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';

export default defineRule<DescriptorTarget>({
  meta: {
    id: 'required-section',
    family: 'structure',
    defaultSeverity: 'error',
    description: 'No unknown section is marked ovf:required (the default is required)',
    messages: {
      vendorRequired: 'VMware section {{section}} is marked required; ovftool understands it, but ovfpipe ignores it on KVM',
      otherVendorRequired: 'Vendor section {{section}} ({{ns}}) is marked required; ovfpipe does not read it and deploys without it (set ovf:required="false" if deployers may ignore it)',
      unknownRequired: 'Unknown section {{section}} is required (set ovf:required="false" if deployers may ignore it)',
    },
  },
  scope: 'descriptor',
  check({ envelope }, ctx) {
    const all = [
      ...envelope.unknownSections.map((u) => ({ u, locator: u.qname })),
      ...[...contentWithParents(envelope.content)].flatMap(({ node, locator }) => node.unknownSections.map((u) => ({ u, locator: `${locator}/${u.qname}` }))),
    ];
    for (const { u, locator } of all) {
      if (!u.required) continue;
      // VMware's own sections are understood by ovftool and vCenter, which wrote
      // them, and many real exports leave them required; a KVM deploy ignores them.
      // Other vendors' sections, and elements that are not sections at all, are
      // warnings too; only an unknown section in an OVF namespace is an error.
      // A generic <Section xsi:type=…> is a section whatever its type is called.
      const notASection = u.element.local !== 'Section' && !u.local.endsWith('Section');
      const vmware = u.ns === NS.vmw || notASection;
      const vendor = !vmware && u.ns !== '' && !isOvfNamespace(u.ns);
      ctx.report({
        messageId: vmware ? 'vendorRequired' : vendor ? 'otherVendorRequired' : 'unknownRequired',
        data: vendor ? { section: u.qname, ns: u.ns } : { section: u.qname },
        loc: u.loc,
        locator,
        severity: vmware || vendor ? 'warning' : undefined,
      });
    }
  },
});
