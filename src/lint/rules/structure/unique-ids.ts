/**
 * DSP0243 §7.2 and §9.1: Content ids, Disk ids and Configuration ids are unique
 * within the descriptor; OVF tools match on them, so a duplicate silently picks one.
 * One exception is only a warning: vCloud Director exports a VirtualSystemCollection
 * whose member VirtualSystem has the collection's own id. No reference can be
 * ambiguous there (a StartupSection names the members of its own collection), and
 * ovftool and vCenter import such packages.
 */
import { idTooLong, MAX_ID_LENGTH } from '../../../ovf/limits.js';
import { abbreviate } from '../../../strings.js';
import { contentWithParents } from '../../../ovf/locators.js';
import type { DescriptorTarget, ReportSpec, RuleContext } from '../../rule.js';
import { defineRule } from '../../rule.js';

export default defineRule<DescriptorTarget>({
  meta: {
    id: 'unique-ids',
    family: 'structure',
    defaultSeverity: 'error',
    description: 'VirtualSystem/Collection ids and Disk ids are present and unique; no id is longer than a file name',
    messages: {
      missingContentId: '{{kind}} has no ovf:id',
      duplicateContentId: "{{kind}} id '{{id}}' is used more than once",
      collectionSharesOnlyChildId: "VirtualSystemCollection '{{id}}' has the same id as its only VirtualSystem (as vCloud Director writes it); DSP0243 wants ids unique, but consumers accept it",
      collectionSharesChildId: "VirtualSystemCollection '{{id}}' has the same id as its member {{kind}}; DSP0243 wants ids unique, but consumers accept it",
      missingDiskId: 'Disk has no ovf:diskId',
      duplicateDiskId: "Disk id '{{id}}' is used more than once",
      idTooLong: "{{what}} '{{id}}' is {{length}} characters long; ids are at most {{max}}",
    },
  },
  scope: 'descriptor',
  check({ envelope }, ctx) {
    const uses = new Map<string, number>();
    for (const { node } of contentWithParents(envelope.content)) uses.set(node.id, (uses.get(node.id) ?? 0) + 1);
    const seen = new Set<string>();
    for (const { node, parents, locator } of contentWithParents(envelope.content)) {
      checkLength(`${node.kind} id`, node.id, { loc: node.loc, locator }, ctx);
      const parent = parents[parents.length - 1];
      if (!node.id) ctx.report({ messageId: 'missingContentId', data: { kind: node.kind }, loc: node.loc, locator });
      else if (parent?.kind === 'VirtualSystemCollection' && parent.id === node.id && uses.get(node.id) === 2) {
        const only = parent.content.length === 1 && node.kind === 'VirtualSystem';
        ctx.report({ messageId: only ? 'collectionSharesOnlyChildId' : 'collectionSharesChildId', data: { id: node.id, kind: node.kind }, loc: node.loc, locator, severity: 'warning' });
      } else if (seen.has(node.id)) ctx.report({ messageId: 'duplicateContentId', data: { kind: node.kind, id: node.id }, loc: node.loc, locator });
      seen.add(node.id);
    }
    const disks = new Set<string>();
    for (const d of envelope.disks) {
      const locator = `DiskSection/Disk[${d.diskId || '?'}]`;
      checkLength('Disk id', d.diskId, { loc: d.loc, locator }, ctx);
      if (!d.diskId) ctx.report({ messageId: 'missingDiskId', loc: d.loc, locator });
      else if (disks.has(d.diskId)) ctx.report({ messageId: 'duplicateDiskId', data: { id: d.diskId }, loc: d.loc, locator });
      disks.add(d.diskId);
    }
    for (const f of envelope.references) checkLength('File id', f.id, { loc: f.loc, locator: `References/File[${abbreviate(f.id)}]` }, ctx);
    for (const n of envelope.networks) checkLength('Network name', n.name, { loc: n.loc, locator: `NetworkSection/Network[${abbreviate(n.name)}]` }, ctx);
    for (const c of envelope.configurations) checkLength('Configuration id', c.id, { loc: c.loc, locator: `DeploymentOptionSection/Configuration[${abbreviate(c.id)}]` }, ctx);
  },
});

function checkLength(what: string, id: string | undefined, at: Pick<ReportSpec, 'loc' | 'locator'>, ctx: RuleContext): void {
  if (idTooLong(id)) ctx.report({ messageId: 'idTooLong', data: { what, id: abbreviate(id!), length: id!.length, max: MAX_ID_LENGTH }, ...at });
}
