/**
 * A package laid out as files in a directory (DSP0243 §5.1: the descriptor
 * and the files it references side by side). Members are the regular files
 * under the root, recursively; a symlink, device, FIFO or socket anywhere
 * under the root is refused by name, so that a package cannot make us read
 * outside itself.
 */
import { constants } from 'node:fs';
import { lstat, open as openFile, opendir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { OvfpipeError } from '../diagnostics/errors.js';
import { BaseReader } from './base-reader.js';
import { FileRangeStream } from './file-range-stream.js';
import { archiveError, checkMemberCount, limitError, type ReaderLimits } from './limits.js';
import { normaliseMemberName } from './names.js';
import type { MemberInfo, MemberRange } from './reader.js';
import { emptyStream } from './tar-reader.js';

export class DirectoryReader extends BaseReader {
  readonly kind = 'directory' as const;

  private constructor(root: string, members: readonly MemberInfo[], descriptorName?: string) {
    super(root, members, descriptorName);
  }

  /** Indexes `root`. `descriptorName` is set when the user named a descriptor file inside it. */
  static async open(root: string, limits: ReaderLimits, descriptorName?: string): Promise<DirectoryReader> {
    const found: Array<{ name: string; size: number }> = [];
    await walkDirectory(root, '', 0, limits, found);
    // Byte order of names, so the listing is the same on every file system.
    found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const members = found.map((f, index) => ({ name: f.name, size: f.size, index }));
    return new DirectoryReader(root, members, descriptorName);
  }

  async openRange(name: string): Promise<MemberRange> {
    const m = this.member(name);
    try {
      return { handle: await openFile(join(this.path, ...name.split('/')), constants.O_RDONLY | constants.O_NOFOLLOW), offset: 0, size: m.size };
    } catch (e) {
      throw archiveError(`cannot open member "${name}": ${(e as Error).message}`, name, e);
    }
  }

  async open(name: string): Promise<Readable> {
    const m = this.member(name);
    const full = join(this.path, ...name.split('/'));
    let handle: FileHandle;
    try {
      // O_NOFOLLOW: a member swapped for a symlink after indexing is still refused.
      handle = await openFile(full, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (e) {
      throw archiveError(`cannot open member "${name}": ${(e as Error).message}`, name, e);
    }
    if (m.size === 0) {
      await handle.close();
      return emptyStream();
    }
    return new FileRangeStream(() => Promise.resolve(handle), 0, m.size, name);
  }

  async close(): Promise<void> {
    // Nothing held open.
  }
}

async function walkDirectory(root: string, prefix: string, depth: number, limits: ReaderLimits, out: Array<{ name: string; size: number }>): Promise<void> {
  if (depth > limits.maxDirectoryDepth) throw limitError(`directory nesting deeper than ${limits.maxDirectoryDepth} levels`, prefix || '.');
  let dir;
  try {
    dir = await opendir(prefix === '' ? root : join(root, ...prefix.split('/')));
  } catch (e) {
    throw new OvfpipeError('OVFPIPE_IO', `cannot read directory ${join(root, prefix)}: ${(e as Error).message}`, { where: prefix || '.', cause: e });
  }
  for await (const entry of dir) {
    const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) await walkDirectory(root, rel, depth + 1, limits, out);
    else if (entry.isFile()) {
      const name = normaliseMemberName(rel, rel);
      const st = await lstat(join(root, ...rel.split('/')));
      if (!st.isFile()) throw archiveError(`member "${name}" changed type while the directory was read`, name);
      out.push({ name, size: st.size });
      checkMemberCount(out.length, limits, name);
    } else throw archiveError(`member "${rel}" is a ${kindOf(entry)}; only regular files are allowed in a package`, rel);
  }
}

function kindOf(entry: { isSymbolicLink(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (entry.isSymbolicLink()) return 'symbolic link';
  if (entry.isFIFO()) return 'FIFO';
  if (entry.isSocket()) return 'socket';
  if (entry.isCharacterDevice()) return 'character device';
  if (entry.isBlockDevice()) return 'block device';
  return 'special file';
}
