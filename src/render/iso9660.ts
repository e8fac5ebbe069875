/**
 * A small ISO 9660 writer (ECMA-119) with a Joliet supplementary volume, for
 * the OVF environment CD-ROM (DSP0243 §11.2). Pure: files in, image bytes out;
 * no external tool at run time.
 *
 * Only a flat root directory is written. Every file appears twice, in the
 * primary volume under an 8.3 upper-case name (`OVF_ENV.XML;1`) and in the
 * Joliet volume under its own name (`ovf-env.xml`); both records point at the
 * same extent. Guests read the Joliet tree (Linux isofs and Windows both
 * prefer it to the 8.3 names), so the file keeps its name.
 *
 * Layout, in 2048-byte logical sectors:
 *   0–15 system area · 16 primary descriptor · 17 Joliet descriptor ·
 *   18 terminator · 19/20 primary L/M path tables · 21/22 Joliet L/M path
 *   tables · 23 primary root · 24 Joliet root · 25… file data.
 * The same inputs give the same bytes: every date is `epochSeconds` (UTC).
 */

const SECTOR = 2048;
const FIRST_DATA_SECTOR = 25;
const SECTORS = { primary: 16, joliet: 17, terminator: 18, primaryPathL: 19, primaryPathM: 20, jolietPathL: 21, jolietPathM: 22, primaryRoot: 23, jolietRoot: 24 } as const;

export interface IsoFile {
  /** The file's name in the root directory (Joliet keeps it; the primary volume gets an 8.3 form). */
  name: string;
  data: Uint8Array;
}

export interface IsoImageOptions {
  /** Volume label (at most 32 characters in the primary volume, 16 in Joliet). */
  volumeId: string;
  files: readonly IsoFile[];
  /** Seconds since the epoch stamped on the volume and every record (default 0: reproducible images). */
  epochSeconds?: number;
  /** Application identifier recorded in the volume descriptors. */
  application?: string;
}

/** The ISO 9660 image, with Joliet, holding `files` in its root directory. */
export function isoImage(opts: IsoImageOptions): Buffer {
  const date = new Date((opts.epochSeconds ?? 0) * 1000);
  const files = opts.files.map((f) => ({ ...f, primaryName: primaryName(f.name), jolietName: jolietName(f.name) }));
  checkUnique(files.map((f) => f.primaryName));
  checkUnique(files.map((f) => f.name));
  let next = FIRST_DATA_SECTOR;
  const extents = files.map((f) => {
    const at = next;
    next += Math.max(1, Math.ceil(f.data.length / SECTOR));
    return at;
  });
  const totalSectors = next;
  const image = Buffer.alloc(totalSectors * SECTOR);

  const primaryRoot = directory(
    SECTORS.primaryRoot,
    files.map((f, i) => ({ id: Buffer.from(`${f.primaryName};1`, 'ascii'), extent: extents[i]!, size: f.data.length })),
    date,
  );
  const jolietRoot = directory(
    SECTORS.jolietRoot,
    files.map((f, i) => ({ id: f.jolietName, extent: extents[i]!, size: f.data.length })),
    date,
  );
  primaryRoot.copy(image, SECTORS.primaryRoot * SECTOR);
  jolietRoot.copy(image, SECTORS.jolietRoot * SECTOR);

  const common = { totalSectors, date, application: opts.application ?? '' };
  volumeDescriptor({ ...common, kind: 'primary', volumeId: opts.volumeId, rootSector: SECTORS.primaryRoot, pathL: SECTORS.primaryPathL, pathM: SECTORS.primaryPathM }).copy(
    image,
    SECTORS.primary * SECTOR,
  );
  volumeDescriptor({ ...common, kind: 'joliet', volumeId: opts.volumeId, rootSector: SECTORS.jolietRoot, pathL: SECTORS.jolietPathL, pathM: SECTORS.jolietPathM }).copy(image, SECTORS.joliet * SECTOR);
  terminator().copy(image, SECTORS.terminator * SECTOR);
  pathTable(SECTORS.primaryRoot, 'L').copy(image, SECTORS.primaryPathL * SECTOR);
  pathTable(SECTORS.primaryRoot, 'M').copy(image, SECTORS.primaryPathM * SECTOR);
  pathTable(SECTORS.jolietRoot, 'L').copy(image, SECTORS.jolietPathL * SECTOR);
  pathTable(SECTORS.jolietRoot, 'M').copy(image, SECTORS.jolietPathM * SECTOR);
  files.forEach((f, i) => image.set(f.data, extents[i]! * SECTOR));
  return image;
}

/** ECMA-119 §7.5 level 1: d-characters only, at most 8 + 3. */
export function primaryName(name: string): string {
  const upper = name.toUpperCase().replace(/[^A-Z0-9_.]/g, '_');
  const dot = upper.lastIndexOf('.');
  const base = (dot === -1 ? upper : upper.slice(0, dot)).replace(/\./g, '_').slice(0, 8) || '_';
  const ext = dot === -1 ? '' : upper.slice(dot + 1).slice(0, 3);
  return ext === '' ? `${base}.` : `${base}.${ext}`;
}

/** Joliet: UCS-2 big-endian, at most 64 characters; `* / : ; ? \` are not allowed. */
function jolietName(name: string): Buffer {
  if (name.length === 0 || name.length > 64 || /[*/:;?\\\u0000-\u001f]/.test(name) || /[\ud800-\udfff]/.test(name))
    throw new RangeError(`ISO 9660: '${name}' cannot be a Joliet file name (1-64 characters, none of * / : ; ? \\)`);
  return ucs2(name);
}

