/**
 * DSP0243 §7.1: every File in References that is not an external URL must
 * be in the package, as one member or, with ovf:chunkSize, as the chunks
 * `href.000000000`, `href.000000001`…; when ovf:size is given for a file
 * that is neither compressed nor chunked, it must equal the member size.
 * A file that is there but through a symbolic link leading out of the
 * package's folder is a warning, like an href that climbs out: ovftool
 * follows the link, but it cannot be packed as it is, and verify, render,
 * deploy and pack read it only with --allow-outside-refs.
 */
import type { FileRef } from '../../../ovf/model.js';
import { expandReferences } from '../../../package/layout.js';
import type { DescriptorTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';

export default defineRule<DescriptorTarget>({
  meta: {
    id: 'reference-file-present',
    family: 'package',
    defaultSeverity: 'error',
    description: 'Every References file is in the package, with the declared ovf:size',
    messages: {
      missing: "File '{{id}}' ({{href}}) is not in the package: no member '{{member}}'",
      linkedOutside: "File '{{id}}' ({{href}}) is a symbolic link that leads outside the package's folder: not portable (verify, render, deploy and pack read it only with --allow-outside-refs)",
      sizeMismatch: "File '{{id}}' declares ovf:size=\"{{declared}}\" but member '{{member}}' is {{actual}} bytes",
    },
  },
  scope: 'descriptor',
  check({ package: pkg, envelope }, ctx) {
    if (!pkg) return;
    const sizes = new Map(pkg.members.map((m) => [m.name, m.size]));
    for (const e of expandReferences<FileRef>(envelope.references, pkg.descriptorName, new Set(sizes.keys()))) {
      const at = { loc: e.ref.loc, locator: `References/File[${e.ref.id || e.ref.href}]` };
      for (const member of e.members) {
        if (sizes.has(member)) continue;
        if (pkg.linkedOutside?.includes(member)) ctx.report({ messageId: 'linkedOutside', data: { id: e.ref.id, href: e.ref.href, member }, severity: 'warning', ...at });
        else ctx.report({ messageId: 'missing', data: { id: e.ref.id, href: e.ref.href, member }, ...at });
      }
      const member = e.members[0]!;
      const actual = sizes.get(member);
      if (e.sizeComparable && actual !== undefined && actual !== e.ref.size) ctx.report({ messageId: 'sizeMismatch', data: { id: e.ref.id, declared: e.ref.size!, member, actual }, ...at });
    }
  },
});
