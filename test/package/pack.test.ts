/**
 * `ovfpipe pack` end to end through main(): the OVA is checked with the
 * tools a user would reach for (GNU tar, openssl) and with our own verify.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { openPackage } from '../../src/package/open.js';
import { tempDir } from '../helpers/archives.js';

const tmp = tempDir('ovfpipe-pack-');
afterAll(() => tmp.cleanup());

const DESCRIPTOR = `<?xml version="1.0" encoding="UTF-8"?>
<!-- hand-written: attribute order, quotes and spacing must survive the size edits -->
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1">
  <References>
    <File ovf:id="sys" ovf:href="sys-disk.vmdk"/>
    <File ovf:href='data.vmdk'   ovf:id="data" ovf:size="4096"></File>
    <File ovf:id="big" ovf:href="big.img" ovf:chunkSize="1000" />
  </References>
  <VirtualSystem ovf:id="app">
    <Info>an appliance</Info>
  </VirtualSystem>
</Envelope>
`;
/** What pack must write: the same text with the two missing sizes spliced in. */
const FILLED = DESCRIPTOR.replace('ovf:href="sys-disk.vmdk"/>', 'ovf:href="sys-disk.vmdk" ovf:size="70000"/>').replace(
  'ovf:href="big.img" ovf:chunkSize',
  'ovf:href="big.img" ovf:size="2500" ovf:chunkSize',
);
const MEMBERS = ['sys-disk.vmdk', 'data.vmdk', 'big.img.000000000', 'big.img.000000001', 'big.img.000000002'];

let app: string;
let web: string;
let key: string;
let cert: string;

beforeAll(() => {
  app = tmp.file('app');
  mkdirSync(app);
  writeFileSync(join(app, 'app.ovf'), DESCRIPTOR);
  writeFileSync(join(app, 'sys-disk.vmdk'), randomBytes(70000));
  writeFileSync(join(app, 'data.vmdk'), randomBytes(4096));
  writeFileSync(join(app, 'big.img.000000000'), randomBytes(1000));
  writeFileSync(join(app, 'big.img.000000001'), randomBytes(1000));
  writeFileSync(join(app, 'big.img.000000002'), randomBytes(500));
  writeFileSync(join(app, 'app.mf'), 'SHA256(app.ovf)= stale\n');
  writeFileSync(join(app, 'notes.txt'), 'not part of the package');
  web = tmp.file('web-appliance');
  cpSync(new URL('../../examples/web-appliance', import.meta.url), web, { recursive: true });
  key = tmp.file('signer.key');
  cert = tmp.file('signer.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=ovfpipe pack test/O=Example', '-days', '2', '-keyout', key, '-out', cert], {
    stdio: 'ignore',
  });
});

async function run(args: string[], env: Record<string, string> = {}) {
  let out = '';
  let err = '';
  const code = await main(args, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, env, cwd: tmp.dir });
  return { code, out, err };
}

async function pack(input: string, out: string, ...flags: string[]): Promise<string> {
  const r = await run(['pack', input, '-o', out, ...flags]);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  return tmp.file(out);
}

function tarList(ova: string): string[] {
  return execFileSync('tar', ['tf', ova]).toString().trim().split('\n');
}

function extract(ova: string): string {
  const dir = mkdtempSync(join(tmp.dir, 'x-'));
  execFileSync('tar', ['xf', ova, '-C', dir]);
  return dir;
}

function opensslDigest(alg: string, file: string): string {
  return execFileSync('openssl', ['dgst', `-${alg}`, '-r', file])
    .toString()
    .split(' ')[0]!;
}

function manifestLines(file: string): Array<{ alg: string; name: string; digest: string }> {
  return readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => {
      const m = /^(SHA1|SHA256|SHA512)\((.+)\)= ([0-9a-f]+)$/.exec(line);
      expect(m, line).not.toBeNull();
      return { alg: m![1]!, name: m![2]!, digest: m![3]! };
    });
}

function touchEverything(dir: string, seed: number): void {
  for (const name of readdirSync(dir)) {
    const t = 1_000_000_000 + seed * 7919 + name.length * 104729;
    utimesSync(join(dir, name), t, t);
    chmodSync(join(dir, name), seed % 2 === 0 ? 0o600 : 0o755);
  }
}

