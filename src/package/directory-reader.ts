/**
 * A package laid out as files in a folder (DSP0243 §5.1: the descriptor and
 * the files it references side by side), in one of two shapes:
 *
 * - a folder given as the package: its members are the regular files under
 *   it, recursively. A FIFO, device or socket is refused by name; a symbolic
 *   link is never a member by itself (it is not followed while indexing).
 * - a bare descriptor (`vm.ovf`): the package is what the descriptor says,
 *   the descriptor, `<stem>.mf`, `<stem>.cert` and the files its References
 *   name. Nothing else in the folder is listed or read, so an unrelated
 *   subtree or dangling link beside it does not matter.
 *
 * In both, `admitReferences` resolves each References file: one inside the
 * folder is a member; one outside it (an href that climbs out with `..`, an
 * absolute path, or a symbolic link that leads out) is read only when the
 * user allows it (`--allow-outside-refs`), so that a package cannot make us
 * read outside itself by accident.
 */
import { constants } from 'node:fs';
import { lstat, open as openFile, opendir, realpath, stat, type FileHandle } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { OvfpipeError } from '../diagnostics/errors.js';
import { BaseReader } from './base-reader.js';
import { FileRangeStream } from './file-range-stream.js';
import { archiveError, checkMemberCount, limitError, type ReaderLimits } from './limits.js';
import { classifyHref, descriptorStem, normaliseMemberName } from './names.js';
import type { MemberInfo, MemberRange, OutsideReference, ReferenceToAdmit } from './reader.js';
import { emptyStream } from './tar-reader.js';

/** Most chunks probed for one chunked File in a bare-descriptor package (DSP0243 §7.1 chunkSize). */
const MAX_CHUNKS = 10_000;

export class DirectoryReader extends BaseReader {
  readonly kind = 'directory' as const;
  /** Absolute paths of members not at `root/name`: a link resolved inside the folder, or an admitted outside file. */
  private readonly files = new Map<string, string>();
  private realRoot: string | undefined;

  private constructor(
    root: string,
    members: readonly MemberInfo[],
    descriptorName: string | undefined,
    private readonly limits: ReaderLimits,
  ) {
    super(root, members, descriptorName);
  }

  /**
   * Indexes `root`. With `descriptorName` (the user named a descriptor
   * file in it), only that descriptor and its `<stem>.mf`/`<stem>.cert` are
   * indexed; References files join through `admitReferences`.
   */
  static async open(root: string, limits: ReaderLimits, descriptorName?: string): Promise<DirectoryReader> {
    if (descriptorName !== undefined) return new DirectoryReader(root, await descriptorMembers(root, descriptorName), descriptorName, limits);
    const found: Array<{ name: string; size: number }> = [];
    await walkDirectory(root, '', 0, limits, found);
    // Byte order of names, so the listing is the same on every file system.
    found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const members = found.map((f, index) => ({ name: f.name, size: f.size, index }));
    return new DirectoryReader(root, members, undefined, limits);
  }

  async admitReferences(refs: readonly ReferenceToAdmit[], options: { allowOutside: boolean }): Promise<OutsideReference[]> {
    const outside: OutsideReference[] = [];
    const descriptor = this.descriptorName;
    if (descriptor === undefined) return outside;
    for (const [index, ref] of refs.entries()) {
      const target = classifyHref(descriptor, ref.href);
      if (target.kind !== 'member' && target.kind !== 'outside') continue;
      let leadsOut = false;
      for (const name of await this.candidates(target.name, ref)) {
        const found = await this.locate(name);
        if (found === undefined) continue;
        const out = target.kind === 'outside' || !found.inside;
        leadsOut ||= out;
        if (out && !options.allowOutside) continue;
        checkMemberCount(this.members.length + 1, this.limits, name);
        if (found.path !== join(this.path, ...name.split('/'))) this.files.set(name, found.path);
        this.addMember(name, found.size);
      }
      if (target.kind === 'outside' || leadsOut) {
        const reason = target.kind === 'member' ? 'symlink' : target.name.startsWith('/') ? 'absolute' : 'climbs-out';
        outside.push({ index, href: ref.href, name: target.name, reason, admitted: options.allowOutside });
      }
    }
    return outside;
  }

