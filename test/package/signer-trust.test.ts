/**
 * Signers are checked against something (issue 14): verify --trust checks
 * the signing certificate's chain, --signer pins its fingerprint; without
 * either a valid signature is "valid, signer not trusted (no --trust)".
 * Every certificate here is made with the real openssl: a CA and a leaf it
 * issued, an intermediate chain, a self-signed publisher, a wrong CA, and a
 * leaf whose validity ended in 2021.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/diagnostics/diagnostic.js';
import { preparePipeline } from '../../src/pipeline/run.js';
import { tempDir } from '../helpers/archives.js';
import { runCli } from '../helpers/cli.js';
import { WEB_DISK, WEB_OVF } from '../helpers/packages.js';

function haveOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version']);
    return true;
  } catch {
    return false;
  }
}
const OPENSSL = haveOpenssl();
if (!OPENSSL) {
  if (process.env['CI'] === 'true') throw new Error('openssl is required for the signer trust tests in CI');
  console.warn('SKIPPING signer trust tests: openssl is not installed (apt-get install openssl)');
}

let tmp: ReturnType<typeof tempDir>;
const f = (name: string) => tmp.file(name);
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: tmp.dir, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
const CA_EXT = ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'];

function selfSigned(name: string, cn: string, ca: boolean): void {
  openssl('req', '-x509', ...EC, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '30', '-subj', `/CN=${cn}`, ...(ca ? CA_EXT : []));
}

/** A certificate for a new key, issued by `issuer` (its .pem and .key). */
function issued(name: string, cn: string, issuer: string, opts: { ca?: boolean; keyUsage?: boolean } = {}): void {
  openssl('req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
  const ext = opts.ca ? 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n' : `basicConstraints=CA:FALSE\n${opts.keyUsage === false ? '' : 'keyUsage=digitalSignature\n'}`;
  writeFileSync(f(`${name}.ext`), ext);
  openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.pem`, '-CAkey', `${issuer}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '30', '-extfile', `${name}.ext`);
}

/** A leaf issued by the CA whose validity was 2020-01-01 to 2021-01-01 (openssl ca takes explicit dates). */
function expiredLeaf(): void {
  openssl('req', ...EC, '-keyout', 'old.key', '-out', 'old.csr', '-subj', '/CN=old publisher');
  mkdirSync(f('db'));
  writeFileSync(f('db/index.txt'), '');
  writeFileSync(f('db/serial'), '1000\n');
  writeFileSync(f('ca.cnf'), '[ca]\ndefault_ca = d\n[d]\ndatabase = db/index.txt\nnew_certs_dir = db\nserial = db/serial\ndefault_md = sha256\npolicy = p\n[p]\ncommonName = supplied\n');
  openssl('ca', '-batch', '-config', 'ca.cnf', '-in', 'old.csr', '-cert', 'ca.pem', '-keyfile', 'ca.key', '-startdate', '20200101000000Z', '-enddate', '20210101000000Z', '-notext', '-out', 'old.pem');
}

function fingerprint(pem: string): string {
  return openssl('x509', '-in', pem, '-noout', '-fingerprint', '-sha256').trim().replace(/^.*=/, '');
}

/** Packs the web appliance into `<name>.ova`, signed with `<signer>.key` and the certificate file `cert` (signer first, chain after). */
async function signedOva(name: string, signer: string, cert = `${signer}.pem`): Promise<string> {
  const r = await runCli(['pack', f('pkg'), '-o', f(`${name}.ova`), '--sign', f(`${signer}.key`), '--cert', f(cert)]);
  expect(r.code, r.err).toBe(0);
  return f(`${name}.ova`);
}

beforeAll(() => {
  if (!OPENSSL) return;
  tmp = tempDir('ovfpipe-i12b-trust-');
  mkdirSync(f('pkg'));
  writeFileSync(f('pkg/web-appliance.ovf'), WEB_OVF);
  writeFileSync(f('pkg/web-disk1.vmdk'), WEB_DISK);
  selfSigned('ca', 'i12b Test CA', true);
  selfSigned('other-ca', 'i12b Other CA', true);
  selfSigned('self', 'i12b self-signed publisher', false);
  issued('leaf', 'i12b publisher', 'ca');
  issued('inter', 'i12b Intermediate CA', 'ca', { ca: true });
  issued('deep', 'i12b deep publisher', 'inter');
  // No keyUsage, so only basicConstraints CA:FALSE says it may not issue.
  issued('notca', 'i12b not a CA', 'ca', { keyUsage: false });
  issued('under-leaf', 'i12b issued by a leaf', 'notca');
  expiredLeaf();
  writeFileSync(f('deep-chain.pem'), execFileSync('cat', [f('deep.pem'), f('inter.pem')]));
  writeFileSync(f('under-leaf-chain.pem'), execFileSync('cat', [f('under-leaf.pem'), f('notca.pem')]));
}, 60_000);
afterAll(() => tmp?.cleanup());

