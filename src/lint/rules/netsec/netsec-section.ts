/**
 * ovfpipe's NetworkSecuritySection (ovf-schema/ovfpipe-netsec.xsd) is well
 * formed: ovf:required="false" and an <Info> (so other OVF tools skip it),
 * only known children, and complete PortProfile and Binding elements.
 */
import { SECTION_MESSAGES } from '../../../netsec/read-section.js';
import { netsecOf } from '../../../netsec/view.js';
import { collectFindings } from '../../collect-findings.js';
import type { DescriptorTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';

export default defineRule<DescriptorTarget>({
  meta: {
    id: 'netsec-section',
    family: 'binding',
    defaultSeverity: 'error',
    description: 'NetworkSecuritySection is optional for other tools, has Info, and holds only filters, profiles and bindings',
    messages: SECTION_MESSAGES,
  },
  scope: 'descriptor',
  check({ envelope }, ctx) {
    collectFindings(ctx, 'netsec-section', netsecOf(envelope).readDiagnostics);
  },
});
