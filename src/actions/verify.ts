/** `verify`: open a package, read its References, and check every digest, size, the manifest and the signature in one pass. */
import { diagnostic } from '../diagnostics/diagnostic.js';
import { isOvfpipeError, OvfpipeError } from '../diagnostics/errors.js';
import { loadFailure } from './load-failure.js';
import { readTextFile } from './files.js';
import { certificatesIn, parseFingerprint, type TrustOptions } from '../package/certificate.js';
import { openDescriptor, outsideReferenceDiagnostics } from '../package/open-descriptor.js';
import type { FileReference } from '../package/layout.js';
import { verifyPackage, type VerifyOptions, type VerifyReport } from '../package/verify.js';

export type { VerifyReport };

export interface VerifyPathOptions extends Omit<VerifyOptions, 'allowOutside'> {
  /** Read References files outside the package's folder (`--allow-outside-refs`); without it each is an error. */
  allowOutsideRefs?: boolean;
  /** PEM files of trusted certificates (`--trust`, a CA or the signing certificate). */
  trustFiles?: readonly string[];
  /** Pinned signing-certificate fingerprints (`--signer SHA256:…`). */
  signers?: readonly string[];
}

/**
 * Reads the `--trust` files and `--signer` pins.
 *
 * @throws OvfpipeError `OVFPIPE_IO` for a file that cannot be read, `OVFPIPE_USAGE` for one that holds no certificate or a bad fingerprint.
 */
export async function loadTrust(trustFiles: readonly string[] = [], signers: readonly string[] = []): Promise<TrustOptions> {
  const anchors: string[] = [];
  for (const file of trustFiles) {
    const pem = await readTextFile(file);
    if (certificatesIn(pem).length === 0) throw new OvfpipeError('OVFPIPE_USAGE', `--trust ${file}: no PEM certificate in it`, { where: file });
    anchors.push(pem);
  }
  return { anchors, pins: signers.map(parseFingerprint) };
}

export async function verifyPath(path: string, options: VerifyPathOptions = {}): Promise<VerifyReport> {
  const { allowOutsideRefs = false, trustFiles, signers, ...rest } = options;
  const loaded = await loadTrust(trustFiles, signers);
  const trust = { anchors: [...(rest.trust?.anchors ?? []), ...(loaded.anchors ?? [])], pins: [...(rest.trust?.pins ?? []), ...(loaded.pins ?? [])] };
  let opened;
  try {
    opened = await openDescriptor(path, { allowOutsideRefs });
  } catch (e) {
    if (isOvfpipeError(e) && e.code === 'OVFPIPE_IO') throw e;
    return failedReport(loadFailure(path, e));
  }
  const { reader } = opened;
  try {
    // Without a descriptor there are no References to check; verifyPackage reports the rest.
    const pre = opened.descriptorName !== undefined ? [...opened.diagnostics, ...outsideReferenceDiagnostics(opened.outside, opened.envelope, opened.descriptorName)] : [];
    const refs: FileReference[] = opened.envelope?.references.map((f) => ({ href: f.href, size: f.size, compression: f.compression, chunkSize: f.chunkSize })) ?? [];
    const report = await verifyPackage(reader, refs, { ...rest, allowOutside: allowOutsideRefs, trust });
    if (pre.length > 0) {
      report.problems.unshift(...pre);
      if (pre.some((d) => d.severity === 'error')) report.ok = false;
    }
    return report;
  } catch (e) {
    return failedReport(loadFailure(path, e));
  } finally {
    await reader.close();
  }
}

function failedReport(problem: ReturnType<typeof diagnostic>): VerifyReport {
  return {
    ok: false,
    kind: 'directory',
    descriptor: undefined,
    files: [],
    manifest: { entries: 0, unlisted: [], unknown: [], problems: [] },
    order: { ok: true, problems: [] },
    problems: [problem],
  };
}
