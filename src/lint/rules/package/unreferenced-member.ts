/**
 * A member that no References File names, and that is not the descriptor,
 * manifest or certificate, is dead weight at best and smuggled content at
 * worst: importers ignore it, and it is not covered by the signature unless
 * the manifest happens to list it (DSP0243 §5.1, §7.1).
 */
import { expandReferences } from '../../../package/layout.js';
import type { DescriptorTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';

export default defineRule<DescriptorTarget>({
  meta: {
    id: 'unreferenced-member',
    family: 'package',
    defaultSeverity: 'warning',
    description: 'Every package member is the descriptor, manifest, certificate or a References file',
    messages: {
      unreferenced: "Member '{{name}}' is not referenced by the descriptor",
    },
  },
  scope: 'descriptor',
  check({ package: pkg, envelope }, ctx) {
    if (!pkg) return;
    const names = new Set(pkg.members.map((m) => m.name));
    const known = new Set(expandReferences(envelope.references, pkg.descriptorName, names).flatMap((e) => e.members));
    for (const n of [pkg.descriptorName, pkg.manifestName, pkg.certificateName]) if (n) known.add(n);
    for (const m of pkg.members) if (!known.has(m.name)) ctx.report({ messageId: 'unreferenced', data: { name: m.name }, loc: envelope.loc, locator: `Package/Member[${m.name}]` });
  },
});
