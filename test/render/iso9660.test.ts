/** The in-process ISO 9660 + Joliet writer, read back by isoinfo (an oracle only). */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { isoImage, primaryName } from '../../src/render/iso9660.js';
import { ovfEnvIso } from '../../src/render/ovf-env.js';
import { tempDir } from '../helpers/archives.js';
import { toolPresent } from '../helpers/tools.js';

const tmp = tempDir('ovfpipe-iso9660-');
afterAll(() => tmp.cleanup());
const hasXorriso = toolPresent('xorriso', 'xorriso');
const hasIsoinfo = toolPresent('isoinfo', 'isoinfo (genisoimage)');

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

  it('makes the OVF environment image as small as ISO 9660 + Joliet allows: 26 sectors (genisoimage -J pads the same file to 181)', () => {
    // 16 system-area sectors, 2 volume descriptors and a terminator, 4 path tables, 2 root directories, the file.
    expect(ovfEnvIso('<Environment/>').length).toBe(26 * 2048);
    expect(ovfEnvIso('<Environment>' + 'x'.repeat(3000) + '</Environment>').length).toBe(27 * 2048);
  });

  it.skipIf(!hasXorriso)('is read by xorriso too: the whole volume checks good and the file extracts by its Joliet name', () => {
    const xml = '<Environment xmlns="http://schemas.dmtf.org/ovf/environment/1"/>';
    const path = tmp.file('ovf-env.iso');
    writeFileSync(path, ovfEnvIso(xml));
    const out = tmp.file('extracted.xml');
    // -abort_on FAILURE: xorriso exits non-zero (execFileSync throws) on anything it cannot read.
    const media = execFileSync('xorriso', ['-abort_on', 'FAILURE', '-osirrox', 'on', '-indev', path, '-check_media', '--', '-extract', '/ovf-env.xml', out], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(readFileSync(out, 'utf8')).toBe(xml);
    expect(media).toMatch(/Media region :\s+0 ,\s+26 , \+ good/);
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
