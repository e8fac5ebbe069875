/**
 * Property-based fuzzing of archives built in code: tar header fields
 * (name, mode, size, typeflag, linkname, magic, prefix…, with the checksum
 * fixed up or not), pax records, GNU long names, byte flips and truncation
 * anywhere, gzip on top; zip local and central directory fields and the end
 * record. Every command must give a verdict and write nothing outside its
 * render target. Run counts are fixed (numRuns) so the suite stays fast.
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, it } from 'vitest';
import { buildTar, buildZip, gnuLongName, paxEntry, type TarEntrySpec } from '../helpers/archives.js';
import { ovaEntries, WEB_OVF } from '../helpers/packages.js';
import { FuzzHarness } from './harness.js';
import { EXTREME_VALUES } from './mutations.js';

/** ustar header fields: [offset, length] (POSIX.1-1988). */
const TAR_FIELDS: Record<string, [number, number]> = {
  name: [0, 100],
  mode: [100, 8],
  uid: [108, 8],
  gid: [116, 8],
  size: [124, 12],
  mtime: [136, 12],
  typeflag: [156, 1],
  linkname: [157, 100],
  magic: [257, 6],
  version: [263, 2],
  uname: [265, 32],
  gname: [297, 32],
  devmajor: [329, 8],
  devminor: [337, 8],
  prefix: [345, 155],
};

/** Interesting contents for a numeric or name field: octal extremes, base-256, NULs, spaces, escapes. */
const fieldContent = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 12 }),
  fc.constantFrom(
    Buffer.from('77777777777\0'),
    Buffer.from('00000000000\0'),
    Buffer.from('-0000000001\0'),
    Buffer.from('9999'),
    Buffer.from([0x80, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff]),
    Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
    Buffer.from('        '),
    Buffer.from('\0'),
    Buffer.from('../../etc/passwd'),
    Buffer.from('/etc/passwd'),
    Buffer.from('web-appliance.ovf'),
    Buffer.from('a'.repeat(100)),
    Buffer.from('0123456789'),
    Buffer.from('12345670123'),
    Buffer.from('1'),
    Buffer.from('2'),
    Buffer.from('5'),
    Buffer.from('x'),
    Buffer.from('g'),
    Buffer.from('L'),
  ),
);

function fixChecksum(block: Buffer): void {
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of block) sum += b;
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
}

/** Header offsets of each entry in a tar built by buildTar. */
function headerOffsets(entries: readonly TarEntrySpec[]): number[] {
  const out: number[] = [];
  let at = 0;
  for (const e of entries) {
    out.push(at);
    const n = e.data === undefined ? 0 : Buffer.byteLength(e.data);
    at += 512 + Math.ceil(n / 512) * 512;
  }
  return out;
}

const headerEdit = fc.record({ entry: fc.nat(), field: fc.constantFrom(...Object.keys(TAR_FIELDS)), content: fieldContent, fix: fc.boolean() });

const extraEntries = fc.array(
  fc.oneof(
    fc
      .record({ key: fc.constantFrom('path', 'size', 'linkpath', 'mtime', 'uid', 'x-any', 'GNU.sparse.size'), value: fc.constantFrom(...EXTREME_VALUES.slice(0, 24)) })
      .map(({ key, value }) => paxEntry({ [key]: value })),
    fc.constantFrom(...EXTREME_VALUES.slice(0, 24)).map((v) => gnuLongName(v || 'empty')),
    fc.constantFrom<TarEntrySpec>(
      { name: 'web-disk1.vmdk', data: 'again' },
      { name: 'x.vmdk', size: 2 ** 40 },
      { name: 'dir/', type: '5' },
      { name: 'fifo', type: '6' },
      { name: 'web-appliance.ovf', data: WEB_OVF },
    ),
  ),
  { maxLength: 2 },
);

const tarCase = fc.record({
  edits: fc.array(headerEdit, { maxLength: 3 }),
  extras: extraEntries,
  extrasAt: fc.nat(),
  flips: fc.array(fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }), { maxLength: 3 }),
  truncate: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined, freq: 4 }),
  gzip: fc.boolean(),
});

/** The OVA with its mutations applied. */
function mutatedTar(c: {
  edits: Array<{ entry: number; field: string; content: Uint8Array; fix: boolean }>;
  extras: TarEntrySpec[];
  extrasAt: number;
  flips: Array<{ at: number; xor: number }>;
  truncate?: number;
  gzip: boolean;
}): Buffer {
  const entries = ovaEntries(WEB_OVF);
  entries.splice(c.extrasAt % (entries.length + 1), 0, ...c.extras);
  const tar = Buffer.from(buildTar(entries));
  const offsets = headerOffsets(entries);
  for (const e of c.edits) {
    const at = offsets[e.entry % offsets.length]!;
    const [off, len] = TAR_FIELDS[e.field]!;
    const field = tar.subarray(at + off, at + off + len);
    field.fill(0);
    Buffer.from(e.content).copy(field, 0, 0, len);
    if (e.fix) fixChecksum(tar.subarray(at, at + 512));
  }
  for (const f of c.flips) tar[f.at % tar.length] ^= f.xor;
  const cut = c.truncate === undefined ? tar : tar.subarray(0, Math.floor(tar.length * c.truncate));
  return c.gzip ? gzipSync(cut) : cut;
}