describe.skipIf(!OPENSSL)('verify --trust and --signer', () => {
  it('a CA-signed package: trusted with --trust CA (exit 0), not trusted without (exit 0, said so)', async () => {
    const ova = await signedOva('ca-signed', 'leaf');
    const trusted = await runCli(['verify', ova, '--trust', f('ca.pem')]);
    expect(trusted.code, trusted.out).toBe(0);
    expect(trusted.out).toMatch(/signature valid, signer trusted, signer CN=i12b publisher/);
    const plain = await runCli(['verify', ova]);
    expect(plain.code, plain.out).toBe(0);
    expect(plain.out).toMatch(/signature valid, signer not trusted \(no --trust\)/);
    const json = JSON.parse((await runCli(['verify', '--json', ova])).out) as { ok: boolean; signature: { valid: boolean; trust: { status: string; message: string } } };
    expect(json.ok).toBe(true);
    expect(json.signature.trust).toEqual({ status: 'not-checked', message: 'signer not trusted (no --trust)' });
    const trustedJson = JSON.parse((await runCli(['verify', '--json', ova, '--trust', f('ca.pem')])).out) as { signature: { trust: { status: string; chain: string[] } } };
    expect(trustedJson.signature.trust).toMatchObject({ status: 'trusted', chain: ['CN=i12b publisher', 'CN=i12b Test CA'] });
  });

  it('another signer fails --trust CA with exit 1: a self-signed publisher, and a CA-signed package under the wrong CA', async () => {
    const self = await signedOva('self-signed', 'self');
    const r = await runCli(['verify', self, '--trust', f('ca.pem')]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/error: .*signer "CN=i12b self-signed publisher" does not chain to a --trust certificate.*\[certificate-trust\]/);
    const wrong = await runCli(['verify', await signedOva('ca-signed-2', 'leaf'), '--trust', f('other-ca.pem')]);
    expect(wrong.code).toBe(1);
    expect(wrong.out).toMatch(/\[certificate-trust\]/);
  });

  it('trusting the self-signed certificate itself trusts its packages', async () => {
    const r = await runCli(['verify', await signedOva('self-signed-2', 'self'), '--trust', f('self.pem')]);
    expect(r.code, r.out).toBe(0);
  });

  it('follows an intermediate carried in the .cert up to the trusted root; the trust file may hold several certificates', async () => {
    const ova = await signedOva('deep', 'deep', 'deep-chain.pem');
    expect((await runCli(['verify', ova, '--trust', f('ca.pem')])).code).toBe(0);
    writeFileSync(f('bundle.pem'), execFileSync('cat', [f('other-ca.pem'), f('ca.pem')]));
    expect((await runCli(['verify', ova, '--trust', f('bundle.pem')])).code).toBe(0);
    expect((await runCli(['verify', ova, '--trust', f('other-ca.pem'), '--trust', f('ca.pem')])).code).toBe(0);
  });

  it('refuses a chain through a certificate that is not a CA', async () => {
    const r = await runCli(['verify', await signedOva('under-leaf', 'under-leaf', 'under-leaf-chain.pem'), '--trust', f('ca.pem')]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/"CN=i12b not a CA" issued "CN=i12b issued by a leaf" but is not a CA/);
  });

  it('an expired signer: a warning without --trust (exit 0), untrusted with it (exit 1)', async () => {
    const ova = await signedOva('expired', 'old');
    const plain = await runCli(['verify', ova]);
    expect(plain.code, plain.out).toBe(0);
    expect(plain.out).toMatch(/warning: certificate is not valid at this time/);
    const r = await runCli(['verify', ova, '--trust', f('ca.pem')]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/"CN=old publisher" is expired \(valid 2020-01-01T00:00:00.000Z to 2021-01-01T00:00:00.000Z\).*\[certificate-trust\]/);
  });

  it('--signer pins the fingerprint in the forms openssl prints it, and refuses others', async () => {
    const ova = await signedOva('pinned', 'leaf');
    const fp = fingerprint('leaf.pem');
    expect((await runCli(['verify', ova, '--signer', `SHA256:${fp}`])).code).toBe(0);
    expect((await runCli(['verify', ova, '--signer', fp.replace(/:/g, '').toLowerCase()])).code).toBe(0);
    const other = await runCli(['verify', ova, '--signer', `SHA256:${fingerprint('self.pem')}`]);
    expect(other.code).toBe(1);
    expect(other.out).toMatch(/not a pinned --signer/);
    // Both given: both must hold.
    expect((await runCli(['verify', ova, '--signer', `SHA256:${fp}`, '--trust', f('other-ca.pem')])).code).toBe(1);
    const bad = await runCli(['verify', ova, '--signer', 'SHA256:nothex']);
    expect(bad.code).toBe(2);
    expect(bad.err).not.toMatch(/\n\s+at /);
  });

  it('an unsigned package fails a verify that asks for a trusted signer', async () => {
    const r1 = await runCli(['pack', f('pkg'), '-o', f('unsigned.ova')]);
    expect(r1.code).toBe(0);
    const r = await runCli(['verify', f('unsigned.ova'), '--trust', f('ca.pem')]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/package is not signed.*\[certificate-trust\]/);
    expect((await runCli(['verify', f('unsigned.ova')])).code).toBe(0);
  });

  it('a --trust file that is missing or holds no certificate is a usage error (exit 2), no stack', async () => {
    const ova = f('ca-signed.ova');
    const missing = await runCli(['verify', ova, '--trust', f('nope.pem')]);
    expect(missing.code).toBe(2);
    writeFileSync(f('empty.pem'), 'nothing here\n');
    const empty = await runCli(['verify', ova, '--trust', f('empty.pem')]);
    expect(empty.code).toBe(2);
    expect(empty.err).toMatch(/no PEM certificate/);
    expect(missing.err + empty.err).not.toMatch(/\n\s+at /);
  });
});

