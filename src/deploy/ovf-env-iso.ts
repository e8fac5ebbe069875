/**
 * The ISO 9660 image that carries `ovf-env.xml` for the OVF environment's
 * `iso` transport (DSP0243 §11.2: a CD-ROM whose root holds `ovf-env.xml`).
 * The IO end of render/ovf-env.ts: xorriso or genisoimage run with an argv,
 * never a shell.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { OvfpipeError } from '../diagnostics/errors.js';
import { OVF_ENV_FILE, OVF_ENV_VOLUME_ID } from '../render/ovf-env.js';

export type IsoTool = 'xorriso' | 'genisoimage';

export interface BuildIsoOptions {
  /** Tools to try, in order (default xorriso, then genisoimage). */
  tools?: readonly IsoTool[];
  /** Environment for the tool (and its PATH lookup). Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /**
   * Seconds since the epoch to stamp on the file and the volume, so that the
   * same XML gives byte-identical images (xorriso honours SOURCE_DATE_EPOCH;
   * genisoimage does not, its images still differ).
   */
  sourceDateEpoch?: number;
}

const execFileAsync = promisify(execFile);

function isoArgv(tool: IsoTool, outPath: string, dir: string): string[] {
  // Rock Ridge and Joliet keep the lower-case name "ovf-env.xml"; plain ISO 9660 would say OVF_ENV.XML;1.
  const common = ['-quiet', '-J', '-R', '-V', OVF_ENV_VOLUME_ID, '-o', outPath, dir];
  return tool === 'xorriso' ? ['-as', 'mkisofs', ...common] : common;
}

/**
 * Writes an ISO 9660 image holding `xml` as /ovf-env.xml to `outPath`.
 * Returns the tool used. Throws OVFPIPE_IO when no tool is installed or the
 * tool fails.
 */
export async function buildOvfEnvIso(xml: string, outPath: string, opts: BuildIsoOptions = {}): Promise<{ tool: IsoTool }> {
  const tools = opts.tools ?? ['xorriso', 'genisoimage'];
  const dir = await mkdtemp(join(tmpdir(), 'ovfpipe-ovfenv-'));
  try {
    await writeFile(join(dir, OVF_ENV_FILE), xml, 'utf8');
    let env = opts.env ?? process.env;
    if (opts.sourceDateEpoch !== undefined) {
      await utimes(join(dir, OVF_ENV_FILE), opts.sourceDateEpoch, opts.sourceDateEpoch);
      await utimes(dir, opts.sourceDateEpoch, opts.sourceDateEpoch);
      env = { ...env, SOURCE_DATE_EPOCH: String(Math.trunc(opts.sourceDateEpoch)) };
    }
    for (const tool of tools) {
      try {
        await execFileAsync(tool, isoArgv(tool, outPath, dir), { env, maxBuffer: 1024 * 1024 });
        return { tool };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        const stderr = String((e as { stderr?: unknown }).stderr ?? '').trim();
        throw new OvfpipeError('OVFPIPE_IO', `${tool} could not build ${outPath}${stderr ? `: ${stderr}` : ''}`, { where: outPath, cause: e });
      }
    }
    throw new OvfpipeError('OVFPIPE_IO', `cannot build the ovf-env ISO: none of the ISO tools (${tools.join(', ') || 'none allowed'}) is installed (apt-get install xorriso)`, { where: outPath });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
