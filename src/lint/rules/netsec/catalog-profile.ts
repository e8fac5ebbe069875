/**
 * With `lint --catalog FILE` (the VSI "port profile database"): every port
 * profile the package embeds is offered by some host group of the catalog
 * (802.1Qbg manager/type id/version, 802.1Qbh and Open vSwitch profile ids,
 * bridges, devices, networks), and every profile the package only references
 * (OVF 2.x NetworkPortProfileID/URI) is named by a catalog offer. Without a
 * catalog the rule does nothing.
 */
import { CATALOG_CHECK_MESSAGES, checkProfileAgainstCatalog } from '../../../netsec/catalog/match.js';
import type { ProfileCatalog } from '../../../netsec/catalog/model.js';
import { netsecOf } from '../../../netsec/view.js';
import { collectFindings } from '../../collect-findings.js';
import type { DescriptorTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';

export default defineRule<DescriptorTarget>({
  meta: {
    id: 'catalog-profile',
    family: 'virtualport',
    defaultSeverity: 'error',
    description: 'With --catalog: every port profile is offered by a host group of the profile catalog',
    messages: {
      ...CATALOG_CHECK_MESSAGES,
      unknownReference: "NIC {{nic}} references port profile '{{profile}}', which no offer of the catalog names",
    },
  },
  scope: 'descriptor',
  check({ envelope, catalog }, ctx) {
    if (!catalog) return;
    const cat = catalog as ProfileCatalog;
    const { sections, view } = netsecOf(envelope);
    for (const s of sections) for (const p of s.profiles) collectFindings(ctx, 'catalog-profile', checkProfileAgainstCatalog(p, cat).diagnostics);
    const named = new Set([...cat.groups.values()].flatMap((g) => g.offers.map((o) => ('type' in o ? o.name : o.name)).filter((n): n is string => n !== undefined)));
    for (const b of view.bindings)
      if (b.profileName !== undefined && !b.profile && !named.has(b.profileName))
        ctx.report({ messageId: 'unknownReference', data: { nic: b.nic.instanceId, profile: b.profileName }, loc: b.nic.item.loc, locator: b.nic.locator });
  },
});
