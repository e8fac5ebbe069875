/**
 * A disk rewritten between pack's hashing pass and its writing pass must
 * fail the pack (its manifest digest would be stale) and leave no OVA.
 * The first pass's hashStream is wrapped to rewrite the file right after it
 * was hashed: same size, different bytes.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { packPackage } from '../../src/package/pack.js';
import { tempDir } from '../helpers/archives.js';

const tmp = tempDir('ovfpipe-pack-changed-');
afterAll(() => tmp.cleanup());
const disk = tmp.file('pkg/disk.vmdk');

vi.mock('../../src/package/verify.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/package/verify.js')>();
  return {
    ...real,
    hashStream: async (...args: Parameters<typeof real.hashStream>) => {
      const result = await real.hashStream(...args);
      writeFileSync(disk, Buffer.alloc(2048, 0x42));
      return result;
    },
  };
});

describe('pack with an input that changes', () => {
  it('refuses a disk rewritten after it was hashed and writes nothing', async () => {
    mkdirSync(tmp.file('pkg'));
    writeFileSync(
      tmp.file('pkg/vm.ovf'),
      '<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"><References><File ovf:id="d" ovf:href="disk.vmdk" ovf:size="2048"/></References></Envelope>',
    );
    writeFileSync(disk, Buffer.alloc(2048, 0x41));
    await expect(packPackage(tmp.file('pkg'), { output: tmp.file('out.ova') })).rejects.toMatchObject({
      code: 'OVFPIPE_IO',
      message: expect.stringContaining('"disk.vmdk" changed while it was being packed'),
    });
    expect(readdirSync(tmp.dir).sort()).toEqual(['pkg']);
    expect(readdirSync(join(tmp.dir, 'pkg')).sort()).toEqual(['disk.vmdk', 'vm.ovf']);
  });
});
