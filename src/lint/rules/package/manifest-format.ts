/**
 * DSP0243 §5.1: manifest lines are `ALG(name)= digest` with SHA1, SHA256 or
 * SHA512. Sloppy variants that ovftool and most importers still accept are
 * warnings; lines nobody can read are errors.
 */
import { MANIFEST_MESSAGES, parseManifest } from '../../../package/manifest.js';
import type { DescriptorTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';

export default defineRule<DescriptorTarget>({
  meta: {
    id: 'manifest-format',
    family: 'package',
    defaultSeverity: 'error',
    description: 'Manifest lines follow ALG(name)= hexdigest with SHA1, SHA256 or SHA512',
    messages: MANIFEST_MESSAGES,
  },
  scope: 'descriptor',
  check({ package: pkg }, ctx) {
    if (!pkg?.manifestName || pkg.manifestText === undefined) return;
    const file = pkg.manifestName;
    for (const p of parseManifest(pkg.manifestText).problems)
      ctx.report({
        messageId: p.messageId,
        data: p.data,
        severity: p.severity === 'warning' ? 'warning' : undefined,
        loc: { file, line: p.line, column: 1 },
        locator: `Manifest[${file}]/Line[${p.line}]`,
      });
  },
});
