/**
 * DSP0243 §7.1: each File in References has a unique ovf:id and an ovf:href;
 * ovf:size is an unsigned integer; href is relative and may not escape the package.
 */
import { abbreviate } from '../../../strings.js';
import type { DescriptorTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';

export default defineRule<DescriptorTarget>({
  meta: {
    id: 'references-file',
    family: 'structure',
    defaultSeverity: 'error',
    description: 'Every References/File has a unique id, a safe relative href and a numeric size',
    messages: {
      missingId: 'File has no ovf:id',
      duplicateId: "File id '{{id}}' is used more than once",
      missingHref: "File '{{id}}' has no ovf:href",
      unsafeHref: "File '{{id}}' href '{{href}}' is absolute or escapes the package",
      remoteHref: "File '{{id}}' href '{{href}}' is a URL; ovfpipe only reads files inside the package",
      badSize: "File '{{id}}' ovf:size '{{size}}' is not an unsigned integer",
      sizeTooLarge: "File '{{id}}' ovf:size '{{size}}' is more than 2^53 bytes, past what ovfpipe (and any real disk) handles exactly",
      badCompression: "File '{{id}}' ovf:compression '{{compression}}' is not 'gzip' or 'identity'",
      duplicateHref: "href '{{href}}' is referenced by more than one File",
    },
  },
  scope: 'descriptor',
  check({ envelope }, ctx) {
    const ids = new Set<string>();
    const hrefs = new Set<string>();
    for (const f of envelope.references) {
      const locator = `References/File[${f.id || f.href || '?'}]`;
      const at = { loc: f.loc, locator };
      if (!f.id) ctx.report({ messageId: 'missingId', ...at });
      else if (ids.has(f.id)) ctx.report({ messageId: 'duplicateId', data: { id: f.id }, ...at });
      ids.add(f.id);
      if (!f.href) ctx.report({ messageId: 'missingHref', data: { id: f.id }, ...at });
      else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(f.href)) ctx.report({ messageId: 'remoteHref', data: { id: f.id, href: f.href }, severity: 'warning', ...at });
      else if (isUnsafeHref(f.href)) ctx.report({ messageId: 'unsafeHref', data: { id: f.id, href: f.href }, ...at });
      else if (hrefs.has(f.href)) ctx.report({ messageId: 'duplicateHref', data: { href: f.href }, ...at });
      hrefs.add(f.href);
      if (f.sizeText !== undefined && f.size === undefined)
        ctx.report({ messageId: /^\s*\d+\s*$/.test(f.sizeText) ? 'sizeTooLarge' : 'badSize', data: { id: f.id, size: abbreviate(f.sizeText) }, ...at });
      if (f.compression !== undefined && f.compression !== 'gzip' && f.compression !== 'identity') ctx.report({ messageId: 'badCompression', data: { id: f.id, compression: f.compression }, ...at });
    }
  },
});

export function isUnsafeHref(href: string): boolean {
  if (href.startsWith('/') || href.startsWith('\\') || /^[a-zA-Z]:/.test(href)) return true;
  return href.split(/[\\/]/).some((seg) => seg === '..');
}
