import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPackage } from '../../src/package/open.js';
import { tempDir } from '../helpers/archives.js';
import { expectOvfError, readAll } from './support.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
  mkdirSync(tmp.file('pkg/disks'), { recursive: true });
  writeFileSync(tmp.file('pkg/vm.ovf'), '<?xml version="1.0"?><Envelope/>');
  writeFileSync(tmp.file('pkg/vm.mf'), 'SHA256(vm.ovf)= 00\n');
  writeFileSync(tmp.file('pkg/disks/disk1.vmdk'), Buffer.alloc(4096, 1));
});
afterEach(() => tmp.cleanup());

describe('directory package', () => {
  it('lists regular files recursively with forward-slash names, sorted', async () => {
    const r = await openPackage(tmp.file('pkg'));
    expect(r.kind).toBe('directory');
    expect(r.descriptorName).toBe('vm.ovf');
    expect(r.list().map((m) => [m.name, m.size])).toEqual([
      ['disks/disk1.vmdk', 4096],
      ['vm.mf', 19],
      ['vm.ovf', 32],
    ]);
    expect((await readAll(await r.open('disks/disk1.vmdk'))).length).toBe(4096);
  });

  it('opens a path to a descriptor as that descriptor in its directory', async () => {
    writeFileSync(tmp.file('pkg/other.ovf'), '<Envelope/>');
    const r = await openPackage(tmp.file('pkg/vm.ovf'));
    expect(r.kind).toBe('directory');
    expect(r.descriptorName).toBe('vm.ovf');
    expect(r.path).toBe(tmp.file('pkg'));
  });

  it('treats a file starting with a BOM and < as a bare descriptor whatever its name', async () => {
    writeFileSync(tmp.file('pkg/descriptor.txt'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('<Envelope/>')]));
    const r = await openPackage(tmp.file('pkg/descriptor.txt'));
    expect(r.descriptorName).toBe('descriptor.txt');
  });

  it('leaves descriptorName unset when there are two descriptors at the top', async () => {
    writeFileSync(tmp.file('pkg/other.ovf'), '<Envelope/>');
    const r = await openPackage(tmp.file('pkg'));
    expect(r.descriptorName).toBeUndefined();
  });

  it('neither lists nor follows a symbolic link inside the package (only References can admit one, outside-refs.test.ts)', async () => {
    symlinkSync('/etc/passwd', tmp.file('pkg/disks/evil.vmdk'));
    const r = await openPackage(tmp.file('pkg'));
    expect(r.has('disks/evil.vmdk')).toBe(false);
    expect(r.list().map((m) => m.name)).toEqual(['disks/disk1.vmdk', 'vm.mf', 'vm.ovf']);
    await expectOvfError(r.open('disks/evil.vmdk'), 'OVFPIPE_ARCHIVE', /no member named "disks\/evil.vmdk"/);
  });

  it('refuses a FIFO inside a directory package', async () => {
    execFileSync('mkfifo', [tmp.file('pkg/pipe')]);
    await expectOvfError(openPackage(tmp.file('pkg')), 'OVFPIPE_ARCHIVE', /"pipe" is a FIFO/);
  });

  it('indexes a bare descriptor as itself and its <stem>.mf/.cert, never the rest of the folder', async () => {
    execFileSync('mkfifo', [tmp.file('pkg/pipe')]);
    symlinkSync(tmp.file('nowhere'), tmp.file('pkg/dangling'));
    mkdirSync(tmp.file('pkg/node_modules/a/b'), { recursive: true });
    writeFileSync(tmp.file('pkg/node_modules/a/b/x.js'), 'x');
    writeFileSync(tmp.file('pkg/vm.cert'), 'c');
    writeFileSync(tmp.file('pkg/other.mf'), 'SHA256(vm.ovf)= 00\n');
    const r = await openPackage(tmp.file('pkg/vm.ovf'));
    expect(r.list().map((m) => m.name)).toEqual(['vm.ovf', 'vm.mf', 'vm.cert']);
  });

  it('refuses a member replaced by a symlink after indexing', async () => {
    const r = await openPackage(tmp.file('pkg'));
    execFileSync('rm', [tmp.file('pkg/vm.mf')]);
    symlinkSync('/etc/passwd', tmp.file('pkg/vm.mf'));
    await expectOvfError(r.open('vm.mf'), 'OVFPIPE_ARCHIVE', /cannot open member "vm.mf"/);
  });

  it('refuses nesting deeper than the limit', async () => {
    mkdirSync(tmp.file('pkg/a/b/c/d'), { recursive: true });
    writeFileSync(tmp.file('pkg/a/b/c/d/x'), 'x');
    await expectOvfError(openPackage(tmp.file('pkg'), { limits: { maxDirectoryDepth: 2 } }), 'OVFPIPE_LIMIT', /deeper than 2/);
  });

  it('reports a file that shrank after indexing as truncated', async () => {
    const r = await openPackage(tmp.file('pkg'));
    writeFileSync(tmp.file('pkg/disks/disk1.vmdk'), Buffer.alloc(10));
    await expectOvfError(readAll(await r.open('disks/disk1.vmdk')), 'OVFPIPE_ARCHIVE', /truncated/);
  });
});

describe('content detection', () => {
  it('refuses an empty file', async () => {
    writeFileSync(tmp.file('empty.ova'), '');
    await expectOvfError(openPackage(tmp.file('empty.ova')), 'OVFPIPE_ARCHIVE', /empty file/);
  });

  it('refuses a file that is no package form', async () => {
    writeFileSync(tmp.file('random.ova'), Buffer.from('this is plain text, not xml and not an archive'.repeat(20)));
    await expectOvfError(openPackage(tmp.file('random.ova')), 'OVFPIPE_ARCHIVE', /not an OVF package/);
  });

  it('reports a missing path as an IO error', async () => {
    await expectOvfError(openPackage(join(tmp.dir, 'nope.ova')), 'OVFPIPE_IO', /cannot open/);
  });
});

describe('form detection by content', () => {
  it('classifies tar, gzip, zip and descriptors from their first bytes, whatever the name', async () => {
    const { detectForm } = await import('../../src/package/open.js');
    const { buildTar, buildZip } = await import('../helpers/archives.js');
    const { gzipSync } = await import('node:zlib');
    expect(detectForm(buildTar([{ name: 'PK\u0003\u0004.ovf', data: 'x' }]))).toBe('tar');
    expect(detectForm(gzipSync(Buffer.from('x')))).toBe('gzip');
    expect(detectForm(buildZip([{ name: 'a', data: 'b' }]))).toBe('zip');
    expect(detectForm(Buffer.from('\n  <?xml version="1.0"?>'))).toBe('descriptor');
    expect(detectForm(Buffer.from('\ufeff<Envelope/>', 'utf16le').subarray(0))).toBe('descriptor');
    expect(detectForm(Buffer.from('hello'))).toBeUndefined();
  });
});
