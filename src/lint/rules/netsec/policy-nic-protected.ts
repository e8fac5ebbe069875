/**
 * Policy (off by default): every NIC carries a filter or a VSI profile, so no
 * VM reaches the network unprotected. Options: `{ require: 'either' | 'filter' | 'profile' }`.
 * Enable with `--rule policy-nic-protected=error` or in the lint config.
 */
import { netsecOf } from '../../../netsec/view.js';
import type { DescriptorTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';

export default defineRule<DescriptorTarget>({
  meta: {
    id: 'policy-nic-protected',
    family: 'policy',
    defaultSeverity: 'off',
    description: 'Policy: every NIC carries a filter or a port (VSI) profile',
    messages: {
      unprotected: 'NIC {{nic}} on network {{network}} carries {{missing}}',
    },
    options: {
      require: { type: 'string', enum: ['either', 'filter', 'profile'], description: 'what every NIC must carry: a filter, a port profile, or either (the default)' },
    },
  },
  scope: 'descriptor',
  check({ envelope }, ctx) {
    const require = (ctx.options['require'] as string | undefined) ?? 'either';
    const { view } = netsecOf(envelope);
    for (const nic of view.nics) {
      const b = view.bindings.find((x) => x.nic === nic);
      const hasFilter = b?.filterName !== undefined;
      const hasProfile = b?.profileName !== undefined;
      const ok = require === 'filter' ? hasFilter : require === 'profile' ? hasProfile : hasFilter || hasProfile;
      if (ok) continue;
      const missing = require === 'filter' ? 'no filter' : require === 'profile' ? 'no port profile' : 'neither a filter nor a port profile';
      ctx.report({ messageId: 'unprotected', data: { nic: nic.instanceId, network: nic.network ?? '(none)', missing }, loc: nic.item.loc, locator: nic.locator });
    }
  },
});
