import { gzipSync } from 'node:zlib';
import { truncateSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPackage } from '../../src/package/open.js';
import { TarReader } from '../../src/package/tar-reader.js';
import { buildTar, gnuLongName, paxEntry, tempDir, writeSparseTar, type TarEntrySpec } from '../helpers/archives.js';
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

const good: TarEntrySpec[] = [
  { name: 'vm.ovf', data: '<Envelope/>' },
  { name: 'vm.mf', data: 'SHA256(vm.ovf)= 00\n' },
  { name: 'disk.vmdk', data: Buffer.alloc(1500, 7) },
];

describe('plain tar OVA', () => {
  it('lists members in archive order with data offsets and reads them back', async () => {
    const r = await openPackage(write('a.ova', buildTar(good)));
    expect(r.kind).toBe('ova');
    expect(r.descriptorName).toBe('vm.ovf');
    expect(r.list().map((m) => [m.name, m.size, m.offset, m.index])).toEqual([
      ['vm.ovf', 11, 512, 0],
      ['vm.mf', 19, 1536, 1],
      ['disk.vmdk', 1500, 2560, 2],
    ]);
    expect((await readAll(await r.open('disk.vmdk'))).equals(Buffer.alloc(1500, 7))).toBe(true);
    expect((await r.readSmall('vm.ovf', 100)).toString()).toBe('<Envelope/>');
    await r.close();
  });

  it('indexes by reading only the header blocks', async () => {
    const r = await openPackage(write('a.ova', buildTar(good)));
    expect(r).toBeInstanceOf(TarReader);
    // Three headers and the first end-of-archive block; no member data.
    expect((r as TarReader).indexBytesRead).toBe(4 * 512);
  });

  it('lists a 4 GiB sparse member without reading its data', async () => {
    const size = 4 * 1024 ** 3 + 1;
    const path = tmp.file('big.ova');
    const offset = writeSparseTar(path, 'disk.vmdk', size);
    const r = (await openPackage(path)) as TarReader;
    expect(r.list()).toEqual([{ name: 'disk.vmdk', size, offset, index: 0 }]);
    expect(r.indexBytesRead).toBeLessThanOrEqual(1024);
    const stream = await r.open('disk.vmdk');
    const first = (await stream[Symbol.asyncIterator]().next()).value as Buffer;
    expect(first.length).toBeGreaterThan(0);
    stream.destroy();
  });

  it('reads pax path and size overrides, global pax records and GNU long names', async () => {
    const long = 'd/'.repeat(60) + 'disk.vmdk';
    const tar = buildTar([
      paxEntry({ comment: 'global' }, 'g'),
      paxEntry({ path: 'renamed.ovf' }),
      { name: 'short.ovf', data: '<x/>' },
      gnuLongName(long),
      { name: 'truncated-name', data: 'abc', magic: 'gnu' },
      paxEntry({ size: '5' }),
      { name: 'sized.bin', data: 'hello', size: 0 },
      { name: 'dir/', type: '5' },
      { name: 'base256.bin', data: 'xy', base256: true },
      { name: 'b.bin', prefix: 'pre/fix', data: 'p' },
    ]);
    const r = await openPackage(write('p.ova', tar));
    expect(r.list().map((m) => [m.name, m.size])).toEqual([
      ['renamed.ovf', 4],
      [long, 3],
      ['sized.bin', 5],
      ['base256.bin', 2],
      ['pre/fix/b.bin', 1],
    ]);
    expect((await r.readSmall('sized.bin', 10)).toString()).toBe('hello');
  });

  it('normalises ./ prefixes and doubled slashes in member names', async () => {
    const r = await openPackage(
      write(
        'n.ova',
        buildTar([
          { name: './vm.ovf', data: '<a/>' },
          { name: 'sub//x.vmdk', data: 'x' },
        ]),
      ),
    );
    expect(r.list().map((m) => m.name)).toEqual(['vm.ovf', 'sub/x.vmdk']);
  });

  it('accepts an archive that ends at a block boundary without end-of-archive blocks', async () => {
    const r = await openPackage(write('noend.ova', buildTar(good, { end: false })));
    expect(r.list()).toHaveLength(3);
  });
});

