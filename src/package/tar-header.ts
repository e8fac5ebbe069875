/**
 * Pure decoding of tar header blocks: POSIX ustar, GNU (`ustar  `) and the
 * old v7 layout, plus pax extended records (POSIX.1-2001) and GNU long
 * names. No IO here, in the manner of node-tar's Parser: the indexer feeds
 * blocks in. DSP0243 §5.3 requires OVAs to be ustar; real exporters also
 * write pax and GNU extensions, so those are read too.
 */
import { archiveError } from './limits.js';
import { trimEndChars, trimStartChars } from '../strings.js';

export const BLOCK = 512;

export interface TarHeader {
  name: string;
  size: number;
  /** The typeflag character; '\0' is normalised to '0'. */
  type: string;
  linkName: string;
}

/** Bytes a member's data occupies in the archive, padded to the 512-byte block. */
export function paddedSize(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

export function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

function cString(block: Buffer, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const nul = field.indexOf(0);
  return field.subarray(0, nul === -1 ? length : nul).toString('utf8');
}

/** Numeric fields are octal text, or GNU base-256 when the high bit of the first byte is set. */
function numericField(block: Buffer, start: number, length: number, what: string, where: string): number {
  const field = block.subarray(start, start + length);
  if (field[0]! & 0x80) {
    if (field[0] === 0xff) throw archiveError(`tar header has a negative ${what}`, where);
    let value = field[0]! & 0x7f;
    for (let i = 1; i < length; i++) {
      value = value * 256 + field[i]!;
      if (value > Number.MAX_SAFE_INTEGER) throw archiveError(`tar header ${what} is too large`, where);
    }
    return value;
  }
  const text = trimStartChars(trimEndChars(field.toString('latin1'), '\0 '), ' ');
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw archiveError(`tar header has a malformed ${what} field ${JSON.stringify(text)}`, where);
  return parseInt(text, 8);
}

/** The header checksum treats its own field as spaces; both unsigned and (historic) signed sums are accepted. */
export function checksumMatches(block: Buffer): boolean {
  const text = trimEndChars(block.subarray(148, 156).toString('latin1'), '\0 ').trim();
  if (!/^[0-7]+$/.test(text)) return false;
  const stored = parseInt(text, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}

/** Decodes one header block; throws OVFPIPE_ARCHIVE when it is not a tar header. */
export function decodeHeader(block: Buffer, where: string): TarHeader {
  if (!checksumMatches(block)) throw archiveError('not a tar header (checksum mismatch); the archive is corrupt or not a tar', where);
  const magic = block.subarray(257, 263).toString('latin1');
  let name = cString(block, 0, 100);
  // POSIX ustar splits long names into prefix + name; GNU uses that area for other fields.
  if (magic === 'ustar\0') {
    const prefix = cString(block, 345, 155);
    if (prefix !== '') name = `${prefix}/${name}`;
  }
  const rawType = String.fromCharCode(block[156]!);
  return {
    name,
    size: numericField(block, 124, 12, 'size', where),
    type: rawType === '\0' ? '0' : rawType,
    linkName: cString(block, 157, 100),
  };
}

/**
 * Parses pax extended header records: `"<len> <key>=<value>\n"`, where len
 * counts the whole record in bytes. Malformed records are refused, not
 * skipped, because a skipped `path` would silently rename a member.
 */
export function parsePaxRecords(data: Buffer, where: string): Map<string, string> {
  const records = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    if (data[pos] === 0) break; // trailing NUL padding written by some tools
    const space = data.indexOf(0x20, pos);
    const lenText = space === -1 ? '' : data.subarray(pos, space).toString('latin1');
    if (!/^[0-9]{1,12}$/.test(lenText)) throw archiveError('malformed pax extended header record length', where);
    const len = parseInt(lenText, 10);
    const end = pos + len;
    if (len <= lenText.length + 1 || end > data.length || data[end - 1] !== 0x0a) throw archiveError('malformed pax extended header record (length does not match)', where);
    const record = data.subarray(space + 1, end - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq <= 0) throw archiveError('malformed pax extended header record (no key=value)', where);
    records.set(record.slice(0, eq), record.slice(eq + 1));
    pos = end;
  }
  return records;
}

/** Applies pax `size` overrides strictly: a decimal integer that fits, or the archive is refused. */
export function paxSize(value: string, where: string): number {
  if (!/^[0-9]{1,16}$/.test(value) || Number(value) > Number.MAX_SAFE_INTEGER) throw archiveError(`pax size record ${JSON.stringify(value.slice(0, 40))} is not a valid size`, where);
  return Number(value);
}

/** Human names for the typeflags we refuse, for error messages. */
export const REFUSED_TYPES: Readonly<Record<string, string>> = {
  '1': 'hard link',
  '2': 'symbolic link',
  '3': 'character device',
  '4': 'block device',
  '6': 'FIFO',
  S: 'GNU sparse file',
  M: 'GNU multi-volume continuation',
  N: 'GNU old long name',
  K: 'GNU long link name',
};