async function verifyJson(ova: string) {
  const r = await run(['verify', '--json', ova]);
  return { code: r.code, report: JSON.parse(r.out) as Record<string, unknown> & { ok: boolean; problems: Array<{ ruleId: string }> } };
}

describe('ovfpipe pack', () => {
  it('writes byte-identical OVAs from the same inputs, whatever their mtimes and permissions', async () => {
    const a = await pack('app', 'same-a.ova', '--sign', key, '--cert', cert);
    const w1 = await pack('web-appliance', 'web-a.ova');
    touchEverything(app, 1);
    touchEverything(web, 2);
    const b = await pack('app', 'same-b.ova', '--sign', key, '--cert', cert);
    const w2 = await pack('web-appliance', 'web-b.ova');
    expect(readFileSync(b).equals(readFileSync(a))).toBe(true);
    expect(readFileSync(w2).equals(readFileSync(w1))).toBe(true);
    // A .ovf path names the same package as its directory.
    expect(readFileSync(await pack('app/app.ovf', 'same-c.ova', '--sign', key, '--cert', cert)).equals(readFileSync(a))).toBe(true);
    const listing = execFileSync('tar', ['tvf', a, '--numeric-owner', '--full-time'], { env: { ...process.env, TZ: 'UTC' } }).toString();
    for (const line of listing.trim().split('\n')) expect(line).toMatch(/^-rw-r--r-- 0\/0 +\d+ 1970-01-01 00:00:00 \S+$/);
  });

  it('stamps every member with SOURCE_DATE_EPOCH when it is set', async () => {
    const r = await run(['pack', 'web-appliance', '-o', 'epoch.ova'], { SOURCE_DATE_EPOCH: '1700000000' });
    expect(r.code).toBe(0);
    const listing = execFileSync('tar', ['tvf', tmp.file('epoch.ova'), '--full-time'], { env: { ...process.env, TZ: 'UTC' } }).toString();
    expect(
      listing
        .trim()
        .split('\n')
        .every((l) => l.includes(' 2023-11-14 22:13:20 ')),
    ).toBe(true);
    expect((await run(['pack', 'web-appliance', '-o', 'epoch2.ova'], { SOURCE_DATE_EPOCH: 'yesterday' })).code).toBe(2);
  });

  it('orders members descriptor, manifest, certificate, then References order', async () => {
    expect(tarList(await pack('app', 'order.ova'))).toEqual(['app.ovf', 'app.mf', ...MEMBERS]);
    expect(tarList(await pack('app', 'order-signed.ova', '--sign', key, '--cert', cert))).toEqual(['app.ovf', 'app.mf', 'app.cert', ...MEMBERS]);
    expect(tarList(tmp.file('web-a.ova'))).toEqual(['web-appliance.ovf', 'web-appliance.mf', 'web-disk1.vmdk']);
  });

  it('writes a manifest whose every line openssl confirms on the extracted members', async () => {
    for (const [input, ova, stem, files] of [
      ['app', 'order.ova', 'app', MEMBERS],
      ['web-appliance', 'web-a.ova', 'web-appliance', ['web-disk1.vmdk']],
    ] as const) {
      const dir = extract(tmp.file(ova));
      const lines = manifestLines(join(dir, `${stem}.mf`));
      expect(lines.map((l) => l.name)).toEqual([`${stem}.ovf`, ...files]);
      for (const l of lines) {
        expect(l.alg).toBe('SHA256');
        expect(opensslDigest('sha256', join(dir, l.name)), `${input}: ${l.name}`).toBe(l.digest);
      }
    }
    // The example already carries sizes, so its descriptor and disk go in untouched.
    const dir = extract(tmp.file('web-a.ova'));
    expect(readFileSync(join(dir, 'web-appliance.ovf')).equals(readFileSync(join(web, 'web-appliance.ovf')))).toBe(true);
    expect(readFileSync(join(dir, 'web-disk1.vmdk')).equals(readFileSync(join(web, 'web-disk1.vmdk')))).toBe(true);
  });

  it('signs the manifest so that openssl dgst -verify and ovfpipe verify accept it', async () => {
    const ova = tmp.file('order-signed.ova');
    const dir = extract(ova);
    const [sigLine, ...rest] = readFileSync(join(dir, 'app.cert'), 'utf8').split('\n');
    const m = /^SHA256\(app\.mf\)= ([0-9a-f]+)$/.exec(sigLine!);
    expect(m).not.toBeNull();
    expect(rest.join('\n')).toContain(readFileSync(cert, 'utf8').trim());
    writeFileSync(join(dir, 'sig.bin'), Buffer.from(m![1]!, 'hex'));
    execFileSync('openssl', ['x509', '-in', cert, '-pubkey', '-noout', '-out', join(dir, 'pub.pem')]);
    const verified = execFileSync('openssl', ['dgst', '-sha256', '-verify', join(dir, 'pub.pem'), '-signature', join(dir, 'sig.bin'), join(dir, 'app.mf')]);
    expect(verified.toString().trim()).toBe('Verified OK');

    const { code, report } = await verifyJson(ova);
    expect(report.problems).toEqual([]);
    expect(code).toBe(0);
    expect(report).toMatchObject({ ok: true, kind: 'ova', descriptor: 'app.ovf', order: { ok: true } });
    expect(report.signature).toMatchObject({ valid: true, subject: 'CN=ovfpipe pack test, O=Example', issuer: 'CN=ovfpipe pack test, O=Example' });
    const sig = report.signature as { notBefore: string; notAfter: string };
    expect(Date.parse(sig.notAfter) - Date.parse(sig.notBefore)).toBe(2 * 24 * 3600 * 1000);
  });

  it('makes verify fail for a flipped byte in a disk and for a tampered manifest', async () => {
    const signed = readFileSync(tmp.file('order-signed.ova'));
    const reader = await openPackage(tmp.file('order-signed.ova'));
    const disk = reader.list().find((m) => m.name === 'data.vmdk')!;
    const manifest = reader.list().find((m) => m.name === 'app.mf')!;
    await reader.close();

    const flipped = Buffer.from(signed);
    flipped[disk.offset! + 100]! ^= 0x01;
    writeFileSync(tmp.file('flipped.ova'), flipped);
    const f = await verifyJson(tmp.file('flipped.ova'));
    expect(f.code).toBe(1);
    expect(f.report.problems.map((p) => p.ruleId)).toEqual(['manifest-digest']);

    // Rewrite the data.vmdk digest inside the archive: same length, so the tar stays well-formed.
    const tampered = Buffer.from(signed);
    const mf = tampered.subarray(manifest.offset!, manifest.offset! + manifest.size);
    const at = mf.indexOf('(data.vmdk)= ') + '(data.vmdk)= '.length;
    mf[at] = mf[at] === 0x30 ? 0x31 : 0x30;
    writeFileSync(tmp.file('tampered.ova'), tampered);
    const t = await verifyJson(tmp.file('tampered.ova'));
    expect(t.code).toBe(1);
    expect(t.report.problems.map((p) => p.ruleId).sort()).toEqual(['certificate-signature', 'manifest-digest']);
  });

  it('fills in a missing ovf:size and keeps every other byte of the descriptor', async () => {
    const r = await run(['pack', 'app', '-o', 'sizes.ova', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).sizes).toEqual([
      { id: 'sys', href: 'sys-disk.vmdk', size: 70000 },
      { id: 'big', href: 'big.img', size: 2500 },
    ]);
    expect(readFileSync(join(extract(tmp.file('sizes.ova')), 'app.ovf'), 'utf8')).toBe(FILLED);
    expect(readFileSync(join(app, 'app.ovf'), 'utf8'), 'the input is never modified').toBe(DESCRIPTOR);
  });

  it('refuses a wrong ovf:size, naming the file, unless --fix-sizes', async () => {
    const bad = tmp.file('bad-size');
    cpSync(app, bad, { recursive: true });
    writeFileSync(join(bad, 'app.ovf'), DESCRIPTOR.replace('ovf:size="4096"', 'ovf:size="4000"'));
    const r = await run(['pack', 'bad-size', '-o', 'bad-size.ova']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/File 'data' \(data\.vmdk\): ovf:size="4000" but the file is 4096 bytes/);
    expect(readdirSync(tmp.dir).filter((n) => n.startsWith('bad-size.ova'))).toEqual([]);

    await pack('bad-size', 'fixed.ova', '--fix-sizes');
    expect(readFileSync(join(extract(tmp.file('fixed.ova')), 'app.ovf'), 'utf8')).toBe(FILLED);
  });

  it('refuses missing References files and chunks by name, writing nothing', async () => {
    const missing = tmp.file('missing');
    cpSync(app, missing, { recursive: true });
    execFileSync('rm', [join(missing, 'data.vmdk'), join(missing, 'big.img.000000001')]);
    const r = await run(['pack', 'missing', '-o', 'missing.ova']);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`File 'data' (data.vmdk): "data.vmdk" is not in the package`);
    expect(r.err).toContain(`File 'big' (big.img): chunk "big.img.000000001" not in the package`);
    expect(readdirSync(tmp.dir).filter((n) => n.startsWith('missing.ova'))).toEqual([]);
  });

  it('writes SHA1 and SHA512 manifests that openssl and verify accept', async () => {
    for (const [flag, hexLength] of [
      ['sha1', 40],
      ['sha512', 128],
    ] as const) {
      const ova = await pack('app', `digest-${flag}.ova`, '--digest', flag, '--sign', key, '--cert', cert);
      const dir = extract(ova);
      const lines = manifestLines(join(dir, 'app.mf'));
      expect(lines).toHaveLength(1 + MEMBERS.length);
      for (const l of lines) {
        expect(l.alg).toBe(flag.toUpperCase());
        expect(l.digest).toHaveLength(hexLength);
        expect(opensslDigest(flag, join(dir, l.name))).toBe(l.digest);
      }
      expect(readFileSync(join(dir, 'app.cert'), 'utf8')).toMatch(new RegExp(`^${flag.toUpperCase()}\\(app\\.mf\\)= [0-9a-f]{512}\\n-----BEGIN CERTIFICATE-----`));
      const { code, report } = await verifyJson(ova);
      expect(report.problems).toEqual([]);
      expect(code).toBe(0);
    }
    expect((await run(['pack', 'app', '-o', 'md5.ova', '--digest', 'md5'])).code).toBe(2);
  });

  it('refuses to replace an existing OVA unless --force', async () => {
    writeFileSync(tmp.file('existing.ova'), 'keep me');
    const r = await run(['pack', 'web-appliance', '-o', 'existing.ova']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/existing\.ova exists \(use --force to replace it\)/);
    expect(readFileSync(tmp.file('existing.ova'), 'utf8')).toBe('keep me');
    await pack('web-appliance', 'existing.ova', '--force');
    expect(readFileSync(tmp.file('existing.ova')).equals(readFileSync(tmp.file('web-a.ova')))).toBe(true);
  });

  it('refuses a key that does not belong to the certificate before writing anything', async () => {
    const otherKey = tmp.file('other.key');
    execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', otherKey], { stdio: 'ignore' });
    const r = await run(['pack', 'app', '-o', 'wrong-key.ova', '--sign', otherKey, '--cert', cert]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/does not belong to the certificate/);
    expect(existsSync(tmp.file('wrong-key.ova'))).toBe(false);
    expect((await run(['pack', 'app', '-o', 'half.ova', '--sign', key])).code).toBe(2);
  });

  it('names a descriptor opened by content under another name .ovf in the OVA', async () => {
    const dir = tmp.file('renamed');
    cpSync(web, dir, { recursive: true });
    execFileSync('mv', [join(dir, 'web-appliance.ovf'), join(dir, 'appliance.xml')]);
    const ova = await pack('renamed/appliance.xml', 'renamed.ova');
    expect(tarList(ova)).toEqual(['appliance.ovf', 'appliance.mf', 'web-disk1.vmdk']);
    expect((await verifyJson(ova)).code).toBe(0);
  });

  it('writes a pax header only for a name ustar cannot hold, and reads back', async () => {
    const dir = tmp.file('unicode');
    mkdirSync(dir);
    writeFileSync(join(dir, 'u.ovf'), DESCRIPTOR.replace(/<File [\s\S]*<\/References>/, '<File ovf:id="d" ovf:href="d%C3%AFsk.vmdk"/>\n  </References>'));
    writeFileSync(join(dir, 'dïsk.vmdk'), 'x'.repeat(700));
    const ova = await pack('unicode', 'unicode.ova');
    expect(tarList(ova)).toEqual(['u.ovf', 'u.mf', 'dïsk.vmdk']);
    const bytes = readFileSync(ova);
    expect(bytes.subarray(0, 5).toString()).toBe('u.ovf');
    expect(bytes.includes('path=dïsk.vmdk\n')).toBe(true);
    expect((await verifyJson(ova)).code).toBe(0);
  });
});
