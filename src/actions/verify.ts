/** `verify`: open a package, read its References, and check every digest, size, the manifest and the signature in one pass. */
import { diagnostic } from '../diagnostics/diagnostic.js';
import { isOvfpipeError } from '../diagnostics/errors.js';
import { loadFailure } from './load-failure.js';
import { openDescriptor } from '../package/open-descriptor.js';
import type { FileReference } from '../package/layout.js';
import { verifyPackage, type VerifyOptions, type VerifyReport } from '../package/verify.js';

export type { VerifyReport };

export async function verifyPath(path: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  let opened;
  try {
    opened = await openDescriptor(path);
  } catch (e) {
    if (isOvfpipeError(e) && e.code === 'OVFPIPE_IO') throw e;
    return failedReport(loadFailure(path, e));
  }
  const { reader } = opened;
  try {
    // Without a descriptor there are no References to check; verifyPackage reports the rest.
    const pre = opened.descriptorName !== undefined ? opened.diagnostics : [];
    const refs: FileReference[] = opened.envelope?.references.map((f) => ({ href: f.href, size: f.size, compression: f.compression, chunkSize: f.chunkSize })) ?? [];
    const report = await verifyPackage(reader, refs, options);
    if (pre.length > 0) {
      report.problems.unshift(...pre);
      report.ok = false;
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
