/**
 * DSP0243 §9.2 and §9.4: an Item's rasd:Connection names a Network declared in
 * the NetworkSection; otherwise deployers cannot map the NIC to a host network.
 * Only NIC Items (ResourceType 10, or a 2.x EthernetPortItem) are checked.
 */
import { itemLocator, contentWithParents } from '../../../ovf/locators.js';
import type { DescriptorTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';
import { ResourceType } from '../../../ovf/cim.js';

export default defineRule<DescriptorTarget>({
  meta: {
    id: 'network-connection',
    family: 'structure',
    defaultSeverity: 'error',
    description: 'Every NIC Connection names a Network in the NetworkSection; networks have unique names',
    messages: {
      unknownNetwork: "Connection '{{network}}' names no Network in the NetworkSection",
      noNetworkSection: "Connection '{{network}}' is used but the Envelope has no NetworkSection",
      duplicateNetwork: "Network '{{network}}' is declared more than once",
      unnamedNetwork: 'Network has no ovf:name',
      unusedNetwork: "Network '{{network}}' is declared but no NIC connects to it",
    },
  },
  scope: 'descriptor',
  check({ envelope }, ctx) {
    const names = new Set<string>();
    for (const n of envelope.networks) {
      const locator = `NetworkSection/Network[${n.name || '?'}]`;
      if (!n.name) ctx.report({ messageId: 'unnamedNetwork', loc: n.loc, locator });
      else if (names.has(n.name)) ctx.report({ messageId: 'duplicateNetwork', data: { network: n.name }, loc: n.loc, locator });
      names.add(n.name);
    }
    const used = new Set<string>();
    for (const { node, locator } of contentWithParents(envelope.content)) {
      if (node.kind !== 'VirtualSystem') continue;
      for (const vhs of node.virtualHardware)
        for (const item of vhs.items) {
          // Only a NIC connects to a network. Other Items carry rasd:Connection too (VMware writes
          // a CD-ROM's backing there, XenServer other things), and consumers ignore it on them.
          const isNic = item.resourceType === ResourceType.EthernetAdapter || item.element === 'EthernetPortItem';
          if (!isNic) continue;
          for (const c of item.connection) {
            if (c === '') continue;
            used.add(c);
            if (names.has(c)) continue;
            ctx.report({ messageId: envelope.networkSectionPresent ? 'unknownNetwork' : 'noNetworkSection', data: { network: c }, loc: item.loc, locator: itemLocator(locator, item) });
          }
        }
    }
    for (const n of envelope.networks)
      if (n.name && !used.has(n.name)) ctx.report({ messageId: 'unusedNetwork', data: { network: n.name }, loc: n.loc, locator: `NetworkSection/Network[${n.name}]`, severity: 'info' });
  },
});
