/**
 * A package delivered as a zip. unzipper reads the central directory (so
 * listing never inflates anything); the EOCD is located and bounds-checked
 * first by zip-layout.ts so a hostile directory cannot make it wait forever.
 * Member data is opened from the checked local-header offset with our own
 * fs range stream and zlib inflate, so that every byte is bounded by the
 * declared size and an abandoned stream releases its file descriptor.
 */
import { createReadStream } from 'node:fs';
import { open as openFile, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createInflateRaw } from 'node:zlib';
import type unzipper from 'unzipper';
import { BaseReader, describeStreamError } from './base-reader.js';
import { exactLength } from './exact-length.js';
import { archiveError, checkMemberCount, type ReaderLimits } from './limits.js';
import { normaliseMemberName } from './names.js';
import type { MemberInfo } from './reader.js';
import { emptyStream } from './tar-reader.js';
import { CENTRAL_HEADER_SIG, localDataOffset, readZipEnd, type ZipEnd } from './zip-layout.js';

type ZipFile = unzipper.File;

interface ZipMember extends MemberInfo {
  compressedSize: number;
  method: number;
  headerOffset: number;
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const UNIX_TYPES: Record<number, string> = { 0o120000: 'symbolic link', 0o020000: 'character device', 0o060000: 'block device', 0o010000: 'FIFO', 0o140000: 'socket' };

export class ZipReader extends BaseReader {
  readonly kind = 'zip' as const;

  private constructor(
    path: string,
    members: readonly ZipMember[],
    private readonly end: ZipEnd,
  ) {
    super(path, members);
  }

  static async open(path: string, limits: ReaderLimits): Promise<ZipReader> {
    const h = await openFile(path, 'r');
    let end: ZipEnd;
    try {
      end = await readZipEnd(h, (await h.stat()).size);
    } finally {
      await h.close();
    }
    if (end.entries > limits.maxMembers) checkMemberCount(end.entries, limits, `offset ${end.eocdOffset}`);
    let files: ZipFile[];
    try {
      // Loaded on first use: unzipper and its dependencies cost ~0.1 s of start-up that tar and directory packages never need.
      const { default: lib } = await import('unzipper');
      const open = lib.Open.file as (p: string, o: { tailSize: number }) => Promise<unzipper.CentralDirectory>;
      files = (await open(path, { tailSize: end.tailSize })).files;
    } catch (e) {
      throw archiveError(`cannot read the zip central directory: ${(e as Error).message}`, `offset ${end.cdOffset}`, e);
    }
    return new ZipReader(path, indexEntries(files, end, limits), end);
  }

  async open(name: string): Promise<Readable> {
    const m = this.member(name) as ZipMember;
    let h: FileHandle;
    try {
      h = await openFile(this.path, 'r');
    } catch (e) {
      throw archiveError(`cannot open ${this.path}: ${(e as Error).message}`, name, e);
    }
    let start: number;
    try {
      start = await localDataOffset(h, m.headerOffset, m.compressedSize, this.end.cdOffset, name);
    } catch (e) {
      await h.close();
      throw e;
    }
    if (m.compressedSize === 0) {
      await h.close();
      return m.size === 0 ? emptyStream() : Promise.reject(archiveError(`member "${name}" has no data but declares ${m.size} bytes`, name));
    }
    const raw = createReadStream('', { fd: h, start, end: start + m.compressedSize - 1, highWaterMark: 1 << 20 });
    const describe = describeStreamError(name, `cannot read member "${name}"`);
    if (m.method === 0) return exactLength(raw, m.size, name, describe);
    const inflate = createInflateRaw({ chunkSize: 1 << 20 });
    raw.on('error', (e) => inflate.destroy(e));
    inflate.on('close', () => raw.destroy());
    return exactLength(raw.pipe(inflate), m.size, name, describe);
  }

  async close(): Promise<void> {
    // Nothing held open.
  }
}

function indexEntries(files: readonly ZipFile[], end: ZipEnd, limits: ReaderLimits): ZipMember[] {
  const members: ZipMember[] = [];
  const seen = new Set<string>();
  for (const f of files) {
    const where = f.path || `offset ${f.offsetToLocalFileHeader}`;
    if (f.signature !== CENTRAL_HEADER_SIG) throw archiveError('zip central directory entry is corrupt (bad signature)', `offset ${end.cdOffset}`);
    const m = checkEntry(f, where, limits);
    if (m === undefined) continue;
    const name = normaliseMemberName(f.path, where);
    if (seen.has(name)) throw archiveError(`duplicate member name "${name}"`, name);
    seen.add(name);
    members.push({ ...m, name, index: members.length });
    checkMemberCount(members.length, limits, name);
  }
  checkNoOverlap(members, end);
  return members;
}

/** Per-entry checks; undefined for directory entries, which carry no member. */
function checkEntry(f: ZipFile, where: string, limits: ReaderLimits): Omit<ZipMember, 'name' | 'index'> | undefined {
  const size = f.uncompressedSize;
  const compressedSize = f.compressedSize;
  const headerOffset = f.offsetToLocalFileHeader;
  if (![size, compressedSize, headerOffset].every((n) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0)) throw archiveError('zip entry has missing or invalid zip64 sizes', where);
  const mode = f.versionMadeBy >> 8 === 3 ? f.externalFileAttributes >>> 16 : 0;
  const type = mode & S_IFMT;
  if (UNIX_TYPES[type] !== undefined) throw archiveError(`member "${f.path}" is a ${UNIX_TYPES[type]}; only regular files are allowed in a package`, where);
  if (f.path.endsWith('/') || type === S_IFDIR) {
    if (size !== 0) throw archiveError(`directory entry "${f.path}" declares ${size} bytes of data`, where);
    return undefined;
  }
  if (type !== 0 && type !== S_IFREG) throw archiveError(`member "${f.path}" has an unknown file type`, where);
  if (f.flags & 1) throw archiveError(`member "${f.path}" is encrypted`, where);
  if (f.compressionMethod !== 0 && f.compressionMethod !== 8) throw archiveError(`member "${f.path}" uses unsupported compression method ${f.compressionMethod} (only stored and deflate)`, where);
  if (f.compressionMethod === 0 && compressedSize !== size) throw archiveError(`stored member "${f.path}" has differing sizes ${compressedSize} and ${size}`, where);
  if (size > limits.maxMemberBytes) throw archiveError(`member "${f.path}" declares ${size} uncompressed bytes, over the ${limits.maxMemberBytes}-byte limit (zip bomb?)`, where);
  // Deflate tops out near 1032:1; ratios above the limit on anything sizeable mean a bomb.
  if (size > 1 << 20 && size / Math.max(compressedSize, 1) > limits.maxCompressionRatio)
    throw archiveError(`member "${f.path}" would expand ${Math.round(size / Math.max(compressedSize, 1))}:1, over the ${limits.maxCompressionRatio}:1 limit (zip bomb)`, where);
  return { size, compressedSize, method: f.compressionMethod, headerOffset };
}

/** Overlapping entries (one compressed stream shared by many names) are the classic non-recursive zip bomb. */
function checkNoOverlap(members: readonly ZipMember[], end: ZipEnd): void {
  const byOffset = [...members].sort((a, b) => a.headerOffset - b.headerOffset);
  for (let i = 0; i < byOffset.length; i++) {
    const m = byOffset[i]!;
    const next = byOffset[i + 1]?.headerOffset ?? end.cdOffset;
    if (m.headerOffset + 30 + m.compressedSize > next) throw archiveError(`member "${m.name}" overlaps the next entry or the central directory (overlapping-entry zip bomb or corrupt zip)`, m.name);
  }
}