/** Zip fields: [which structure, offset within it, width in bytes]. */
const ZIP_FIELDS: Array<[string, 'local' | 'central' | 'end', number, 2 | 4]> = [
  ['local flags', 'local', 6, 2],
  ['local method', 'local', 8, 2],
  ['local crc', 'local', 14, 4],
  ['local csize', 'local', 18, 4],
  ['local usize', 'local', 22, 4],
  ['local name length', 'local', 26, 2],
  ['local extra length', 'local', 28, 2],
  ['central made-by', 'central', 4, 2],
  ['central flags', 'central', 8, 2],
  ['central method', 'central', 10, 2],
  ['central crc', 'central', 16, 4],
  ['central csize', 'central', 20, 4],
  ['central usize', 'central', 24, 4],
  ['central name length', 'central', 28, 2],
  ['central extra length', 'central', 30, 2],
  ['central comment length', 'central', 32, 2],
  ['central disk', 'central', 34, 2],
  ['central external attributes', 'central', 38, 4],
  ['central local offset', 'central', 42, 4],
  ['end disk', 'end', 4, 2],
  ['end entries on disk', 'end', 8, 2],
  ['end entries', 'end', 10, 2],
  ['end directory size', 'end', 12, 4],
  ['end directory offset', 'end', 16, 4],
  ['end comment length', 'end', 20, 2],
];

const zipValue = fc.oneof(fc.constantFrom(0, 1, 0xffff, 0xffffffff, 0x7fffffff, 30, 512, 0xa1ff0000), fc.nat());

const zipCase = fc.record({
  edits: fc.array(fc.record({ field: fc.nat({ max: ZIP_FIELDS.length - 1 }), entry: fc.nat(), value: zipValue }), { minLength: 1, maxLength: 3 }),
  flips: fc.array(fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }), { maxLength: 2 }),
  truncate: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined, freq: 5 }),
  stored: fc.boolean(),
});

/** Offsets of every local header, central header and the end record, found by signature from the known layout. */
function zipLayout(zip: Buffer, count: number): { local: number[]; central: number[]; end: number } {
  const end = zip.length - 22;
  const cdOffset = zip.readUInt32LE(end + 16);
  const central: number[] = [];
  const local: number[] = [];
  let at = cdOffset;
  for (let i = 0; i < count; i++) {
    central.push(at);
    local.push(zip.readUInt32LE(at + 42));
    at += 46 + zip.readUInt16LE(at + 28) + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return { local, central, end };
}

function mutatedZip(c: { edits: Array<{ field: number; entry: number; value: number }>; flips: Array<{ at: number; xor: number }>; truncate?: number; stored: boolean }): Buffer {
  const members = ovaEntries(WEB_OVF).map((e) => ({ name: e.name, data: e.data, method: c.stored ? 0 : 8 }));
  const zip = Buffer.from(buildZip(members));
  const layout = zipLayout(zip, members.length);
  for (const e of c.edits) {
    const [, where, off, width] = ZIP_FIELDS[e.field]!;
    const base = where === 'end' ? layout.end : layout[where][e.entry % members.length]!;
    if (width === 2) zip.writeUInt16LE(e.value & 0xffff, base + off);
    else zip.writeUInt32LE(e.value >>> 0, base + off);
  }
  for (const f of c.flips) zip[f.at % zip.length] ^= f.xor;
  return c.truncate === undefined ? zip : zip.subarray(0, Math.floor(zip.length * c.truncate));
}

const harness = new FuzzHarness('archive fuzz');
afterAll(() => {
  console.log(harness.summary());
  harness.cleanup();
});

const runs = (n: number) => Number(process.env['FUZZ_RUNS'] ?? n);
const seed = Number(process.env['FUZZ_SEED'] ?? 18);

describe('mutated archives', () => {
  it('tar: every command gives a verdict and writes only into its target', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(tarCase, fc.integer({ min: 0, max: 9 }), async (c, dice) => {
        await harness.check({ files: { 'x.ova': mutatedTar(c) }, target: 'x.ova' }, { cli: dice === 0 });
      }),
      { numRuns: runs(120), seed, endOnFailure: true },
    );
  });

  it('zip: every command gives a verdict and writes only into its target', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(zipCase, fc.integer({ min: 0, max: 9 }), async (c, dice) => {
        await harness.check({ files: { 'x.zip': mutatedZip(c) }, target: 'x.zip' }, { cli: dice === 0 });
      }),
      { numRuns: runs(80), seed, endOnFailure: true },
    );
  });
});
