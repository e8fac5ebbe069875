/**
 * Bindings (and OVF 2.x profile references) must name a filter or port
 * profile that exists: an embedded filter visible to the VM, or one of
 * libvirt's built-in filters; a profile defined in a visible section. An
 * unknown filter makes `virsh define` fail on the host, far from the cause.
 */
import { isBuiltinFilter } from '../../../netsec/nwfilter/builtins.js';
import { netsecOf } from '../../../netsec/view.js';
import type { DescriptorTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';

export default defineRule<DescriptorTarget>({
  meta: {
    id: 'binding-reference',
    family: 'binding',
    defaultSeverity: 'error',
    description: 'Every bound filter and profile exists (embedded, or a libvirt built-in filter)',
    messages: {
      unknownFilter: "NIC {{nic}} is bound to filter '{{filter}}', which is neither embedded in the package nor a libvirt built-in",
      unknownProfile: "NIC {{nic}} is bound to port profile '{{profile}}', which no NetworkSecuritySection defines",
      externalProfile: "NIC {{nic}} references port profile '{{profile}}' ({{origin}}), which the package does not define; it must come from the profile catalog",
    },
  },
  scope: 'descriptor',
  check({ envelope }, ctx) {
    const { view } = netsecOf(envelope);
    for (const b of view.bindings) {
      const at = { loc: b.binding?.loc ?? b.nic.item.loc, locator: b.nic.locator };
      const nic = b.nic.instanceId;
      if (b.filterName !== undefined) {
        const known = view.filtersFor(b.nic.vs.id).some((f) => f.name === b.filterName) || isBuiltinFilter(b.filterName);
        if (!known) ctx.report({ messageId: 'unknownFilter', data: { nic, filter: b.filterName }, ...at });
      }
      if (b.profileName !== undefined && !b.profile) {
        if (b.origin === 'epasd' || b.origin === 'network-uri')
          ctx.report({
            messageId: 'externalProfile',
            data: { nic, profile: b.profileName, origin: b.origin === 'epasd' ? 'epasd:NetworkPortProfileID' : 'NetworkPortProfileURI' },
            severity: 'warning',
            ...at,
          });
        else ctx.report({ messageId: 'unknownProfile', data: { nic, profile: b.profileName }, ...at });
      }
    }
  },
});
