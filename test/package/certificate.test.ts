import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OvfpipeError } from '../../src/diagnostics/errors.js';
import { parseCertificateFile, signManifest, verifyManifestSignature } from '../../src/package/certificate.js';
import { tempDir } from '../helpers/archives.js';

let tmp: ReturnType<typeof tempDir>;
let rsaKey: string;
let rsaCert: string;
let ecKey: string;
let ecCert: string;
const mf = Buffer.from(`SHA256(vm.ovf)= ${'ab'.repeat(32)}\nSHA256(disk.vmdk)= ${'cd'.repeat(32)}\n`);

function selfSigned(name: string, newkey: string[]): [string, string] {
  execFileSync('openssl', ['req', '-x509', ...newkey, '-nodes', '-subj', `/CN=${name}`, '-days', '1', '-keyout', tmp.file(`${name}.key`), '-out', tmp.file(`${name}.crt`)], { stdio: 'ignore' });
  return [readFileSync(tmp.file(`${name}.key`), 'utf8'), readFileSync(tmp.file(`${name}.crt`), 'utf8')];
}

beforeAll(() => {
  tmp = tempDir();
  [rsaKey, rsaCert] = selfSigned('test', ['-newkey', 'rsa:2048']);
  [ecKey, ecCert] = selfSigned('ectest', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1']);
});
afterAll(() => tmp.cleanup());

describe('manifest signatures', () => {
  it('produces a signature that openssl dgst -verify accepts', () => {
    const cert = signManifest(mf, rsaKey, rsaCert, 'SHA256', 'vm.mf');
    const parsed = parseCertificateFile(cert);
    writeFileSync(tmp.file('vm.mf'), mf);
    writeFileSync(tmp.file('sig.bin'), parsed.signature);
    execFileSync('openssl', ['x509', '-in', tmp.file('test.crt'), '-pubkey', '-noout', '-out', tmp.file('pub.pem')]);
    const out = execFileSync('openssl', ['dgst', '-sha256', '-verify', tmp.file('pub.pem'), '-signature', tmp.file('sig.bin'), tmp.file('vm.mf')]).toString();
    expect(out.trim()).toBe('Verified OK');
    expect(cert.split('\n')[0]).toMatch(/^SHA256\(vm\.mf\)= [0-9a-f]{512}$/);
    expect(cert).toContain('-----BEGIN CERTIFICATE-----');
  });

  it('verifies an RSA signature and describes the signer', () => {
    const r = verifyManifestSignature(signManifest(mf, rsaKey, rsaCert, 'SHA256', 'vm.mf'), mf, { manifestName: 'vm.mf' });
    expect(r).toMatchObject({ valid: true, algorithm: 'SHA256', signedName: 'vm.mf', subject: 'CN=test', issuer: 'CN=test', withinValidity: true, problems: [] });
    expect(r.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(Date.parse(r.notAfter!) - Date.parse(r.notBefore!)).toBe(24 * 3600 * 1000);
  });

  it('verifies an ECDSA signature made by openssl itself', () => {
    writeFileSync(tmp.file('ec.mf'), mf);
    const sig = execFileSync('openssl', ['dgst', '-sha512', '-sign', tmp.file('ectest.key'), tmp.file('ec.mf')]);
    const certText = `SHA512(ec.mf)= ${sig.toString('hex')}\n${ecCert}`;
    expect(verifyManifestSignature(certText, mf, { manifestName: 'ec.mf' }).valid).toBe(true);
    expect(verifyManifestSignature(signManifest(mf, ecKey, ecCert, 'SHA1', 'ec.mf'), mf).valid).toBe(true);
  });

  it('rejects a signature over different manifest bytes', () => {
    const cert = signManifest(mf, rsaKey, rsaCert, 'SHA256', 'vm.mf');
    const tampered = Buffer.from(mf.toString().replace('ab', 'ba'));
    const r = verifyManifestSignature(cert, tampered);
    expect(r.valid).toBe(false);
    expect(r.problems).toEqual(['signature does not match the manifest']);
  });

  it('notes a signature line naming another manifest and a certificate outside its validity window', () => {
    const r = verifyManifestSignature(signManifest(mf, rsaKey, rsaCert, 'SHA256', 'other.mf'), mf, { manifestName: 'vm.mf', now: new Date(Date.now() + 10 * 86400_000) });
    expect(r.valid).toBe(true);
    expect(r.withinValidity).toBe(false);
    expect(r.problems.join('\n')).toMatch(/not valid at this time[\s\S]*names "other.mf"/);
  });

  it('reports a file without a signature line or without a certificate', () => {
    expect(verifyManifestSignature(rsaCert, mf)).toMatchObject({ valid: false, problems: [expect.stringMatching(/signature line/)] });
    expect(verifyManifestSignature('SHA256(vm.mf)= abcd\n', mf)).toMatchObject({ valid: false, problems: [expect.stringMatching(/no PEM certificate/)] });
    expect(verifyManifestSignature(`SHA256(vm.mf)= abcd\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n`, mf).problems[0]).toMatch(/cannot parse the X.509/);
  });

  it('refuses to sign with a key that does not belong to the certificate', () => {
    expect(() => signManifest(mf, ecKey, rsaCert, 'SHA256', 'vm.mf')).toThrow(/does not belong to the certificate/);
    let caught: unknown;
    try {
      signManifest(mf, 'not a key', rsaCert, 'SHA256', 'vm.mf');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(OvfpipeError);
    expect((caught as OvfpipeError).code).toBe('OVFPIPE_CERT');
  });
});
