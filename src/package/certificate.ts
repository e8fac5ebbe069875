/**
 * The OVF certificate file (`.cert`, DSP0243 §5.1), in ovftool's layout:
 * a first line `ALG(name.mf)= hexsignature`, the signature over the exact
 * bytes of the manifest, followed by the signer's X.509 certificate in PEM
 * (possibly with its chain). The signature is what `openssl dgst -ALG -sign`
 * produces: PKCS#1 v1.5 for RSA keys, DER-encoded ECDSA for EC keys.
 * Trusting the signer is a separate step: the caller names trust anchors
 * (`verify --trust CA.pem`, a CA or the signing certificate itself) and/or
 * pins the signing certificate's SHA-256 fingerprint (`--signer SHA256:…`).
 * Without either, a valid signature is reported as valid but its signer as
 * not trusted.
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
  /** Whether the signer is trusted: checked only against trust anchors or pinned fingerprints the caller gave. */
  trust?: SignerTrust;
  /** Why `valid` is false, or other findings (e.g. the signed name differs from the manifest's). */
  problems: string[];
}

/** What the signer is checked against; both empty means "not checked". */
export interface TrustOptions {
  /** PEM texts of trusted certificates (a CA, an intermediate, or the signing certificate itself); a text may hold several. */
  anchors?: readonly string[];
  /** SHA-256 fingerprints the signing certificate must have one of, as `parseFingerprint` returns them. */
  pins?: readonly string[];
}

export interface SignerTrust {
  /** not-checked: no anchors or pins were given. */
  status: 'trusted' | 'untrusted' | 'not-checked';
  /** Why, in words: "signer not trusted (no --trust)", the anchor reached, or what broke the chain. */
  message: string;
  /** Subjects from the signer up to the anchor, when a chain was built. */
  chain?: string[];
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
export function verifyManifestSignature(certText: string, manifestBytes: Uint8Array, options: { manifestName?: string; now?: Date; trust?: TrustOptions } = {}): CertificateReport {
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
  if (report.valid) report.trust = checkSignerTrust(cert, parsed.certificates.slice(1), options.trust ?? {}, options.now ?? new Date());
  return report;
}

/** Longest chain followed from the signer to an anchor. */
const MAX_CHAIN = 8;

/**
 * Decides whether the signing certificate is trusted: its SHA-256
 * fingerprint is one of `pins` (when pins are given), and it chains to one
 * of `anchors` (when anchors are given) through the certificates the .cert
 * file carries after it. Every certificate on the way must be within its
 * validity at `now`, and every issuer a CA (basicConstraints).
 */
export function checkSignerTrust(signer: X509Certificate, carried: readonly string[], trust: TrustOptions, now: Date): SignerTrust {
  const pins = trust.pins ?? [];
  const anchors = (trust.anchors ?? []).flatMap((pem) => certificatesIn(pem));
  if (pins.length === 0 && anchors.length === 0) return { status: 'not-checked', message: 'signer not trusted (no --trust)' };
  const subject = oneLine(signer.subject);
  if (pins.length > 0 && !pins.includes(signer.fingerprint256))
    return { status: 'untrusted', message: `signer "${subject}" has fingerprint SHA256:${signer.fingerprint256}, which is not a pinned --signer` };
  if (anchors.length === 0) return { status: 'trusted', message: `signer "${subject}" matches a pinned --signer fingerprint` };
  const intermediates = carried.flatMap((pem) => certificatesIn(pem));
  const chain: string[] = [];
  let current = signer;
  for (let depth = 0; depth < MAX_CHAIN; depth++) {
    chain.push(oneLine(current.subject));
    const expired = outsideValidity(current, now);
    if (expired) return { status: 'untrusted', message: expired, chain };
    if (anchors.some((a) => a.fingerprint256 === current.fingerprint256)) return { status: 'trusted', message: `signer "${subject}" chains to trusted "${oneLine(current.subject)}"`, chain };
    const anchor = anchors.find((a) => issued(a, current));
    if (anchor) {
      const bad = anchor.ca ? outsideValidity(anchor, now) : `trusted "${oneLine(anchor.subject)}" issued "${oneLine(current.subject)}" but is not a CA`;
      if (bad) return { status: 'untrusted', message: bad, chain };
      chain.push(oneLine(anchor.subject));
      return { status: 'trusted', message: `signer "${subject}" chains to trusted "${oneLine(anchor.subject)}"`, chain };
    }
    const next = intermediates.find((i) => i.fingerprint256 !== current.fingerprint256 && issued(i, current));
    if (!next) return { status: 'untrusted', message: `signer "${subject}" does not chain to a --trust certificate (no trusted issuer "${oneLine(current.issuer)}")`, chain };
    if (!next.ca) return { status: 'untrusted', message: `"${oneLine(next.subject)}" issued "${oneLine(current.subject)}" but is not a CA`, chain };
    current = next;
  }
  return { status: 'untrusted', message: `signer "${subject}" chain is longer than ${MAX_CHAIN} certificates`, chain };
}

/** True when `issuer` issued `cert`: names match and the signature verifies with the issuer's key. */
function issued(issuer: X509Certificate, cert: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

function outsideValidity(cert: X509Certificate, now: Date): string | undefined {
  const from = new Date(cert.validFrom);
  const to = new Date(cert.validTo);
  if (now >= from && now <= to) return undefined;
  return `"${oneLine(cert.subject)}" is ${now < from ? 'not yet valid' : 'expired'} (valid ${from.toISOString()} to ${to.toISOString()})`;
}

function oneLine(name: string): string {
  return name.replace(/\n/g, ', ');
}

/** Every certificate in a PEM text; throws OVFPIPE_USAGE when one does not parse (a --trust file is the user's own input). */
export function certificatesIn(pem: string): X509Certificate[] {
  return (pem.match(PEM) ?? []).map((block) => {
    try {
      return new X509Certificate(block);
    } catch (e) {
      throw new OvfpipeError('OVFPIPE_USAGE', `cannot parse a trusted certificate: ${(e as Error).message}`);
    }
  });
}

/**
 * Reads a `--signer` fingerprint: `SHA256:` (optional) then the 32 bytes in
 * hex (colons allowed, as `openssl x509 -fingerprint -sha256` prints them)
 * or in base64 (as ssh-keygen prints them). Returns the form
 * X509Certificate.fingerprint256 has: upper-case hex pairs joined by colons.
 *
 * @throws OvfpipeError `OVFPIPE_USAGE` for anything else.
 */
export function parseFingerprint(text: string): string {
  const body = text.trim().replace(/^sha-?256:/i, '');
  const hex = body.replace(/:/g, '');
  let bytes: Buffer | undefined;
  if (/^[0-9A-Fa-f]{64}$/.test(hex)) bytes = Buffer.from(hex, 'hex');
  else if (/^[A-Za-z0-9+/]{43}=?$/.test(body)) bytes = Buffer.from(body, 'base64');
  if (bytes?.length !== 32) throw new OvfpipeError('OVFPIPE_USAGE', `--signer "${text}": expected SHA256: and a certificate fingerprint (64 hex digits, colons allowed, or base64)`);
  return [...bytes].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');
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
