import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signManifest } from '../../src/package/certificate.js';
import { openPackage } from '../../src/package/open.js';
import { verifyPackage } from '../../src/package/verify.js';
import { buildTar, buildZip, tempDir } from '../helpers/archives.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

const sha = (alg: string, data: Buffer | string): string => createHash(alg).update(data).digest('hex');
const ovf = Buffer.from('<?xml version="1.0"?><Envelope/>');
const disk1 = Buffer.alloc(3000, 1);
const disk2 = Buffer.alloc(777, 2);
const refs = [
  { href: 'disk1.vmdk', size: 3000 },
  { href: 'disk2.vmdk', size: 777 },
];
const goodMf = `SHA256(vm.ovf)= ${sha('sha256', ovf)}\nSHA1(disk1.vmdk)= ${sha('sha1', disk1)}\nSHA512(disk2.vmdk)= ${sha('sha512', disk2)}\n`;

function ova(members: Array<[string, Buffer | string]>, gzip = false): string {
  const tar = buildTar(members.map(([name, data]) => ({ name, data })));
  const p = tmp.file(gzip ? 'p.ova.gz' : 'p.ova');
  writeFileSync(p, gzip ? gzipSync(tar) : tar);
  return p;
}

describe('verifyPackage', () => {
  for (const gzip of [false, true]) {
    it(`accepts a correct ${gzip ? 'gzip ' : ''}OVA, computing each manifest algorithm and SHA-256`, async () => {
      const r = await verifyPackage(
        await openPackage(
          ova(
            [
              ['vm.ovf', ovf],
              ['vm.mf', goodMf],
              ['disk1.vmdk', disk1],
              ['disk2.vmdk', disk2],
            ],
            gzip,
          ),
        ),
        refs,
      );
      expect(r.problems).toEqual([]);
      expect(r.ok).toBe(true);
      expect(r.kind).toBe(gzip ? 'ova-gzip' : 'ova');
      expect(r.files.map((f) => [f.name, f.status, f.size])).toEqual([
        ['vm.ovf', 'ok', ovf.length],
        ['disk1.vmdk', 'ok', 3000],
        ['disk2.vmdk', 'ok', 777],
      ]);
      expect(r.files[1]!.digests).toEqual({ SHA256: sha('sha256', disk1), SHA1: sha('sha1', disk1) });
      expect(r.files[1]!.expectedSize).toBe(3000);
      expect(r.manifest).toMatchObject({ name: 'vm.mf', entries: 3, unlisted: [], unknown: [] });
      expect(r.order).toEqual({ ok: true, problems: [] });
      expect(JSON.parse(JSON.stringify(r))).toEqual(r);
    });
  }

  it('reports a digest mismatch at the manifest line', async () => {
    const bad = Buffer.from(disk1);
    bad[100] = 9;
    const r = await verifyPackage(
      await openPackage(
        ova([
          ['vm.ovf', ovf],
          ['vm.mf', goodMf],
          ['disk1.vmdk', bad],
          ['disk2.vmdk', disk2],
        ]),
      ),
      refs,
    );
    expect(r.ok).toBe(false);
    expect(r.files.find((f) => f.name === 'disk1.vmdk')!.status).toBe('mismatch');
    expect(r.problems).toMatchObject([{ ruleId: 'manifest-digest', severity: 'error', file: 'vm.mf', line: 2 }]);
  });

  it('reports a size that differs from References', async () => {
    const r = await verifyPackage(
      await openPackage(
        ova([
          ['vm.ovf', ovf],
          ['vm.mf', goodMf],
          ['disk1.vmdk', disk1],
          ['disk2.vmdk', disk2],
        ]),
      ),
      [refs[0]!, { href: 'disk2.vmdk', size: 778 }],
    );
    expect(r.files.find((f) => f.name === 'disk2.vmdk')).toMatchObject({ status: 'size-mismatch', size: 777, expectedSize: 778 });
    expect(r.problems.map((p) => p.ruleId)).toEqual(['member-size']);
  });

  it('reports References files missing from the package and manifest entries for absent members', async () => {
    const mf = goodMf + `SHA256(ghost.iso)= ${'0'.repeat(64)}\n`;
    const r = await verifyPackage(
      await openPackage(
        ova([
          ['vm.ovf', ovf],
          ['vm.mf', mf],
          ['disk1.vmdk', disk1],
        ]),
      ),
      refs,
    );
    expect(r.ok).toBe(false);
    expect(
      r.files
        .filter((f) => f.status === 'missing')
        .map((f) => f.name)
        .sort(),
    ).toEqual(['disk2.vmdk', 'ghost.iso']);
    expect(r.manifest.unknown.sort()).toEqual(['disk2.vmdk', 'ghost.iso']);
    expect(r.problems.map((p) => p.ruleId).sort()).toEqual(['manifest-complete', 'manifest-complete', 'reference-file-present']);
  });

  it('reports referenced files the manifest does not list, and leaves members nothing names out', async () => {
    const mf = `SHA256(vm.ovf)= ${sha('sha256', ovf)}\n`;
    const r = await verifyPackage(
      await openPackage(
        ova([
          ['vm.ovf', ovf],
          ['vm.mf', mf],
          ['disk1.vmdk', disk1],
          ['disk2.vmdk', disk2],
          ['extra.txt', 'x'],
        ]),
      ),
      refs,
    );
    expect(r.manifest.unlisted).toEqual(['disk1.vmdk', 'disk2.vmdk']);
    expect(r.files.map((f) => [f.name, f.status])).toEqual([
      ['vm.ovf', 'ok'],
      ['disk1.vmdk', 'unlisted'],
      ['disk2.vmdk', 'unlisted'],
    ]);
    expect(r.problems.filter((p) => p.severity === 'error').map((p) => p.message)).toEqual(['"disk1.vmdk" is not listed in the manifest', '"disk2.vmdk" is not listed in the manifest']);
  });

  it('reports OVA members out of DSP0243 order, naming them', async () => {
    const r = await verifyPackage(
      await openPackage(
        ova([
          ['disk2.vmdk', disk2],
          ['vm.ovf', ovf],
          ['disk1.vmdk', disk1],
          ['vm.mf', goodMf],
          ['z', 'z'],
        ]),
      ),
      refs,
    );
    expect(r.order.ok).toBe(false);
    expect(r.order.problems.join('\n')).toMatch(/descriptor "vm.ovf" is member 2/);
    expect(r.order.problems.join('\n')).toMatch(/"vm.mf" must come right after the descriptor or together at the end/);
    expect(r.order.problems.join('\n')).toMatch(/"disk1.vmdk" comes after "disk2.vmdk"/);
  });

  it('accepts the manifest and certificate together at the end of the archive', async () => {
    const key = tmp.file('k.pem');
    const crt = tmp.file('c.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=test', '-days', '1', '-keyout', key, '-out', crt], { stdio: 'ignore' });
    const cert = signManifest(Buffer.from(goodMf), readFileSync(key, 'utf8'), readFileSync(crt, 'utf8'), 'SHA256', 'vm.mf');
    const r = await verifyPackage(
      await openPackage(
        ova([
          ['vm.ovf', ovf],
          ['disk1.vmdk', disk1],
          ['disk2.vmdk', disk2],
          ['vm.mf', goodMf],
          ['vm.cert', cert],
        ]),
      ),
      refs,
    );
    expect(r.order.ok).toBe(true);
    expect(r.signature).toMatchObject({ valid: true, subject: 'CN=test', issuer: 'CN=test' });
    expect(r.ok).toBe(true);
  });

  it('reports a certificate whose signature does not match the manifest', async () => {
    const key = tmp.file('k.pem');
    const crt = tmp.file('c.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=test', '-days', '1', '-keyout', key, '-out', crt], { stdio: 'ignore' });
    const cert = signManifest(Buffer.from('something else'), readFileSync(key, 'utf8'), readFileSync(crt, 'utf8'), 'SHA256', 'vm.mf');
    const r = await verifyPackage(
      await openPackage(
        ova([
          ['vm.ovf', ovf],
          ['vm.mf', goodMf],
          ['vm.cert', cert],
          ['disk1.vmdk', disk1],
          ['disk2.vmdk', disk2],
        ]),
      ),
      refs,
    );
    expect(r.signature?.valid).toBe(false);
    expect(r.problems).toMatchObject([{ ruleId: 'certificate-signature', severity: 'error' }]);
  });

  it('warns when there is no manifest at all', async () => {
    const r = await verifyPackage(
      await openPackage(
        ova([
          ['vm.ovf', ovf],
          ['disk1.vmdk', disk1],
          ['disk2.vmdk', disk2],
        ]),
      ),
      refs,
    );
    expect(r.ok).toBe(true);
    expect(r.problems).toMatchObject([{ ruleId: 'manifest-complete', severity: 'warning' }]);
    expect(r.files.every((f) => f.status === 'unlisted')).toBe(true);
  });

  it('reports sloppy manifest lines but still checks their digests', async () => {
    const sloppy = goodMf.replace('SHA256(vm.ovf)=', 'SHA-256 (./vm.ovf) =').replace(/\n/g, '\r\n');
    const r = await verifyPackage(
      await openPackage(
        ova([
          ['vm.ovf', ovf],
          ['vm.mf', sloppy],
          ['disk1.vmdk', disk1],
          ['disk2.vmdk', disk2],
        ]),
      ),
      refs,
    );
    expect(r.ok).toBe(true);
    expect(r.files.every((f) => f.status === 'ok')).toBe(true);
    expect(r.manifest.problems.map((p) => p.severity)).toEqual(['warning', 'warning', 'warning', 'warning']);
  });

  it('verifies a directory package and a zip the same way', async () => {
    mkdirSync(tmp.file('dir'));
    for (const [n, d] of [
      ['vm.ovf', ovf],
      ['vm.mf', goodMf],
      ['disk1.vmdk', disk1],
      ['disk2.vmdk', disk2],
    ] as const)
      writeFileSync(tmp.file(`dir/${n}`), d);
    const rd = await verifyPackage(await openPackage(tmp.file('dir')), refs);
    expect(rd.ok).toBe(true);
    expect(rd.order.ok).toBe(true);
    writeFileSync(
      tmp.file('p.zip'),
      buildZip([
        { name: 'vm.ovf', data: ovf },
        { name: 'vm.mf', data: goodMf },
        { name: 'disk1.vmdk', data: disk1 },
        { name: 'disk2.vmdk', data: disk2, method: 0 },
      ]),
    );
    const rz = await verifyPackage(await openPackage(tmp.file('p.zip')), refs);
    expect(rz.problems).toEqual([]);
  });

  it('resolves References and manifest names relative to a descriptor inside a folder of a zip', async () => {
    writeFileSync(
      tmp.file('nested.zip'),
      buildZip([
        { name: 'app/', data: '' },
        { name: 'app/vm.ovf', data: ovf },
        { name: 'app/vm.mf', data: goodMf },
        { name: 'app/disk1.vmdk', data: disk1 },
        { name: 'app/disk2.vmdk', data: disk2 },
      ]),
    );
    const reader = await openPackage(tmp.file('nested.zip'));
    expect(reader.descriptorName).toBe('app/vm.ovf');
    const r = await verifyPackage(reader, refs);
    expect(r.problems).toEqual([]);
    expect(r.files.map((f) => [f.name, f.status])).toEqual([
      ['app/vm.ovf', 'ok'],
      ['app/disk1.vmdk', 'ok'],
      ['app/disk2.vmdk', 'ok'],
    ]);
  });

  it('expects every chunk of a chunked file and checks each against the manifest', async () => {
    const c0 = Buffer.alloc(1000, 5);
    const c1 = Buffer.alloc(500, 6);
    const mf = `SHA256(vm.ovf)= ${sha('sha256', ovf)}\nSHA256(big.vmdk.000000000)= ${sha('sha256', c0)}\nSHA256(big.vmdk.000000001)= ${sha('sha256', c1)}\n`;
    const chunked = [{ href: 'big.vmdk', size: 2500, chunkSize: 1000 }];
    const r = await verifyPackage(
      await openPackage(
        ova([
          ['vm.ovf', ovf],
          ['vm.mf', mf],
          ['big.vmdk.000000000', c0],
          ['big.vmdk.000000001', c1],
        ]),
      ),
      chunked,
    );
    expect(r.files.map((f) => f.status)).toEqual(['ok', 'ok', 'ok']);
    expect(r.problems).toMatchObject([{ ruleId: 'reference-file-present', message: expect.stringMatching(/big\.vmdk\.000000002/) }]);
  });

  it('reports a member cut short inside a zip as a read problem, not a crash', async () => {
    writeFileSync(
      tmp.file('p.zip'),
      buildZip([
        { name: 'vm.ovf', data: ovf },
        { name: 'disk1.vmdk', data: disk1, size: 5000 },
      ]),
    );
    const r = await verifyPackage(await openPackage(tmp.file('p.zip')), [{ href: 'disk1.vmdk' }]);
    expect(r.ok).toBe(false);
    expect(r.problems.find((p) => p.ruleId === 'member-read')!.message).toMatch(/truncated: 3000 of its declared 5000/);
  });
});
