/**
 * Archives written by other tools (GNU tar in its ustar, pax and gnu
 * formats; Python's zipfile with zip64 records) read back the same, as an
 * independent check on the hand-written test archives.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPackage } from '../../src/package/open.js';
import { tempDir } from '../helpers/archives.js';
import { readAll } from './support.js';

let tmp: ReturnType<typeof tempDir>;
const longName = `${'long-directory-name/'.repeat(6)}disk-with-a-rather-long-file-name-beyond-one-hundred-bytes.vmdk`;
const files: Array<[string, Buffer]> = [
  ['vm.ovf', Buffer.from('<Envelope/>')],
  ['vm.mf', Buffer.from('SHA256(vm.ovf)= 00\n')],
  [longName, Buffer.alloc(70_000, 0x5a)],
  ['ünïcode.iso', Buffer.from('u')],
];
const hasPython = (() => {
  try {
    execFileSync('python3', ['-c', 'import zipfile'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

beforeAll(() => {
  tmp = tempDir();
  for (const [name, data] of files) {
    mkdirSync(tmp.file(`src/${name}`).replace(/\/[^/]*$/, ''), { recursive: true });
    writeFileSync(tmp.file(`src/${name}`), data);
  }
});
afterAll(() => tmp.cleanup());

function tar(format: string, extra: string[] = []): string {
  const out = tmp.file(`${format}${extra.join('')}.ova`);
  execFileSync('tar', [`--format=${format}`, ...extra, '-C', tmp.file('src'), '-cf', out, ...files.map(([n]) => n)]);
  return out;
}

async function expectAllMembers(path: string): Promise<void> {
  const r = await openPackage(path);
  expect(r.list().map((m) => m.name)).toEqual(files.map(([n]) => n));
  for (const [name, data] of files) expect((await readAll(await r.open(name))).equals(data), name).toBe(true);
}

describe('archives written by GNU tar', () => {
  it('reads the pax format (long names as pax path records)', async () => {
    await expectAllMembers(tar('pax'));
  });

  it('reads the gnu format (long names as ././@LongLink entries)', async () => {
    await expectAllMembers(tar('gnu'));
  });

  it('reads a gzip-compressed pax archive', async () => {
    await expectAllMembers(tar('pax', ['-z']));
  });
});

describe.skipIf(!hasPython)('zips written by Python zipfile', () => {
  for (const forceEnd of [false, true])
    it(`reads entries written with zip64 extra fields${forceEnd ? ', a zip64 end record and zip64 central sizes' : ''}`, async () => {
      const out = tmp.file(`py64-${forceEnd}.zip`);
      const script = `
import sys, zipfile
if ${forceEnd ? 'True' : 'False'}:
    zipfile.ZIP64_LIMIT = 1
    zipfile.ZIP_FILECOUNT_LIMIT = 1
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    for i, name in enumerate(sys.argv[2:]):
        with open(sys.argv[1] + '.src/' + name, 'rb') as f: data = f.read()
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED if i % 2 else zipfile.ZIP_STORED
        with z.open(info, 'w', force_zip64=True) as w: w.write(data)
`;
      execFileSync('ln', ['-s', tmp.file('src'), `${out}.src`]);
      execFileSync('python3', ['-c', script, out, ...files.map(([n]) => n)]);
      if (forceEnd) {
        // Saturate the classic end record so that readers must follow the zip64 one (APPNOTE 4.4.1.4).
        const z = readFileSync(out);
        const eocd = z.length - 22;
        z.writeUInt16LE(0xffff, eocd + 8);
        z.writeUInt16LE(0xffff, eocd + 10);
        z.writeUInt32LE(0xffffffff, eocd + 12);
        z.writeUInt32LE(0xffffffff, eocd + 16);
        writeFileSync(out, z);
        const broken = Buffer.from(z);
        broken.writeUInt32LE(0, broken.lastIndexOf(Buffer.from([0x50, 0x4b, 6, 6])));
        writeFileSync(`${out}.broken`, broken);
        await expect(openPackage(`${out}.broken`)).rejects.toThrow(/zip64 end of central directory record is corrupt/);
      }
      await expectAllMembers(out);
    });
});
