/**
 * DSP0243 §5.3: inside an OVA the descriptor comes first, then the manifest
 * and certificate (or both at the very end), then the files in References
 * order. Descriptor-first is what lets an importer stream an OVA without
 * seeking, so it is an error; the rest is conformance and only a warning.
 */
import { checkOvaOrder, expandReferences, OVA_ORDER_MESSAGES } from '../../../package/layout.js';
import type { DescriptorTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';

export default defineRule<DescriptorTarget>({
  meta: {
    id: 'ova-member-order',
    family: 'package',
    defaultSeverity: 'error',
    description: 'OVA members are in DSP0243 §5.3 order: descriptor, manifest, certificate, then References order',
    messages: OVA_ORDER_MESSAGES,
  },
  scope: 'descriptor',
  check({ package: pkg, envelope }, ctx) {
    if (!pkg || (pkg.kind !== 'ova' && pkg.kind !== 'ova-gzip')) return;
    const names = new Set(pkg.members.map((m) => m.name));
    const referenced = expandReferences(envelope.references, pkg.descriptorName, names).flatMap((e) => e.members);
    const problems = checkOvaOrder({
      members: pkg.members,
      descriptorName: pkg.descriptorName,
      manifestName: pkg.manifestName,
      certificateName: pkg.certificateName,
      referenced,
    });
    for (const p of problems)
      ctx.report({
        messageId: p.code,
        data: p.data,
        severity: p.code === 'descriptor-not-first' ? undefined : 'warning',
        loc: envelope.loc,
        locator: `Package/Member[${p.member}]`,
      });
  },
});