describe('gzip-compressed OVA', () => {
  it('indexes in one decompression pass and opens members by decompressing again', async () => {
    const r = await openPackage(write('a.ova', gzipSync(buildTar(good))));
    expect(r.kind).toBe('ova-gzip');
    expect(r.list().map((m) => [m.name, m.offset])).toEqual([
      ['vm.ovf', 512],
      ['vm.mf', 1536],
      ['disk.vmdk', 2560],
    ]);
    expect((await readAll(await r.open('disk.vmdk'))).equals(Buffer.alloc(1500, 7))).toBe(true);
    expect((await r.readSmall('vm.mf', 100)).toString()).toContain('SHA256');
  });

  it('walks every member in one pass, even when a visitor stops early', async () => {
    const r = await openPackage(write('a.ova', gzipSync(buildTar(good))));
    const seen: Array<[string, number]> = [];
    await r.walk!(async (m, data) => {
      if (m.name === 'vm.mf') {
        data.destroy();
        return;
      }
      seen.push([m.name, (await readAll(data)).length]);
    });
    expect(seen).toEqual([
      ['vm.ovf', 11],
      ['disk.vmdk', 1500],
    ]);
  });

  it('refuses corrupt gzip data', async () => {
    const gz = gzipSync(buildTar(good));
    for (let i = 20; i < gz.length - 10; i++) gz[i] = gz[i]! ^ 0x5a;
    await expectOvfError(openPackage(write('bad.ova', gz)), 'OVFPIPE_ARCHIVE', /gzip|tar header|truncated/);
  });

  it('refuses a gzip stream cut short', async () => {
    const gz = gzipSync(buildTar(good));
    await expectOvfError(openPackage(write('cut.ova', gz.subarray(0, gz.length - 30))), 'OVFPIPE_ARCHIVE', /gzip|truncated/);
  });

  it('refuses gzip content that is not a tar', async () => {
    await expectOvfError(openPackage(write('x.gz', gzipSync(Buffer.alloc(2000, 'a')))), 'OVFPIPE_ARCHIVE', /not a tar header/);
  });

  it('reports which member a truncated compressed tar cut off', async () => {
    const tar = buildTar(good, { end: false }).subarray(0, 2560 + 700);
    await expectOvfError(openPackage(write('t.ova', gzipSync(tar))), 'OVFPIPE_ARCHIVE', /"disk.vmdk" is truncated/);
  });
});

