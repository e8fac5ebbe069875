/**
 * Entry point for every command that takes a package (PRODUCT.md §2). The
 * form is detected from content, never from the file name: gzip magic
 * `1f 8b`, zip `PK\3\4`/`PK\5\6`, tar by a valid header checksum, and a bare
 * descriptor by a leading `<` (optionally after a UTF-8 BOM).
 */
import { open as openFile, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { OvfpipeError } from '../diagnostics/errors.js';
import { DirectoryReader } from './directory-reader.js';
import { GzipTarReader } from './gzip-tar-reader.js';
import { archiveError, resolveLimits, type ReaderLimits } from './limits.js';
import type { PackageReader } from './reader.js';
import { BLOCK, checksumMatches } from './tar-header.js';
import { TarReader } from './tar-reader.js';
import { ZipReader } from './zip-reader.js';
import { expandHome } from '../paths.js';

export interface OpenPackageOptions {
  /** Overrides for the hard limits in `limits.ts`. */
  limits?: Partial<ReaderLimits>;
}

export type DetectedForm = 'gzip' | 'zip' | 'tar' | 'descriptor';

/** Classifies the first bytes of a file; undefined when it is none of the package forms. */
export function detectForm(head: Buffer): DetectedForm | undefined {
  // A valid tar header checksum is the strongest signal, so it is tried first: a tar
  // whose first member name happens to begin with zip or gzip magic is still a tar.
  if (head.length >= BLOCK && checksumMatches(head.subarray(0, BLOCK))) return 'tar';
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6))) return 'zip';
  if (looksLikeXml(head)) return 'descriptor';
  return undefined;
}

/** `<` first, after an optional UTF-8 BOM and blank space; or `<` in UTF-16 with its BOM (parse.ts reads both). */
function looksLikeXml(head: Buffer): boolean {
  if ((head[0] === 0xff && head[1] === 0xfe && head[2] === 0x3c && head[3] === 0) || (head[0] === 0xfe && head[1] === 0xff && head[2] === 0 && head[3] === 0x3c)) return true;
  let i = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)) i++;
  return head[i] === 0x3c;
}

/**
 * Opens a package: a directory, a descriptor file inside one, an OVA (tar,
 * optionally gzip-compressed as a whole) or a zip. Only headers or the
 * central directory are read here.
 *
 * @throws OvfpipeError `OVFPIPE_IO` when the path cannot be read,
 *   `OVFPIPE_ARCHIVE` for empty, unrecognised or hostile content,
 *   `OVFPIPE_LIMIT` when a limit is exceeded.
 */
export async function openPackage(path: string, options: OpenPackageOptions = {}): Promise<PackageReader> {
  const limits = resolveLimits(options.limits);
  const full = resolve(expandHome(path));
  let st;
  try {
    st = await stat(full);
  } catch (e) {
    throw new OvfpipeError('OVFPIPE_IO', `cannot open ${path}: ${(e as Error).message}`, { where: path, cause: e });
  }
  if (st.isDirectory()) return DirectoryReader.open(full, limits);
  if (!st.isFile()) throw archiveError(`${path} is neither a regular file nor a directory`, path);
  if (st.size === 0) throw archiveError(`${path} is an empty file, not a package`, 'offset 0');
  const form = detectForm(await readHead(full));
  switch (form) {
    case 'gzip':
      return GzipTarReader.open(full, limits);
    case 'zip':
      return ZipReader.open(full, limits);
    case 'tar':
      return TarReader.open(full, limits);
    case 'descriptor':
      return DirectoryReader.open(dirname(full), limits, basename(full));
    default:
      throw archiveError(`${path} is not an OVF package: neither a descriptor, a tar, a gzip-compressed tar nor a zip`, 'offset 0');
  }
}

async function readHead(path: string): Promise<Buffer> {
  const h = await openFile(path, 'r');
  try {
    const buf = Buffer.alloc(BLOCK);
    const { bytesRead } = await h.read(buf, 0, BLOCK, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await h.close();
  }
}
