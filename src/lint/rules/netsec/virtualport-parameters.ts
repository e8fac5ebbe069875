/**
 * Port profiles embedded in a package: the virtualport parameters each type
 * takes, exactly as libvirt enforces them (src/util/virnetdevvportprofile.c,
 * src/conf/netdev_vport_profile_conf.c): 802.1Qbg managerid/typeid/
 * typeidversion/instanceid, 802.1Qbh profileid, openvswitch interfaceid/
 * profileid, midonet interfaceid; extra parameters rejected. The checks live
 * in src/netsec/profiles/validate.ts; this rule reports them.
 */
import { netsecOf } from '../../../netsec/view.js';
import { PROFILE_MESSAGES } from '../../../netsec/profiles/validate.js';
import { collectFindings } from '../../collect-findings.js';
import type { DescriptorTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';

export default defineRule<DescriptorTarget>({
  meta: {
    id: 'virtualport-parameters',
    family: 'virtualport',
    defaultSeverity: 'error',
    description: 'Virtualport parameters match their type (802.1Qbg, 802.1Qbh, openvswitch, midonet); extras are rejected',
    messages: PROFILE_MESSAGES['virtualport-parameters'],
  },
  scope: 'descriptor',
  check({ envelope }, ctx) {
    collectFindings(ctx, 'virtualport-parameters', netsecOf(envelope).profileDiagnostics);
  },
});
