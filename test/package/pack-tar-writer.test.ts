/** The tar writer under `pack`: fixed header fields, exact sizes, and no half-written file on any failure. */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeHeader } from '../../src/package/tar-header.js';
import { ensureOutputFree, writeFileAtomically, writeTar, type TarEntry } from '../../src/package/tar-writer.js';
import { tempDir } from '../helpers/archives.js';

const tmp = tempDir('ovfpipe-tar-writer-');
afterAll(() => tmp.cleanup());

function streamed(...chunks: string[]): TarEntry['body'] {
  return async () =>
    (async function* () {
      for (const c of chunks) yield Buffer.from(c);
    })();
}

async function writeTo(name: string, entries: TarEntry[], mtime = 0): Promise<void> {
  await writeFileAtomically(tmp.file(name), false, (out) => writeTar(out, entries, { mtime }));
}

const field = (block: Buffer, start: number, length: number): string => block.subarray(start, start + length).toString('latin1');

describe('reproducible tar writer', () => {
  it('writes the same fixed ustar header fields for every member', async () => {
    await writeTo('fixed.tar', [
      { name: 'a.ovf', size: 3, body: Buffer.from('abc') },
      { name: 'disk.vmdk', size: 1030, body: streamed('x'.repeat(1000), 'y'.repeat(30)) },
    ]);
    const tar = readFileSync(tmp.file('fixed.tar'));
    expect(tar.length).toBe(512 + 512 + 512 + 1536 + 1024);
    for (const at of [0, 1024]) {
      const block = tar.subarray(at, at + 512);
      expect(field(block, 100, 8)).toBe('000644 \0');
      expect(field(block, 108, 8)).toBe('000000 \0');
      expect(field(block, 116, 8)).toBe('000000 \0');
      expect(field(block, 136, 12)).toBe('00000000000 ');
      expect(field(block, 156, 1)).toBe('0');
      expect(field(block, 257, 8)).toBe('ustar\u000000');
      expect(
        block.subarray(265, 329).every((b) => b === 0),
        'owner names are empty',
      ).toBe(true);
    }
    expect(decodeHeader(tar.subarray(1024, 1536), 'x')).toMatchObject({ name: 'disk.vmdk', size: 1030 });
    expect(tar.subarray(1536, 1536 + 1030).toString()).toBe('x'.repeat(1000) + 'y'.repeat(30));
  });

  it('writes a size of 8 GiB and more in a header our reader decodes', async () => {
    const blocks: Buffer[] = [];
    const out = new Writable({
      write(chunk: Buffer, _enc, done) {
        blocks.push(chunk);
        done();
      },
    });
    const huge = 2 ** 33 + 5;
    const stop = async () =>
      (async function* () {
        yield Buffer.alloc(0);
        throw new Error('stop after the header');
      })();
    await expect(writeTar(out, [{ name: 'huge.vmdk', size: huge, body: stop }], { mtime: 0 })).rejects.toThrow('stop after the header');
    expect(decodeHeader(Buffer.concat(blocks).subarray(0, 512), 'huge')).toMatchObject({ name: 'huge.vmdk', size: huge });
  });

  it('fails on a body shorter or longer than its declared size, leaving no file', async () => {
    await expect(writeTo('short.tar', [{ name: 'd', size: 10, body: streamed('12345') }])).rejects.toThrow(/size mismatch/i);
    await expect(writeTo('long.tar', [{ name: 'd', size: 4, body: streamed('12', '345') }])).rejects.toThrow(/grew past 4 bytes/);
    expect(readdirSync(tmp.dir).filter((n) => n.startsWith('short.tar') || n.startsWith('long.tar'))).toEqual([]);
  });

  it('leaves neither the target nor a temporary file when a source fails mid-archive', async () => {
    const failing = async () =>
      (async function* () {
        yield Buffer.alloc(4096, 1);
        throw new Error('disk went away');
      })();
    await expect(
      writeTo('broken.ova', [
        { name: 'a.ovf', size: 3, body: Buffer.from('abc') },
        { name: 'disk', size: 1 << 20, body: failing },
      ]),
    ).rejects.toThrow('disk went away');
    expect(readdirSync(tmp.dir).filter((n) => n.startsWith('broken.ova'))).toEqual([]);
  });

  it('will not replace an existing file without force, even one that appears while writing', async () => {
    writeFileSync(tmp.file('taken.ova'), 'mine');
    await expect(ensureOutputFree(tmp.file('taken.ova'), false)).rejects.toMatchObject({ code: 'OVFPIPE_USAGE' });
    await expect(ensureOutputFree(tmp.file('taken.ova'), true)).resolves.toBeUndefined();
    const racing = writeFileAtomically(tmp.file('late.ova'), false, async (out) => {
      writeFileSync(tmp.file('late.ova'), 'someone else');
      await writeTar(out, [{ name: 'a', size: 1, body: Buffer.from('a') }], { mtime: 0 });
    });
    await expect(racing).rejects.toMatchObject({ code: 'OVFPIPE_USAGE' });
    expect(readFileSync(tmp.file('late.ova'), 'utf8')).toBe('someone else');
    expect(readdirSync(tmp.dir).filter((n) => n.startsWith('late.ova.tmp'))).toEqual([]);
  });
});
