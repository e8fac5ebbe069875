/**
 * Builds tar and zip archives in code, including hostile ones (after
 * node-tar's test/fixtures/make-tar): any header field can be set, sizes can
 * lie, names can escape, links and devices can be declared, and archives
 * can be cut short. Nothing here is used by the product itself.
 */
import { crc32, deflateRawSync } from 'node:zlib';
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TarEntrySpec {
  name: string;
  data?: Buffer | string;
  /** Typeflag character; default '0' (regular file). */
  type?: string;
  /** Size written in the header; defaults to the data length (set it to lie). */
  size?: number;
  linkName?: string;
  /** ustar prefix field (POSIX long names). */
  prefix?: string;
  /** Header magic: POSIX 'ustar', GNU 'ustar  ', or v7 (none). Default 'ustar'. */
  magic?: 'ustar' | 'gnu' | 'v7';
  /** Write the size in GNU base-256 form. */
  base256?: boolean;
  /** Corrupt the header checksum. */
  badChecksum?: boolean;
}

function writeString(block: Buffer, text: string, at: number, length: number): void {
  Buffer.from(text, 'utf8').copy(block, at, 0, length);
}

function writeOctal(block: Buffer, value: number, at: number, length: number): void {
  writeString(block, value.toString(8).padStart(length - 1, '0') + '\0', at, length);
}

/** One 512-byte header block exactly as specified. */
export function tarHeader(spec: TarEntrySpec): Buffer {
  const block = Buffer.alloc(512);
  const dataLength = spec.data === undefined ? 0 : Buffer.byteLength(spec.data);
  const size = spec.size ?? dataLength;
  writeString(block, spec.name, 0, 100);
  writeOctal(block, 0o644, 100, 8);
  writeOctal(block, 0, 108, 8);
  writeOctal(block, 0, 116, 8);
  if (spec.base256) {
    block[124] = 0x80;
    block.writeUIntBE(size, 136 - 6, 6);
  } else writeOctal(block, size, 124, 12);
  writeOctal(block, 0, 136, 12);
  block.write(spec.type ?? '0', 156, 'latin1');
  writeString(block, spec.linkName ?? '', 157, 100);
  const magic = spec.magic ?? 'ustar';
  if (magic === 'ustar') block.write('ustar\u000000', 257, 'latin1');
  if (magic === 'gnu') block.write('ustar  \u0000', 257, 'latin1');
  if (spec.prefix) writeString(block, spec.prefix, 345, 155);
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of block) sum += b;
  if (spec.badChecksum) sum += 1;
  writeString(block, sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
  return block;
}

function pad(length: number): Buffer {
  return Buffer.alloc((512 - (length % 512)) % 512);
}

/** A pax extended header entry ('x' for the next member, 'g' for all that follow). */
export function paxEntry(records: Record<string, string>, type: 'x' | 'g' = 'x'): TarEntrySpec {
  let body = '';
  for (const [k, v] of Object.entries(records)) {
    const rest = ` ${k}=${v}\n`;
    let len = Buffer.byteLength(rest) + 1;
    while (String(len).length + Buffer.byteLength(rest) !== len) len = String(len).length + Buffer.byteLength(rest);
    body += `${len}${rest}`;
  }
  return { name: 'PaxHeader', type, data: body };
}

/** A GNU long-name ('L') entry naming the member that follows. */
export function gnuLongName(name: string): TarEntrySpec {
  return { name: '././@LongLink', type: 'L', data: name + '\0', magic: 'gnu' };
}

export interface BuildTarOptions {
  /** Append the two zero blocks (default true). */
  end?: boolean;
  /** Cut the result to this many bytes. */
  truncateTo?: number;
}

/** Header + data (padded) for each entry, then the end-of-archive blocks. */
export function buildTar(entries: readonly TarEntrySpec[], options: BuildTarOptions = {}): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    parts.push(tarHeader(e));
    if (e.data !== undefined) {
      const data = Buffer.from(e.data);
      parts.push(data, pad(data.length));
    }
  }
  if (options.end !== false) parts.push(Buffer.alloc(1024));
  const all = Buffer.concat(parts);
  return options.truncateTo === undefined ? all : all.subarray(0, options.truncateTo);
}

/**
 * Writes a tar whose single member is `size` bytes of sparse zeros, so a
 * multi-GiB OVA costs no disk. Returns the member's data offset (512).
 */
export function writeSparseTar(path: string, name: string, size: number): number {
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, tarHeader({ name, size }), 0, 512, 0);
    ftruncateSync(fd, 512 + Math.ceil(size / 512) * 512 + 1024);
  } finally {
    closeSync(fd);
  }
  return 512;
}

export interface ZipEntrySpec {
  name: string;
  data?: Buffer | string;
  /** 0 stored, 8 deflate (default 8). */
  method?: number;
  /** Uncompressed size written in the headers (set it to lie). */
  size?: number;
  /** Compressed size written in the headers (set it to lie). */
  compressedSize?: number;
  /** Unix mode for the external attributes (e.g. 0o120777 for a symlink). */
  unixMode?: number;
  flags?: number;
  /** Local-header offset written in the central directory (to make entries overlap). */
  headerOffset?: number;
}

/** A zip with local headers, data and a central directory, all hand-written (APPNOTE 4.3). */
export function buildZip(entries: readonly ZipEntrySpec[], options: { truncateTo?: number; comment?: string } = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const raw = Buffer.from(e.data ?? '');
    const method = e.method ?? 8;
    const body = method === 8 ? deflateRawSync(raw) : raw;
    const name = Buffer.from(e.name, 'utf8');
    const fields = { crc: crc32(raw), csize: e.compressedSize ?? body.length, usize: e.size ?? raw.length };
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.flags ?? 0, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(fields.crc, 14);
    local.writeUInt32LE(fields.csize, 18);
    local.writeUInt32LE(fields.usize, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(e.unixMode === undefined ? 20 : (3 << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(e.flags ?? 0, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(fields.crc, 16);
    central.writeUInt32LE(fields.csize, 20);
    central.writeUInt32LE(fields.usize, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((e.unixMode ?? 0) << 16) >>> 0, 38);
    central.writeUInt32LE(e.headerOffset ?? offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const comment = Buffer.from(options.comment ?? '');
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  eocd.writeUInt16LE(comment.length, 20);
  const all = Buffer.concat([...locals, cd, eocd, comment]);
  return options.truncateTo === undefined ? all : all.subarray(0, options.truncateTo);
}

/** A fresh temporary directory and a function that removes it. */
export function tempDir(prefix = 'ovfpipe-test-'): { dir: string; file: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, file: (name) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
