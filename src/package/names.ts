/**
 * Member names from untrusted containers. DSP0243 §5.1 file references are
 * relative URIs inside the package, so anything that could point outside it
 * (absolute paths, `..`, drive letters, backslashes) is refused rather than
 * "cleaned", as node-tar's strict mode does.
 */
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

/**
 * Resolves a References `ovf:href` against the descriptor's directory
 * (DSP0243 §7.1: relative URIs are relative to the descriptor). Returns
 * undefined for absolute URLs (`http:`, `file:` …) and hrefs that would
 * leave the package.
 */
export function resolveHref(descriptorName: string, href: string): string | undefined {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(href) || href.startsWith('/')) return undefined;
  let decoded = href;
  try {
    decoded = decodeURIComponent(href);
  } catch {
    // A malformed %-escape is kept literally; the member lookup will then simply miss.
  }
  try {
    return normaliseMemberName(dirOf(descriptorName) + decoded, href);
  } catch {
    return undefined;
  }
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
 * The manifest or certificate that belongs to a descriptor: same base name
 * with `.mf`/`.cert` (DSP0243 §5.1), or failing that the only such member
 * beside it.
 */
export function findCompanion(names: readonly string[], descriptorName: string | undefined, ext: 'mf' | 'cert'): string | undefined {
  if (descriptorName === undefined) {
    const all = names.filter((n) => extensionOf(n) === ext);
    return all.length === 1 ? all[0] : undefined;
  }
  const stem = descriptorName.slice(0, descriptorName.length - '.ovf'.length);
  const exact = names.find((n) => n === `${stem}.${ext}`) ?? names.find((n) => n.toLowerCase() === `${stem}.${ext}`.toLowerCase());
  if (exact) return exact;
  const dir = dirOf(descriptorName);
  const beside = names.filter((n) => extensionOf(n) === ext && dirOf(n) === dir);
  return beside.length === 1 ? beside[0] : undefined;
}
