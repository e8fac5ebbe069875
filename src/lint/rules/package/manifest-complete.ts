/**
 * DSP0243 §5.1: the manifest holds a digest for the descriptor and for every
 * file in References, and for nothing else that is missing. A package with
 * no manifest at all is reported as a warning: it is legal, but nothing in it
 * can be integrity-checked.
 */
import { checkManifestCoverage, expandReferences } from '../../../package/layout.js';
import { parseManifest } from '../../../package/manifest.js';
import type { DescriptorTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';

export default defineRule<DescriptorTarget>({
  meta: {
    id: 'manifest-complete',
    family: 'package',
    defaultSeverity: 'error',
    description: 'The manifest lists the descriptor and every References file, and no file that is absent',
    messages: {
      noManifest: 'Package has no manifest ({{expected}}); its files cannot be integrity-checked',
      unlisted: "'{{name}}' is in the package but not in the manifest {{manifest}}",
      unknown: "Manifest lists '{{name}}', which is not in the package",
    },
  },
  scope: 'descriptor',
  check({ package: pkg, envelope }, ctx) {
    if (!pkg) return;
    if (!pkg.manifestName) {
      const expected = pkg.descriptorName.replace(/\.ovf$/i, '.mf');
      ctx.report({ messageId: 'noManifest', data: { expected }, severity: 'warning', loc: envelope.loc, locator: 'Package' });
      return;
    }
    if (pkg.manifestText === undefined) return;
    const names = new Set(pkg.members.map((m) => m.name));
    const referenced = expandReferences(envelope.references, pkg.descriptorName, names).flatMap((e) => e.members);
    const entries = parseManifest(pkg.manifestText).entries;
    const { unlisted, unknown } = checkManifestCoverage(entries, pkg.manifestName, [pkg.descriptorName, ...referenced], names);
    const file = pkg.manifestName;
    for (const name of unlisted) ctx.report({ messageId: 'unlisted', data: { name, manifest: file }, loc: { file, line: 0, column: 0 }, locator: `Manifest[${file}]` });
    for (const e of unknown) ctx.report({ messageId: 'unknown', data: { name: e.name }, loc: { file, line: e.line, column: 1 }, locator: `Manifest[${file}]/Line[${e.line}]` });
  },
});