  /** The file names that store a File: itself, or its chunks `name.000000000`… probed in turn. */
  private async candidates(name: string, ref: ReferenceToAdmit): Promise<string[]> {
    if (ref.chunkSize === undefined || ref.chunkSize <= 0) return [name];
    const declared = ref.size !== undefined ? Math.min(Math.ceil(ref.size / ref.chunkSize), MAX_CHUNKS) : 0;
    const out: string[] = [];
    for (let k = 0; k < MAX_CHUNKS; k++) {
      const chunk = `${name}.${String(k).padStart(9, '0')}`;
      if (k >= declared && (await this.locate(chunk)) === undefined) break;
      out.push(chunk);
    }
    return out;
  }

  /**
   * Where a name really is: its real path, size, and whether that is inside
   * the folder (a link, or a linked folder on the way, may lead out).
   * Undefined when there is no regular file there.
   */
  private async locate(name: string): Promise<{ path: string; size: number; inside: boolean } | undefined> {
    const full = name.startsWith('/') ? name : resolve(this.path, ...name.split('/'));
    const real = await realpath(full).catch(() => undefined);
    if (real === undefined) return undefined;
    const st = await stat(real).catch(() => undefined);
    if (!st?.isFile()) return undefined;
    this.realRoot ??= await realpath(this.path);
    return { path: real, size: st.size, inside: real.startsWith(this.realRoot + sep) };
  }

  private fileOf(name: string): string {
    return this.files.get(name) ?? join(this.path, ...name.split('/'));
  }

  async openRange(name: string): Promise<MemberRange> {
    const m = this.member(name);
    try {
      return { handle: await openFile(this.fileOf(name), constants.O_RDONLY | constants.O_NOFOLLOW), offset: 0, size: m.size };
    } catch (e) {
      throw archiveError(`cannot open member "${name}": ${(e as Error).message}`, name, e);
    }
  }

  async open(name: string): Promise<Readable> {
    const m = this.member(name);
    let handle: FileHandle;
    try {
      // O_NOFOLLOW: a member swapped for a symlink after indexing is still refused.
      handle = await openFile(this.fileOf(name), constants.O_RDONLY | constants.O_NOFOLLOW);
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

/** A bare descriptor's own members: itself, and `<stem>.mf`/`<stem>.cert` when they are regular files beside it. */
async function descriptorMembers(root: string, descriptorName: string): Promise<MemberInfo[]> {
  const stem = descriptorStem(descriptorName);
  const members: MemberInfo[] = [];
  for (const name of [descriptorName, `${stem}.mf`, `${stem}.cert`]) {
    const st = await lstat(join(root, name)).catch(() => undefined);
    if (st === undefined) continue;
    if (!st.isFile()) {
      if (name === descriptorName) throw archiveError(`"${name}" is a ${st.isSymbolicLink() ? 'symbolic link' : 'special file'}; only a regular file can be read as the descriptor`, name);
      continue;
    }
    members.push({ name, size: st.size, index: members.length });
  }
  return members;
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
    } else if (entry.isSymbolicLink()) {
      // Not followed: a link becomes a member only if References names it and it stays inside (admitReferences).
      continue;
    } else throw archiveError(`member "${rel}" is a ${kindOf(entry)}; only regular files are allowed in a package`, rel);
  }
}

function kindOf(entry: { isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (entry.isFIFO()) return 'FIFO';
  if (entry.isSocket()) return 'socket';
  if (entry.isCharacterDevice()) return 'character device';
  if (entry.isBlockDevice()) return 'block device';
  return 'special file';
}
