/**
 * The OVF certificate file (`.cert`, DSP0243 §5.1), in ovftool's layout:
 * a first line `ALG(name.mf)= hexsignature`, the signature over the exact
 * bytes of the manifest, followed by the signer's X.509 certificate in PEM
 * (possibly with its chain). The signature is what `openssl dgst -ALG -sign`
 * produces: PKCS#1 v1.5 for RSA keys, DER-encoded ECDSA for EC keys.
 * Trusting the chain is a separate, opt-in step (PRODUCT.md §2).
 */
import { X509Certificate, sign, verify } from 'node:crypto';
import { OvfpipeError } from '../diagnostics/errors.js';
import { NODE_HASH, type DigestAlgorithm } from './manifest.js';

export interface CertificateReport {
  /** True when the signature verifies over the manifest bytes with the certificate's key. */
  valid: boolean;
  algorithm?: DigestAlgorithm;
  /** The manifest name the signature line claims to sign. */
  signedName?: string;
  subject?: string;
  issuer?: string;
  /** ISO 8601. */
  notBefore?: string;
  notAfter?: string;
  /** SHA-256 fingerprint of the signer certificate, colon-separated hex. */
  fingerprint256?: string;
  /** False when `now` is outside [notBefore, notAfter]. */
  withinValidity?: boolean;
  /** Why `valid` is false, or other findings (e.g. the signed name differs from the manifest's). */
  problems: string[];
}

export interface ParsedCertificateFile {
  algorithm: DigestAlgorithm;
  signedName: string;
  signature: Buffer;
  /** PEM text of every certificate in the file, signer first. */
  certificates: string[];
}

const SIG_LINE = /^\s*([A-Za-z]+-?[0-9]+)\s*\((.*)\)\s*=\s*([0-9A-Fa-f]+)\s*$/;
const PEM = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Splits a .cert file into its signature line and PEM certificates; throws OVFPIPE_CERT when it has neither shape. */
export function parseCertificateFile(text: string): ParsedCertificateFile {
  const firstLine =
    text
      .replace(/^\uFEFF/, '')
      .split(/\r?\n/)
      .find((l) => l.trim() !== '') ?? '';
  const m = SIG_LINE.exec(firstLine);
  if (!m) throw new OvfpipeError('OVFPIPE_CERT', 'certificate file does not start with a signature line ALG(name.mf)= hexsignature', { where: 'line 1' });
  const algorithm = m[1]!.toUpperCase().replace('-', '') as DigestAlgorithm;
  if (!(algorithm in NODE_HASH)) throw new OvfpipeError('OVFPIPE_CERT', `unsupported signature digest "${m[1]}"`, { where: 'line 1' });
  const certificates = text.match(PEM) ?? [];
  if (certificates.length === 0) throw new OvfpipeError('OVFPIPE_CERT', 'certificate file holds no PEM certificate', { where: 'line 2' });
  return { algorithm, signedName: m[2]!.replace(/^\.\//, ''), signature: Buffer.from(m[3]!, 'hex'), certificates };
}

/**
 * Verifies a .cert file against the manifest bytes and describes the signer.
 * Never throws: a broken file yields `valid: false` with the reason.
 */
export function verifyManifestSignature(certText: string, manifestBytes: Uint8Array, options: { manifestName?: string; now?: Date } = {}): CertificateReport {
  let parsed: ParsedCertificateFile;
  try {
    parsed = parseCertificateFile(certText);
  } catch (e) {
    return { valid: false, problems: [(e as Error).message] };
  }
  const report: CertificateReport = { valid: false, algorithm: parsed.algorithm, signedName: parsed.signedName, problems: [] };
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(parsed.certificates[0]!);
  } catch (e) {
    report.problems.push(`cannot parse the X.509 certificate: ${(e as Error).message}`);
    return report;
  }
  Object.assign(report, describeCertificate(cert, options.now ?? new Date()));
  if (report.withinValidity === false) report.problems.push(`certificate is not valid at this time (valid ${report.notBefore} to ${report.notAfter})`);
  if (options.manifestName !== undefined && parsed.signedName !== options.manifestName)
    report.problems.push(`signature line names "${parsed.signedName}" but the manifest is "${options.manifestName}"`);
  try {
    report.valid = verify(NODE_HASH[parsed.algorithm], manifestBytes, cert.publicKey, parsed.signature);
  } catch (e) {
    report.problems.push(`signature check failed: ${(e as Error).message}`);
  }
  if (!report.valid && report.problems.length === 0) report.problems.push('signature does not match the manifest');
  return report;
}

function describeCertificate(cert: X509Certificate, now: Date): Partial<CertificateReport> {
  const notBefore = new Date(cert.validFrom);
  const notAfter = new Date(cert.validTo);
  return {
    subject: cert.subject.replace(/\n/g, ', '),
    issuer: cert.issuer.replace(/\n/g, ', '),
    notBefore: notBefore.toISOString(),
    notAfter: notAfter.toISOString(),
    fingerprint256: cert.fingerprint256,
    withinValidity: now >= notBefore && now <= notAfter,
  };
}

/**
 * Signs manifest bytes and returns the .cert file text (for `pack --sign`).
 * The result is checked against the certificate before it is returned, so a
 * key that does not belong to the certificate fails here, not at deploy time.
 *
 * @throws OvfpipeError `OVFPIPE_CERT` when the key or certificate is unusable or they do not match.
 */
export function signManifest(mfBytes: Uint8Array, keyPem: string, certPem: string, alg: DigestAlgorithm, mfName: string): string {
  let signature: Buffer;
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
    signature = sign(NODE_HASH[alg], mfBytes, keyPem);
  } catch (e) {
    throw new OvfpipeError('OVFPIPE_CERT', `cannot sign the manifest: ${(e as Error).message}`, { where: mfName, cause: e });
  }
  const pems = certPem.match(PEM) ?? [];
  if (!verify(NODE_HASH[alg], mfBytes, cert.publicKey, signature)) throw new OvfpipeError('OVFPIPE_CERT', 'the signing key does not belong to the certificate', { where: mfName });
  return `${alg}(${mfName})= ${signature.toString('hex')}\n${pems.join('\n')}\n`;
}
