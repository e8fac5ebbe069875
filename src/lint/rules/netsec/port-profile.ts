/**
 * Port profiles embedded in a package: interface mode (direct/bridge/network)
 * compatible with the virtualport type, a source, a macvtap mode only for
 * direct, VLAN tags 0..4095 and bandwidth figures as libvirt parses them
 * (floor only inbound, only on networks). Checks in src/netsec/profiles/validate.ts.
 */
import { netsecOf } from '../../../netsec/view.js';
import { PROFILE_MESSAGES } from '../../../netsec/profiles/validate.js';
import { collectFindings } from '../../collect-findings.js';
import type { DescriptorTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';

export default defineRule<DescriptorTarget>({
  meta: {
    id: 'port-profile',
    family: 'virtualport',
    defaultSeverity: 'error',
    description: 'Port profiles have a valid mode, source, direct mode, VLAN and bandwidth, compatible with their virtualport type',
    messages: PROFILE_MESSAGES['port-profile'],
  },
  scope: 'descriptor',
  check({ envelope }, ctx) {
    collectFindings(ctx, 'port-profile', netsecOf(envelope).profileDiagnostics);
  },
});
