import { describe, expect, it } from 'vitest';
import { formatManifestLine, parseManifest } from '../../src/package/manifest.js';

const h1 = 'a'.repeat(40);
const h256 = 'b'.repeat(64);
const h512 = 'c'.repeat(128);

describe('manifest parsing', () => {
  it('reads canonical SHA1, SHA256 and SHA512 lines without problems', () => {
    const r = parseManifest(`SHA1(vm.ovf)= ${h1}\nSHA256(disk1.vmdk)= ${h256}\nSHA512(a (copy).iso)= ${h512}\n`);
    expect(r.problems).toEqual([]);
    expect(r.entries).toEqual([
      { algorithm: 'SHA1', name: 'vm.ovf', digest: h1, line: 1 },
      { algorithm: 'SHA256', name: 'disk1.vmdk', digest: h256, line: 2 },
      { algorithm: 'SHA512', name: 'a (copy).iso', digest: h512, line: 3 },
    ]);
  });

  it('reads the BSD-style spaced variant with a warning', () => {
    const r = parseManifest(`SHA256 (vm.ovf) = ${h256}\n`);
    expect(r.entries[0]!.name).toBe('vm.ovf');
    expect(r.problems).toMatchObject([{ code: 'sloppy-spacing', severity: 'warning', line: 1 }]);
  });

  it('reads SHA-1 / SHA-256 and lower-case algorithm spellings with a warning', () => {
    const r = parseManifest(`SHA-1(a)= ${h1}\nsha256(b)= ${h256}\nSha-512(c)= ${h512}\n`);
    expect(r.entries.map((e) => e.algorithm)).toEqual(['SHA1', 'SHA256', 'SHA512']);
    expect(r.problems.map((p) => [p.code, p.line])).toEqual([
      ['sloppy-algorithm', 1],
      ['sloppy-algorithm', 2],
      ['sloppy-algorithm', 3],
    ]);
  });

  it('strips a ./ prefix with a warning', () => {
    const r = parseManifest(`SHA256(./disk.vmdk)= ${h256}\n`);
    expect(r.entries[0]!.name).toBe('disk.vmdk');
    expect(r.problems[0]!.code).toBe('sloppy-prefix');
  });

  it('reads CRLF line endings with one warning', () => {
    const r = parseManifest(`SHA256(a)= ${h256}\r\nSHA256(b)= ${h256}\r\n`);
    expect(r.entries).toHaveLength(2);
    expect(r.problems).toMatchObject([{ code: 'sloppy-crlf', line: 1 }]);
  });

  it('lower-cases upper-case hex digests', () => {
    expect(parseManifest(`SHA256(a)= ${'B'.repeat(64)}\n`).entries[0]!.digest).toBe(h256);
  });

  it('reports unparseable lines as errors and keeps the good ones', () => {
    const r = parseManifest(`SHA256(a)= ${h256}\nthis is not a manifest line\nSHA256(b)= ${h256}\n`);
    expect(r.entries.map((e) => e.name)).toEqual(['a', 'b']);
    expect(r.problems).toMatchObject([{ code: 'unparseable', severity: 'error', line: 2 }]);
  });

  it('reports a digest of the wrong length for its algorithm', () => {
    const r = parseManifest(`SHA256(a)= ${h1}\n`);
    expect(r.problems).toMatchObject([{ code: 'bad-digest-length', severity: 'error' }]);
    expect(r.problems[0]!.message).toMatch(/40 hex digits, expected 64/);
  });

  it('reports non-hex digests and unknown algorithms', () => {
    const r = parseManifest(`SHA256(a)= ${'g'.repeat(64)}\nMD5(b)= ${'d'.repeat(32)}\n`);
    expect(r.problems.map((p) => p.code)).toEqual(['unparseable', 'unknown-algorithm']);
  });

  it('reports a name listed twice, pointing at the first line', () => {
    const r = parseManifest(`SHA256(a)= ${h256}\nSHA1(./a)= ${h1}\n`);
    expect(r.entries).toHaveLength(1);
    expect(r.problems.find((p) => p.code === 'duplicate-name')!.message).toMatch(/first on line 1/);
  });

  it('reports an empty manifest', () => {
    expect(parseManifest('\n\n').problems).toMatchObject([{ code: 'empty', severity: 'error' }]);
  });

  it('formats lines the way ovftool writes them', () => {
    expect(formatManifestLine('SHA256', 'vm.ovf', h256.toUpperCase())).toBe(`SHA256(vm.ovf)= ${h256}\n`);
    expect(parseManifest(formatManifestLine('SHA512', 'x', h512)).problems).toEqual([]);
  });
});
