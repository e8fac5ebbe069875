import { writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPackage } from '../../src/package/open.js';
import { buildZip, tempDir, type ZipEntrySpec } from '../helpers/archives.js';
import { expectOvfError, listing, readAll } from './support.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

function write(name: string, data: Buffer): string {
  const p = tmp.file(name);
  writeFileSync(p, data);
  return p;
}

const disk = Buffer.alloc(300_000, 3);
const good: ZipEntrySpec[] = [
  { name: 'vm.ovf', data: '<Envelope/>' },
  { name: 'vm.mf', data: 'SHA256(vm.ovf)= 00\n', method: 0 },
  { name: 'sub/', data: '', method: 0 },
  { name: 'sub/disk.vmdk', data: disk },
];

describe('zip package', () => {
  it('lists members from the central directory and inflates them on open', async () => {
    const r = await openPackage(write('p.zip', buildZip(good, { comment: 'a comment longer than the eighty byte default tail that unzipper assumes ........' })));
    expect(r.kind).toBe('zip');
    expect(r.descriptorName).toBe('vm.ovf');
    expect(r.list().map((m) => [m.name, m.size, m.index])).toEqual([
      ['vm.ovf', 11, 0],
      ['vm.mf', 19, 1],
      ['sub/disk.vmdk', 300_000, 2],
    ]);
    expect((await readAll(await r.open('sub/disk.vmdk'))).equals(disk)).toBe(true);
    expect((await r.readSmall('vm.mf', 100)).toString()).toMatch(/^SHA256/);
  });

  it('is detected by content whatever the file is called', async () => {
    const r = await openPackage(write('looks-like.ova', buildZip(good)));
    expect(r.kind).toBe('zip');
  });
});

describe('hostile zip input', () => {
  const cases: Array<[string, () => Buffer, RegExp]> = [
    ['a ../ member name', () => buildZip([{ name: '../../evil.sh', data: 'x' }]), /'\.\.' segment/],
    ['an absolute member name', () => buildZip([{ name: '/etc/passwd', data: 'x' }]), /absolute path/],
    ['a backslash member name', () => buildZip([{ name: '..\\..\\evil', data: 'x' }]), /backslash/],
    ['a symbolic link entry', () => buildZip([{ name: 'disk.vmdk', data: '/etc/shadow', unixMode: 0o120777, method: 0 }]), /symbolic link/],
    ['a FIFO entry', () => buildZip([{ name: 'p', data: '', unixMode: 0o010644, method: 0 }]), /FIFO/],
    [
      'duplicate member names',
      () =>
        buildZip([
          { name: 'a', data: 'x' },
          { name: './a', data: 'y' },
        ]),
      /duplicate member name "a"/,
    ],
    ['an encrypted entry', () => buildZip([{ name: 'a', data: 'x', flags: 1 }]), /encrypted/],
    ['an unsupported compression method', () => buildZip([{ name: 'a', data: 'x', method: 12 }]), /compression method 12/],
    ['a declared size far beyond the compressed data (bomb ratio)', () => buildZip([{ name: 'bomb', data: 'x', size: 0xfffffff0 }]), /zip bomb/],
    [
      'entries that overlap one another',
      () =>
        buildZip([
          { name: 'a', data: disk },
          { name: 'b', data: disk, headerOffset: 0 },
        ]),
      /overlaps/,
    ],
    ['a zip cut before its end record', () => buildZip(good).subarray(0, 200), /end of central directory not found/],
    [
      'an end record that claims more entries than fit',
      () => {
        const z = buildZip(good);
        z.writeUInt16LE(5000, z.length - 22 + 10);
        return z;
      },
      /claims 5000 entries/,
    ],
    [
      'a central directory that points past the end',
      () => {
        const z = buildZip(good);
        z.writeUInt32LE(0x7fffffff, z.length - 22 + 16);
        return z;
      },
      /runs past/,
    ],
    [
      'a central directory entry with a bad signature',
      () => {
        const z = buildZip(good);
        const cd = z.readUInt32LE(z.length - 22 + 16);
        z.writeUInt32LE(0xdeadbeef, cd);
        return z;
      },
      /bad signature/,
    ],
  ];
  for (const [what, make, pattern] of cases) {
    it(`refuses ${what}`, async () => {
      const p = write('hostile.zip', make());
      await expectOvfError(openPackage(p), 'OVFPIPE_ARCHIVE', pattern);
      expect(listing(tmp.dir)).toEqual(['hostile.zip']);
    });
  }

  it('refuses a declared size over the member limit', async () => {
    const p = write('big.zip', buildZip([{ name: 'a', data: Buffer.alloc(5000) }]));
    await expectOvfError(openPackage(p, { limits: { maxMemberBytes: 4096 } }), 'OVFPIPE_ARCHIVE', /over the 4096-byte limit/);
  });

  it('stops a member that inflates past its declared size', async () => {
    const r = await openPackage(write('lie.zip', buildZip([{ name: 'a', data: Buffer.alloc(2_000_000), size: 1000 }])));
    expect(r.list()[0]!.size).toBe(1000);
    await expectOvfError(readAll(await r.open('a')), 'OVFPIPE_ARCHIVE', /more than its declared 1000 bytes/);
    expect(listing(tmp.dir)).toEqual(['lie.zip']);
  });

  it('reports a member that inflates to less than its declared size', async () => {
    const r = await openPackage(write('short.zip', buildZip([{ name: 'a', data: 'tiny', size: 50 }])));
    await expectOvfError(readAll(await r.open('a')), 'OVFPIPE_ARCHIVE', /truncated: 4 of its declared 50 bytes/);
  });

  it('reports corrupt deflate data as an archive error', async () => {
    const z = buildZip([{ name: 'a', data: Buffer.alloc(10_000, 9) }]);
    z.fill(0xff, 31, 40);
    const r = await openPackage(write('corrupt.zip', z));
    await expectOvfError(readAll(await r.open('a')), 'OVFPIPE_ARCHIVE', /cannot read member "a"/);
  });

  it('refuses to open a member whose local header is not where the central directory says', async () => {
    const z = buildZip([
      { name: 'a', data: 'hello' },
      { name: 'b', data: 'world' },
    ]);
    z.writeUInt32LE(0, z.indexOf(Buffer.from([0x50, 0x4b, 3, 4]), 4));
    const r = await openPackage(write('local.zip', z));
    expect((await readAll(await r.open('a'))).toString()).toBe('hello');
    await expectOvfError(r.open('b'), 'OVFPIPE_ARCHIVE', /local file header is missing or corrupt/);
  });
});

describe('zip central directory that lies about name lengths', () => {
  it('ends in an archive error rather than a hang', async () => {
    const z = buildZip([{ name: 'a', data: 'x' }]);
    const cd = z.readUInt32LE(z.length - 22 + 16);
    z.writeUInt16LE(0xffff, cd + 28);
    await expectOvfError(openPackage(write('names.zip', z)), 'OVFPIPE_ARCHIVE', /central directory/);
  });
});
