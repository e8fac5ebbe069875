/**
 * A macro's value has the type its use needs (IPv4 for `IP`, UUID for an
 * 802.1Qbg instanceid, 0..4095 for a VLAN, libvirt's parameter charset for
 * any filter parameter). At lint time this checks the defaults the package
 * itself provides (OVF property values); render and apply check every value.
 */
import { MACRO_MESSAGES } from '../../../macros/resolve.js';
import { collectFindings } from '../../collect-findings.js';
import type { DescriptorTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';
import { resolveNetsecMacros } from './macro-source.js';

export default defineRule<DescriptorTarget>({
  meta: {
    id: 'macro-type',
    family: 'binding',
    defaultSeverity: 'error',
    description: 'Every resolved macro value has the type its use needs (IPv4, MAC, UUID, VLAN, libvirt nwfilter parameter, …)',
    messages: MACRO_MESSAGES['macro-type'],
  },
  scope: 'descriptor',
  check({ envelope }, ctx) {
    collectFindings(ctx, 'macro-type', resolveNetsecMacros(envelope));
  },
});
