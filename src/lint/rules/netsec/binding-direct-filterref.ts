/**
 * libvirt applies nwfilter rules on the host's tap/bridge path; for an
 * interface of type 'direct' (macvtap, e.g. VEPA towards an 802.1Qbg switch)
 * it ignores <filterref> (libvirt formatnwfilter: "filtering is not
 * supported on direct interfaces"). Such a binding protects nothing on the
 * host: the switch's VSI profile must do it.
 */
import { netsecOf } from '../../../netsec/view.js';
import type { DescriptorTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';

export default defineRule<DescriptorTarget>({
  meta: {
    id: 'binding-direct-filterref',
    family: 'binding',
    defaultSeverity: 'warning',
    description: "A filter bound to a NIC whose profile uses mode 'direct' is ignored by libvirt",
    messages: {
      ignored: "NIC {{nic}} uses profile '{{profile}}' (mode direct{{sourceMode}}); libvirt ignores filter '{{filter}}' on direct interfaces",
    },
  },
  scope: 'descriptor',
  check({ envelope }, ctx) {
    for (const b of netsecOf(envelope).view.bindings) {
      if (b.filterName === undefined || b.profile?.mode !== 'direct') continue;
      ctx.report({
        messageId: 'ignored',
        data: { nic: b.nic.instanceId, profile: b.profile.name, filter: b.filterName, sourceMode: b.profile.sourceMode ? `/${b.profile.sourceMode}` : '' },
        loc: b.binding?.loc,
        locator: b.nic.locator,
      });
    }
  },
});