function ucs2(text: string): Buffer {
  const b = Buffer.from(text, 'utf16le');
  b.swap16();
  return b;
}

function checkUnique(names: string[]): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new RangeError(`ISO 9660: two files named '${n}'`);
    seen.add(n);
  }
}

function both16(b: Buffer, at: number, v: number): void {
  b.writeUInt16LE(v, at);
  b.writeUInt16BE(v, at + 2);
}

function both32(b: Buffer, at: number, v: number): void {
  b.writeUInt32LE(v, at);
  b.writeUInt32BE(v, at + 4);
}

/** ECMA-119 §9.1.5: seven bytes, years since 1900, UTC. */
function recordDate(d: Date): Buffer {
  return Buffer.from([d.getUTCFullYear() - 1900, d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), 0]);
}

/** ECMA-119 §8.4.26.1: "YYYYMMDDHHMMSScc" and a zone offset byte. */
function volumeDate(d: Date | undefined): Buffer {
  const b = Buffer.alloc(17);
  const p = (n: number, w: number) => String(n).padStart(w, '0');
  const text =
    d === undefined
      ? '0000000000000000'
      : `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1, 2)}${p(d.getUTCDate(), 2)}${p(d.getUTCHours(), 2)}${p(d.getUTCMinutes(), 2)}${p(d.getUTCSeconds(), 2)}00`;
  b.write(text, 0, 'ascii');
  return b;
}

interface RecordSpec {
  id: Buffer;
  extent: number;
  size: number;
  directory?: boolean;
}

/** ECMA-119 §9.1: one directory record, padded to an even length. */
function record(r: RecordSpec, date: Date): Buffer {
  const length = 33 + r.id.length + (r.id.length % 2 === 0 ? 1 : 0);
  const b = Buffer.alloc(length);
  b[0] = length;
  both32(b, 2, r.extent);
  both32(b, 10, r.size);
  recordDate(date).copy(b, 18);
  b[25] = r.directory ? 2 : 0;
  both16(b, 28, 1);
  b[32] = r.id.length;
  r.id.copy(b, 33);
  return b;
}

/** The root directory (one sector): `.`, `..` and the files sorted by identifier (§9.3). */
function directory(self: number, files: RecordSpec[], date: Date): Buffer {
  const dot = { id: Buffer.from([0]), extent: self, size: SECTOR, directory: true };
  const dotdot = { id: Buffer.from([1]), extent: self, size: SECTOR, directory: true };
  const sorted = [...files].sort((a, b) => Buffer.compare(a.id, b.id));
  const records = [dot, dotdot, ...sorted].map((r) => record(r, date));
  const out = Buffer.concat(records);
  if (out.length > SECTOR) throw new RangeError('ISO 9660: too many files for a one-sector root directory');
  return Buffer.concat([out, Buffer.alloc(SECTOR - out.length)]);
}

/** ECMA-119 §9.4: a path table holding the root only. */
function pathTable(rootSector: number, order: 'L' | 'M'): Buffer {
  const b = Buffer.alloc(10);
  b[0] = 1;
  if (order === 'L') {
    b.writeUInt32LE(rootSector, 2);
    b.writeUInt16LE(1, 6);
  } else {
    b.writeUInt32BE(rootSector, 2);
    b.writeUInt16BE(1, 6);
  }
  return b;
}

interface DescriptorSpec {
  kind: 'primary' | 'joliet';
  volumeId: string;
  totalSectors: number;
  rootSector: number;
  pathL: number;
  pathM: number;
  date: Date;
  application: string;
}

/** ECMA-119 §8.4 primary / §8.5 supplementary volume descriptor (Joliet: escape `%/E`, UCS-2 level 3). */
function volumeDescriptor(d: DescriptorSpec): Buffer {
  const b = Buffer.alloc(SECTOR);
  const joliet = d.kind === 'joliet';
  b[0] = joliet ? 2 : 1;
  b.write('CD001', 1, 'ascii');
  b[6] = 1;
  const text = (at: number, width: number, value: string) => {
    if (joliet) {
      const filled = Buffer.alloc(width);
      for (let i = 0; i + 1 < width; i += 2) filled.writeUInt16BE(0x20, i);
      ucs2(value.slice(0, Math.floor(width / 2))).copy(filled);
      filled.copy(b, at);
    } else b.write(value.slice(0, width).padEnd(width, ' '), at, 'ascii');
  };
  text(8, 32, '');
  text(40, 32, d.volumeId);
  both32(b, 80, d.totalSectors);
  if (joliet) b.write('%/E', 88, 'ascii');
  both16(b, 120, 1);
  both16(b, 124, 1);
  both16(b, 128, SECTOR);
  both32(b, 132, 10);
  b.writeUInt32LE(d.pathL, 140);
  b.writeUInt32BE(d.pathM, 148);
  record({ id: Buffer.from([0]), extent: d.rootSector, size: SECTOR, directory: true }, d.date).copy(b, 156);
  text(190, 128, '');
  text(318, 128, '');
  text(446, 128, '');
  text(574, 128, d.application);
  text(702, 37, '');
  text(739, 37, '');
  text(776, 37, '');
  volumeDate(d.date).copy(b, 813);
  volumeDate(d.date).copy(b, 830);
  volumeDate(undefined).copy(b, 847);
  volumeDate(d.date).copy(b, 864);
  b[881] = 1;
  return b;
}

function terminator(): Buffer {
  const b = Buffer.alloc(SECTOR);
  b[0] = 255;
  b.write('CD001', 1, 'ascii');
  b[6] = 1;
  return b;
}
