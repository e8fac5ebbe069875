/** Writes the OVF environment ISO (render/ovf-env.ts builds it, pure) to a file. */
import { writeFile } from 'node:fs/promises';
import { ioReason } from './files.js';
import { OvfpipeError } from '../diagnostics/errors.js';
import { type BuildIsoOptions, ovfEnvIso } from '../render/ovf-env.js';

/**
 * Writes the OVF environment ISO to `outPath`, mode 0600: its properties may
 * hold passwords. Throws OVFPIPE_IO when the file cannot be written.
 */
export async function buildOvfEnvIso(xml: string, outPath: string, opts: BuildIsoOptions = {}): Promise<void> {
  await writeFile(outPath, ovfEnvIso(xml, opts), { mode: 0o600 }).catch((e: Error) => {
    throw new OvfpipeError('OVFPIPE_IO', `cannot write ${outPath}: ${ioReason(e)}`, { where: outPath, cause: e });
  });
}
