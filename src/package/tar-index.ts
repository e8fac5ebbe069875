/**
 * Builds the member index of a tar archive from its headers alone
 * (PRODUCT.md §2: listing a 50 GiB OVA costs the same as a 5 MiB one).
 * The archive is reached through a ByteSource: positional reads for a plain
 * file, a forward-only cursor over a decompressed stream for gzip.
 */
import type { MemberInfo } from './reader.js';
import { BLOCK, REFUSED_TYPES, decodeHeader, isZeroBlock, paddedSize, parsePaxRecords, paxSize, type TarHeader } from './tar-header.js';
import { archiveError, checkMemberCount, limitError, type ReaderLimits } from './limits.js';
import { normaliseMemberName } from './names.js';
import { trimEndChars } from '../strings.js';

export interface ByteSource {
  /** Up to `length` bytes at `offset`; shorter only at the end of the input. */
  read(offset: number, length: number): Promise<Buffer>;
  /** Total length when known (always known for a plain file; for a stream, once its end was reached). */
  knownLength(): number | undefined;
}

interface Overrides {
  path?: string;
  size?: number;
}

interface IndexState {
  members: MemberInfo[];
  seen: Set<string>;
  local: Overrides;
  global: Overrides;
  longName?: string;
  /** End of the last member's data, and its name, to name the victim of a truncation. */
  lastDataEnd: number;
  lastName: string;
}

/** Reads every header and returns the regular-file members in archive order. */
export async function indexTar(source: ByteSource, limits: ReaderLimits): Promise<MemberInfo[]> {
  const st: IndexState = { members: [], seen: new Set(), local: {}, global: {}, lastDataEnd: 0, lastName: '' };
  let pos = 0;
  for (;;) {
    const block = await source.read(pos, BLOCK);
    if (block.length < BLOCK) {
      endWithoutMarker(source, st, pos, block.length);
      break;
    }
    if (isZeroBlock(block)) {
      if (pos === 0) throw archiveError('archive starts with an end-of-archive block: it holds no members', 'offset 0');
      break; // DSP0243 §5.3 OVAs are ustar: two zero blocks end the archive.
    }
    pos = await handleHeader(source, decodeHeader(block, `offset ${pos}`), pos, st, limits);
  }
  if (st.local.path !== undefined || st.local.size !== undefined || st.longName !== undefined) throw archiveError('archive ends after an extended header with no member following it', `offset ${pos}`);
  return st.members;
}

/** EOF where a header was due: fine at a block boundary after complete data, a truncation otherwise. */
function endWithoutMarker(source: ByteSource, st: IndexState, pos: number, got: number): void {
  const total = source.knownLength() ?? pos + got;
  if (total < st.lastDataEnd) throw archiveError(`member "${st.lastName}" is truncated: its header declares data up to byte ${st.lastDataEnd} but the archive ends at ${total}`, st.lastName);
  if (pos === 0 && got === 0) throw archiveError('file is empty', 'offset 0');
  if (got > 0) throw archiveError(`archive ends inside a tar header (${got} of 512 bytes)`, `offset ${pos}`);
}

async function handleHeader(source: ByteSource, h: TarHeader, pos: number, st: IndexState, limits: ReaderLimits): Promise<number> {
  const dataOffset = pos + BLOCK;
  const isMeta = h.type === 'x' || h.type === 'g' || h.type === 'L';
  const size = isMeta ? h.size : (st.local.size ?? st.global.size ?? h.size);
  const rawName = st.local.path ?? st.longName ?? st.global.path ?? h.name;
  const where = isMeta ? `offset ${pos}` : rawName || `offset ${pos}`;
  checkExtent(source, rawName || `offset ${pos}`, dataOffset, size);
  const next = dataOffset + paddedSize(size);
  if (isMeta) {
    const data = await readMeta(source, dataOffset, size, limits, where);
    if (h.type === 'L') st.longName = trimEndChars(data.toString('utf8'), '\0');
    else applyPax(parsePaxRecords(data, where), h.type === 'x' ? st.local : st.global, where);
    return next;
  }
  st.local = {};
  st.longName = undefined;
  if (h.type === '0' || h.type === '7') addMember(st, rawName, size, dataOffset, limits, where);
  else if (h.type === '5' || h.type === 'V') {
    // Directories and volume labels carry no member data.
  } else if (REFUSED_TYPES[h.type] !== undefined) {
    const target = h.linkName ? ` → ${JSON.stringify(h.linkName)}` : '';
    throw archiveError(`member "${rawName}" is a ${REFUSED_TYPES[h.type]}${target}; only regular files are allowed in a package`, where);
  } else throw archiveError(`member "${rawName}" has unsupported tar entry type '${h.type}'`, where);
  return next;
}

/** Refuses sizes over the limit, and (plain files) data running past the end of the archive. */
function checkExtent(source: ByteSource, where: string, dataOffset: number, size: number): void {
  const total = source.knownLength();
  if (total !== undefined && dataOffset + size > total)
    throw archiveError(`member "${where}" is truncated: its header declares ${size} bytes at offset ${dataOffset} but the archive ends at ${total}`, where);
}

async function readMeta(source: ByteSource, offset: number, size: number, limits: ReaderLimits, where: string): Promise<Buffer> {
  if (size > limits.maxHeaderBytes) throw limitError(`extended tar header of ${size} bytes exceeds the ${limits.maxHeaderBytes}-byte limit`, where);
  const data = await source.read(offset, size);
  if (data.length < size) throw archiveError('archive ends inside an extended tar header', where);
  return data;
}

function applyPax(records: Map<string, string>, into: Overrides, where: string): void {
  for (const [key, value] of records) {
    if (key.startsWith('GNU.sparse.')) throw archiveError('GNU sparse files are not supported in a package', where);
    if (key === 'path') into.path = value;
    else if (key === 'size') into.size = paxSize(value, where);
  }
}

function addMember(st: IndexState, rawName: string, size: number, offset: number, limits: ReaderLimits, where: string): void {
  // Old tars mark directories with a trailing slash on a regular-file entry.
  if (rawName.endsWith('/') && size === 0) return;
  const name = normaliseMemberName(rawName, where);
  if (size > limits.maxMemberBytes) throw archiveError(`member "${name}" declares ${size} bytes, over the ${limits.maxMemberBytes}-byte limit`, name);
  if (st.seen.has(name)) throw archiveError(`duplicate member name "${name}"`, name);
  st.seen.add(name);
  st.members.push({ name, size, offset, index: st.members.length });
  checkMemberCount(st.members.length, limits, name);
  st.lastDataEnd = offset + size;
  st.lastName = name;
}
