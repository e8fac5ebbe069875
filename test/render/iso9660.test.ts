/** The in-process ISO 9660 + Joliet writer, read back by isoinfo (an oracle only). */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { isoImage, primaryName } from '../../src/render/iso9660.js';
import { tempDir } from '../helpers/archives.js';
import { inCI } from '../helpers/corpus.js';

const tmp = tempDir('ovfpipe-iso9660-');
afterAll(() => tmp.cleanup());
const hasIsoinfo = (() => {
  try {
    execFileSync('isoinfo', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    if (inCI) throw new Error('isoinfo (genisoimage) is required in CI');
    return false;
  }
})();

describe('isoImage', () => {
  it('maps names to ECMA-119 level 1 (8.3, d-characters)', () => {
    expect(['ovf-env.xml', 'user-data', 'a.b.c.json', 'verylongname.text', '.hidden'].map(primaryName)).toEqual(['OVF_ENV.XML', 'USER_DAT.', 'A_B_C.JSO', 'VERYLONG.TEX', '_.HID']);
  });

  it('is a whole number of sectors with the descriptors where ECMA-119 puts them', () => {
    const img = isoImage({ volumeId: 'X', files: [{ name: 'a', data: Buffer.from('hi') }] });
    expect(img.length % 2048).toBe(0);
    expect([img[16 * 2048], img.subarray(16 * 2048 + 1, 16 * 2048 + 6).toString(), img[17 * 2048], img[18 * 2048]]).toEqual([1, 'CD001', 2, 255]);
    expect(img.subarray(17 * 2048 + 88, 17 * 2048 + 91).toString()).toBe('%/E');
  });

  it.skipIf(!hasIsoinfo)('holds several files, each readable by its Joliet name, and an empty one', () => {
    const files = [
      { name: 'meta-data', data: Buffer.from('instance-id: x\n') },
      { name: 'user-data', data: Buffer.from('#cloud-config\n') },
      { name: 'empty.txt', data: Buffer.alloc(0) },
      { name: 'big.bin', data: Buffer.alloc(5000, 7) },
    ];
    const path = tmp.file('multi.iso');
    writeFileSync(path, isoImage({ volumeId: 'cidata', files }));
    for (const f of files) expect(execFileSync('isoinfo', ['-J', '-x', `/${f.name}`, '-i', path]).equals(f.data)).toBe(true);
    const listing = execFileSync('isoinfo', ['-J', '-l', '-i', path], { encoding: 'utf8' });
    for (const f of files) expect(listing).toContain(f.name);
  });

  it('refuses two files whose 8.3 names collide', () => {
    expect(() =>
      isoImage({
        volumeId: 'X',
        files: [
          { name: 'user-data1', data: Buffer.alloc(1) },
          { name: 'user-data2', data: Buffer.alloc(1) },
        ],
      }),
    ).toThrow(/two files named 'USER_DAT\.'/);
  });
});
