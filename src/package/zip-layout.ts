/**
 * Zip structure checks done before and after unzipper reads the central
 * directory (APPNOTE 4.3.16 end of central directory, 4.3.14 zip64). A
 * hostile zip must end in a located OVFPIPE_ARCHIVE error, never in a hang
 * waiting for bytes that are not there or a huge allocation.
 */
import type { FileHandle } from 'node:fs/promises';
import { archiveError } from './limits.js';

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
export const LOCAL_HEADER_SIG = 0x04034b50;
export const CENTRAL_HEADER_SIG = 0x02014b50;
const MAX_COMMENT = 0xffff;

export interface ZipEnd {
  /** Offset of the end-of-central-directory record. */
  eocdOffset: number;
  /** Bytes from the EOCD record to the end of the file (unzipper's tailSize). */
  tailSize: number;
  entries: number;
  cdOffset: number;
  cdSize: number;
}

async function readAt(h: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await h.read(buf, 0, length, position);
  return buf.subarray(0, bytesRead);
}

function u64(buf: Buffer, at: number, where: string): number {
  const v = buf.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw archiveError('zip64 field is too large', where);
  return Number(v);
}

/** Finds and checks the end-of-central-directory record, following zip64 when its fields are saturated. */
export async function readZipEnd(h: FileHandle, fileSize: number): Promise<ZipEnd> {
  const tailStart = Math.max(0, fileSize - (22 + MAX_COMMENT));
  const tail = await readAt(h, tailStart, fileSize - tailStart);
  let at = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD_SIG && i + 22 + tail.readUInt16LE(i + 20) <= tail.length) {
      at = i;
      break;
    }
  }
  if (at === -1) throw archiveError('zip end of central directory not found: the zip is truncated or corrupt', `offset ${fileSize}`);
  const eocdOffset = tailStart + at;
  const where = `offset ${eocdOffset}`;
  let entries = tail.readUInt16LE(at + 10);
  let cdSize = tail.readUInt32LE(at + 12);
  let cdOffset = tail.readUInt32LE(at + 16);
  if (tail.readUInt16LE(at + 4) !== 0 || tail.readUInt16LE(at + 6) !== 0) throw archiveError('multi-disk zip archives are not supported', where);
  if (entries === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    if (eocdOffset < 20) throw archiveError('zip64 end of central directory locator is missing', where);
    const loc = await readAt(h, eocdOffset - 20, 20);
    if (loc.readUInt32LE(0) !== ZIP64_LOCATOR_SIG) throw archiveError('zip64 end of central directory locator is missing', where);
    const recOffset = u64(loc, 8, where);
    const rec = recOffset + 56 <= eocdOffset ? await readAt(h, recOffset, 56) : Buffer.alloc(0);
    if (rec.length < 56 || rec.readUInt32LE(0) !== ZIP64_EOCD_SIG) throw archiveError('zip64 end of central directory record is corrupt', where);
    entries = u64(rec, 32, where);
    cdSize = u64(rec, 40, where);
    cdOffset = u64(rec, 48, where);
  }
  if (cdOffset + cdSize > eocdOffset) throw archiveError('zip central directory runs past its end record (truncated or corrupt)', where);
  if (entries * 46 > cdSize) throw archiveError(`zip claims ${entries} entries but its central directory has room for fewer`, where);
  return { eocdOffset, tailSize: fileSize - eocdOffset, entries, cdOffset, cdSize };
}

/**
 * Reads an entry's local header and returns where its data starts. The
 * local header is checked against the central directory because the two
 * disagreeing is a known trick for showing scanners different content.
 */
export async function localDataOffset(h: FileHandle, headerOffset: number, compressedSize: number, cdOffset: number, where: string): Promise<number> {
  const head = await readAt(h, headerOffset, 30);
  if (head.length < 30 || head.readUInt32LE(0) !== LOCAL_HEADER_SIG) throw archiveError('zip local file header is missing or corrupt', where);
  const dataOffset = headerOffset + 30 + head.readUInt16LE(26) + head.readUInt16LE(28);
  if (dataOffset + compressedSize > cdOffset) throw archiveError('zip entry data runs into the central directory (corrupt or overlapping)', where);
  return dataOffset;
}