describe.skipIf(!OPENSSL)('a pipeline verify stage with verify: { trust, signer }', () => {
  async function gate(packagePath: string, verify: string): Promise<Diagnostic[]> {
    writeFileSync(f('gate.yaml'), `version: 1\npackages:\n  app: { path: ${packagePath} }\nstages: [verify, render]\n${verify}`);
    return (await preparePipeline({ file: f('gate.yaml'), env: {} })).diagnostics;
  }

  it('passes a CA-signed package, fails another signer, and fails an unsigned one', async () => {
    const good = await signedOva('gate-good', 'leaf');
    const other = await signedOva('gate-other', 'self');
    expect((await gate(good, 'verify:\n  trust: [ca.pem]\n')).filter((d) => d.severity === 'error')).toEqual([]);
    expect((await gate(other, 'verify:\n  trust: [ca.pem]\n')).map((d) => d.ruleId)).toContain('certificate-trust');
    expect((await gate(other, `verify:\n  signer: ["SHA256:${fingerprint('leaf.pem')}"]\n`)).map((d) => d.ruleId)).toContain('certificate-trust');
    expect((await gate(good, `verify:\n  signer: ["SHA256:${fingerprint('leaf.pem')}"]\n`)).filter((d) => d.severity === 'error')).toEqual([]);
    expect((await gate(f('unsigned.ova'), 'verify:\n  trust: [ca.pem]\n')).map((d) => d.ruleId)).toContain('certificate-trust');
    // Without verify: the signature is valid and nothing is asked of the signer.
    expect((await gate(other, '')).filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('locates a trust file that is missing, or a fingerprint that is not one, at its YAML node', async () => {
    const good = f('gate-good.ova');
    const d = await gate(good, 'verify:\n  trust:\n    - ca.pem\n    - missing.pem\n  signer: [nonsense]\n');
    expect(d.filter((x) => x.severity === 'error').map((x) => [x.ruleId, x.line, x.locator])).toEqual([
      ['pipeline-file', 8, 'verify.trust.1'],
      ['pipeline-file', 9, 'verify.signer.0'],
    ]);
  });
});

describe.skipIf(!OPENSSL)('pack of a signed package', () => {
  it('warns that the signature is dropped unless --sign signs the new OVA', async () => {
    const signed = await signedOva('to-repack', 'leaf');
    const r = await runCli(['pack', signed, '-o', f('repacked.ova')]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/warning: the input is signed \(web-appliance\.cert\), but the OVA is not/);
    const json = JSON.parse((await runCli(['pack', signed, '-o', f('repacked.ova'), '--force', '--json'])).out) as { warnings: string[] };
    expect(json.warnings).toHaveLength(1);
    const resigned = await runCli(['pack', signed, '-o', f('resigned.ova'), '--sign', f('leaf.key'), '--cert', f('leaf.pem')]);
    expect(resigned.code).toBe(0);
    expect(resigned.err).toBe('');
    const unsigned = await runCli(['pack', f('pkg'), '-o', f('plain.ova')]);
    expect(unsigned.err).toBe('');
  });
});
