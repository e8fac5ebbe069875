/**
 * A Binding must name a NIC that exists: an Ethernet Item's rasd:InstanceID
 * or a Network that some NIC connects to (PRODUCT.md §3). A binding that
 * matches nothing silently leaves a NIC unprotected.
 */
import { netsecOf } from '../../../netsec/view.js';
import type { DescriptorTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';

export default defineRule<DescriptorTarget>({
  meta: {
    id: 'binding-nic',
    family: 'binding',
    defaultSeverity: 'error',
    description: 'Every Binding names an existing NIC (by InstanceID or network), and no NIC is bound twice',
    messages: {
      noSuchNic: "Binding for NIC '{{nic}}' matches no NIC{{scope}}: no Ethernet Item has that InstanceID and no NIC connects to a network of that name",
      boundTwice: 'NIC {{nic}} is bound twice in the same scope; the later Binding wins',
    },
  },
  scope: 'descriptor',
  check({ envelope }, ctx) {
    const { view } = netsecOf(envelope);
    for (const { binding, section } of view.unmatched) {
      if (!binding.nic) continue; // reported by netsec-section
      const scope = section.virtualSystemId ? ` in VirtualSystem '${section.virtualSystemId}'` : '';
      ctx.report({ messageId: 'noSuchNic', data: { nic: binding.nic, scope }, loc: binding.loc, locator: `Binding[nic=${binding.nic}]` });
    }
    for (const c of view.conflicts) ctx.report({ messageId: 'boundTwice', data: { nic: c.nic.instanceId }, loc: c.second.loc, locator: c.nic.locator, severity: 'warning' });
  },
});
