/**
 * DSP0243 §7.1: each File in References has a unique ovf:id and an ovf:href;
 * ovf:size is an unsigned integer; href is relative and may not escape the package.
 * A relative href that climbs out (`../disks/a.vmdk`) resolves against the
 * descriptor and ovftool accepts it in a directory package, so there it is a
 * warning (it cannot be packed into an OVA as it is); inside an OVA or zip no
 * member can have that name, so there it is an error.
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
      notPortable:
        "File '{{id}}' href '{{href}}' leaves the package's folder: not portable, it cannot be packed into an OVA as it is (verify, render, deploy and pack read it only with --allow-outside-refs)",
      remoteHref: "File '{{id}}' href '{{href}}' is a URL; ovfpipe only reads files inside the package",
      badSize: "File '{{id}}' ovf:size '{{size}}' is not an unsigned integer",
      sizeTooLarge: "File '{{id}}' ovf:size '{{size}}' is more than 2^53 bytes, past what ovfpipe (and any real disk) handles exactly",
      badCompression: "File '{{id}}' ovf:compression '{{compression}}' is not 'gzip' or 'identity'",
      duplicateHref: "href '{{href}}' is referenced by more than one File",
    },
  },
  scope: 'descriptor',
  check({ envelope, package: pkg }, ctx) {
    const inArchive = pkg !== undefined && pkg.kind !== 'directory';
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
      else if (isUnsafeHref(f.href)) {
        if (!inArchive && climbsOut(f.href)) ctx.report({ messageId: 'notPortable', data: { id: f.id, href: f.href }, severity: 'warning', ...at });
        else ctx.report({ messageId: 'unsafeHref', data: { id: f.id, href: f.href }, ...at });
      } else if (hrefs.has(f.href)) ctx.report({ messageId: 'duplicateHref', data: { href: f.href }, ...at });
      hrefs.add(f.href);
      if (f.sizeText !== undefined && f.size === undefined)
        ctx.report({ messageId: /^\s*\d+\s*$/.test(f.sizeText) ? 'sizeTooLarge' : 'badSize', data: { id: f.id, size: abbreviate(f.sizeText) }, ...at });
      if (f.compression !== undefined && f.compression !== 'gzip' && f.compression !== 'identity') ctx.report({ messageId: 'badCompression', data: { id: f.id, compression: f.compression }, ...at });
    }
  },
});

/** A relative href with a `..` segment (not absolute, no drive letter, no backslash). */
function climbsOut(href: string): boolean {
  return !href.startsWith('/') && !href.includes('\\') && !/^[a-zA-Z]:/.test(href) && href.split('/').includes('..');
}

export function isUnsafeHref(href: string): boolean {
  if (href.startsWith('/') || href.startsWith('\\') || /^[a-zA-Z]:/.test(href)) return true;
  return href.split(/[\\/]/).some((seg) => seg === '..');
}
