/**
 * Member names from untrusted containers. DSP0243 §5.1 file references are
 * relative URIs inside the package, so anything that could point outside it
 * (absolute paths, `..`, drive letters, backslashes) is refused rather than
 * "cleaned", as node-tar's strict mode does.
 */
import { posix } from 'node:path';
import { archiveError } from './limits.js';

const MAX_NAME_LENGTH = 4096;

/**
 * Normalises a raw member name to `a/b/c` form (no `./`, no doubled slashes)
 * or throws OvfpipeError(OVFPIPE_ARCHIVE) naming `where` when the name is
 * unsafe. A trailing slash is kept off; callers decide about directories.
 */
export function normaliseMemberName(raw: string, where: string): string {
  const shown = JSON.stringify(raw.length > 200 ? raw.slice(0, 200) + '…' : raw);
  if (raw.length === 0) throw archiveError('member has an empty name', where);
  if (raw.length > MAX_NAME_LENGTH) throw archiveError(`member name is longer than ${MAX_NAME_LENGTH} characters`, where);
  if (/[\u0000-\u001f\u007f]/.test(raw)) throw archiveError(`member name ${shown} contains control characters`, where);
  if (raw.includes('\\')) throw archiveError(`member name ${shown} contains a backslash`, where);
  if (/^[A-Za-z]:/.test(raw)) throw archiveError(`member name ${shown} starts with a drive letter`, where);
  if (raw.startsWith('/')) throw archiveError(`member name ${shown} is an absolute path`, where);
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw archiveError(`member name ${shown} contains a '..' segment (path traversal)`, where);
  if (parts.length === 0) throw archiveError(`member name ${shown} names no file`, where);
  return parts.join('/');
}

/** True for the names of descriptor, manifest and certificate members (DSP0243 §5.1 extensions). */
export function extensionOf(name: string): string {
  const base = name.slice(name.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot + 1).toLowerCase();
}

/** Directory part of a member name, with a trailing slash, or '' at the root. */
export function dirOf(name: string): string {
  const i = name.lastIndexOf('/');
  return i === -1 ? '' : name.slice(0, i + 1);
}

/** Where a References `ovf:href` points (DSP0243 §7.1: relative URIs are relative to the descriptor). */
export type HrefTarget =
  /** A member name inside the package. */
  | { kind: 'member'; name: string }
  /**
   * A file outside the package's folder: a relative href that climbs out
   * (`../disks/a.vmdk`) or an absolute path. `name` is the path relative to
   * the package root (`../disks/a.vmdk`), or the absolute path.
   */
  | { kind: 'outside'; name: string }
  /** A URL (`http:`, `file:` …): not a file of the package. */
  | { kind: 'external' }
  /** Not a usable file name (control characters, backslashes, drive letters, empty). */
  | { kind: 'invalid' };

/** Classifies an href against the descriptor's member name. Pure: nothing is read. */
export function classifyHref(descriptorName: string, href: string): HrefTarget {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(href) && !/^[A-Za-z]:[\\/]/.test(href)) return { kind: 'external' };
  let decoded = href;
  try {
    decoded = decodeURIComponent(href);
  } catch {
    // A malformed %-escape is kept literally; the member lookup will then simply miss.
  }
  try {
    return { kind: 'member', name: normaliseMemberName(dirOf(descriptorName) + decoded, href) };
  } catch {
    // Not a plain member name: outside the package, or not a file name at all.
  }
  if (decoded === '' || decoded.includes('\\') || /[\u0000-\u001f\u007f]/.test(decoded) || /^[A-Za-z]:/.test(decoded)) return { kind: 'invalid' };
  if (decoded.startsWith('/')) return { kind: 'outside', name: posix.normalize(decoded) };
  const name = posix.normalize(dirOf(descriptorName) + decoded);
  return name.startsWith('../') ? { kind: 'outside', name } : { kind: 'invalid' };
}

/**
 * Resolves a References `ovf:href` to a member name. Returns undefined for
 * absolute URLs (`http:`, `file:` …) and for hrefs that would leave the
 * package, unless `allowOutside` (`--allow-outside-refs`): then the outside
 * name of `classifyHref` is returned, which names a member only when the
 * reader admitted that file.
 */
export function resolveHref(descriptorName: string, href: string, allowOutside = false): string | undefined {
  const target = classifyHref(descriptorName, href);
  if (target.kind === 'member' || (allowOutside && target.kind === 'outside')) return target.name;
  return undefined;
}

/** Finds the single descriptor: the one `.ovf` member at the shallowest level, when exactly one is there. */
export function findDescriptor(names: readonly string[]): string | undefined {
  const ovfs = names.filter((n) => extensionOf(n) === 'ovf');
  if (ovfs.length === 0) return undefined;
  const depth = (n: string): number => n.split('/').length;
  const min = Math.min(...ovfs.map(depth));
  const top = ovfs.filter((n) => depth(n) === min);
  return top.length === 1 ? top[0] : undefined;
}

/**
 * The manifest or certificate of a descriptor: the member with the
 * descriptor's base name and `.mf`/`.cert` (DSP0243 §5.1), and no other.
 * Any other `.mf` (virt-v2v writes one per disk) or `.cert` is an ordinary
 * member. The extension's case is not significant.
 */
export function findCompanion(names: readonly string[], descriptorName: string | undefined, ext: 'mf' | 'cert'): string | undefined {
  if (descriptorName === undefined) return undefined;
  const stem = descriptorStem(descriptorName);
  const wanted = `${stem}.${ext}`;
  return names.find((n) => n === wanted) ?? names.find((n) => n.length === wanted.length && n.startsWith(stem) && n.slice(stem.length).toLowerCase() === `.${ext}`);
}

/** The descriptor's name without its extension: the manifest and certificate are `<stem>.mf` and `<stem>.cert`. */
export function descriptorStem(descriptorName: string): string {
  const ext = extensionOf(descriptorName);
  return ext === '' ? descriptorName : descriptorName.slice(0, descriptorName.length - ext.length - 1);
}