describe('hostile tar input', () => {
  const cases: Array<[string, () => Buffer, string, RegExp]> = [
    ['a ../ member name', () => buildTar([{ name: '../evil.ovf', data: 'x' }]), 'OVFPIPE_ARCHIVE', /'\.\.' segment/],
    ['a nested ../ that escapes', () => buildTar([{ name: 'a/../../evil', data: 'x' }]), 'OVFPIPE_ARCHIVE', /'\.\.' segment/],
    ['an absolute member path', () => buildTar([{ name: '/etc/passwd', data: 'x' }]), 'OVFPIPE_ARCHIVE', /absolute path/],
    ['a backslash in a member name', () => buildTar([{ name: '..\\evil', data: 'x' }]), 'OVFPIPE_ARCHIVE', /backslash/],
    ['a drive letter', () => buildTar([{ name: 'C:/evil', data: 'x' }]), 'OVFPIPE_ARCHIVE', /drive letter/],
    ['a pax path that escapes', () => buildTar([paxEntry({ path: '../../etc/cron.d/x' }), { name: 'ok', data: 'x' }]), 'OVFPIPE_ARCHIVE', /'\.\.' segment/],
    ['a GNU long name that escapes', () => buildTar([gnuLongName('../'.repeat(50) + 'x'), { name: 'ok', data: 'x', magic: 'gnu' }]), 'OVFPIPE_ARCHIVE', /'\.\.' segment/],
    ['a ustar prefix that escapes', () => buildTar([{ name: 'x', prefix: '..', data: 'x' }]), 'OVFPIPE_ARCHIVE', /'\.\.' segment/],
    ['a symbolic link', () => buildTar([{ name: 'disk.vmdk', type: '2', linkName: '/etc/shadow' }]), 'OVFPIPE_ARCHIVE', /symbolic link → "\/etc\/shadow"/],
    [
      'a hard link',
      () =>
        buildTar([
          { name: 'a', data: 'x' },
          { name: 'b', type: '1', linkName: 'a' },
        ]),
      'OVFPIPE_ARCHIVE',
      /"b" is a hard link/,
    ],
    ['a character device', () => buildTar([{ name: 'null', type: '3' }]), 'OVFPIPE_ARCHIVE', /character device/],
    ['a block device', () => buildTar([{ name: 'sda', type: '4' }]), 'OVFPIPE_ARCHIVE', /block device/],
    ['a FIFO', () => buildTar([{ name: 'pipe', type: '6' }]), 'OVFPIPE_ARCHIVE', /FIFO/],
    ['an unknown entry type', () => buildTar([{ name: 'z', type: 'Z', data: 'x' }]), 'OVFPIPE_ARCHIVE', /unsupported tar entry type 'Z'/],
    ['a GNU sparse pax member', () => buildTar([paxEntry({ 'GNU.sparse.major': '1' }), { name: 's', data: 'x' }]), 'OVFPIPE_ARCHIVE', /sparse/],
    [
      'duplicate member names',
      () =>
        buildTar([
          { name: 'a.vmdk', data: 'x' },
          { name: './a.vmdk', data: 'y' },
        ]),
      'OVFPIPE_ARCHIVE',
      /duplicate member name "a.vmdk"/,
    ],
    ['a member whose data runs past the end', () => buildTar([{ name: 'disk.vmdk', data: Buffer.alloc(10000) }], { truncateTo: 4096 }), 'OVFPIPE_ARCHIVE', /"disk.vmdk" is truncated/],
    ['a header cut in half', () => buildTar([{ name: 'a', data: 'x' }], { truncateTo: 1024 + 200 }), 'OVFPIPE_ARCHIVE', /ends inside a tar header/],
    [
      'a size that lies and lands in garbage',
      () =>
        buildTar([
          { name: 'a', data: Buffer.alloc(600, 0x41), size: 100 },
          { name: 'b', data: 'x' },
        ]),
      'OVFPIPE_ARCHIVE',
      /not a tar header/,
    ],
    ['a malformed pax size', () => buildTar([paxEntry({ size: '12abc' }), { name: 'a', data: 'x' }]), 'OVFPIPE_ARCHIVE', /not a valid size/],
    [
      'a malformed pax record',
      () =>
        buildTar([
          { name: 'PaxHeader', type: 'x', data: '99 path=x\n' },
          { name: 'a', data: 'x' },
        ]),
      'OVFPIPE_ARCHIVE',
      /malformed pax/,
    ],
    [
      'a negative base-256 size',
      () => {
        const t = buildTar([{ name: 'a', data: 'x' }]);
        return fixChecksum(t, (b) => b.fill(0xff, 124, 136));
      },
      'OVFPIPE_ARCHIVE',
      /negative size/,
    ],
    ['an extended header with nothing after it', () => buildTar([paxEntry({ path: 'x' })]), 'OVFPIPE_ARCHIVE', /extended header with no member/],
    ['an archive that holds only end blocks', () => Buffer.alloc(1024), 'OVFPIPE_ARCHIVE', /end-of-archive|not an OVF package/],
  ];
  for (const [what, make, code, pattern] of cases) {
    it(`refuses ${what}`, async () => {
      const before = listing(tmp.dir);
      const p = write('hostile.ova', make());
      await expectOvfError(openPackage(p), code, pattern);
      expect(listing(tmp.dir)).toEqual([...before, 'hostile.ova'].sort());
    });
  }

  it('refuses a pax header over the size limit', async () => {
    const p = write('big-pax.ova', buildTar([paxEntry({ comment: 'x'.repeat(5000) }), { name: 'a', data: 'x' }]));
    await expectOvfError(openPackage(p, { limits: { maxHeaderBytes: 4096 } }), 'OVFPIPE_LIMIT', /extended tar header/);
  });

  it('refuses more members than the limit', async () => {
    const p = write('many.ova', buildTar(['a', 'b', 'c', 'd'].map((name) => ({ name, data: name }))));
    await expectOvfError(openPackage(p, { limits: { maxMembers: 3 } }), 'OVFPIPE_LIMIT', /more than 3 members/);
  });

  it('refuses a member declared larger than the member size limit', async () => {
    const p = tmp.file('huge.ova');
    writeSparseTar(p, 'disk.vmdk', 10 * 1024 * 1024);
    await expectOvfError(openPackage(p, { limits: { maxMemberBytes: 1024 * 1024 } }), 'OVFPIPE_ARCHIVE', /over the 1048576-byte limit/);
  });

  it('refuses readSmall of a member over the caller limit', async () => {
    const r = await openPackage(write('a.ova', buildTar(good)));
    await expectOvfError(r.readSmall('disk.vmdk', 1000), 'OVFPIPE_LIMIT', /over the 1000-byte limit/);
  });

  it('reports a member whose data vanished after indexing as truncated', async () => {
    const p = write('shrink.ova', buildTar(good));
    const r = await openPackage(p);
    truncateSync(p, 2560 + 100);
    await expectOvfError(readAll(await r.open('disk.vmdk')), 'OVFPIPE_ARCHIVE', /"disk.vmdk" is truncated: 100 of its declared 1500 bytes/);
  });

  it('refuses to open a member that is not there', async () => {
    const r = await openPackage(write('a.ova', buildTar(good)));
    await expectOvfError(r.open('nope.vmdk'), 'OVFPIPE_ARCHIVE', /no member named "nope.vmdk"/);
  });
});

/** Mutates a header block and recomputes its checksum, to reach field-level checks. */
function fixChecksum(tar: Buffer, mutate: (block: Buffer) => void): Buffer {
  const block = tar.subarray(0, 512);
  mutate(block);
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of block) sum += b;
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return tar;
}
