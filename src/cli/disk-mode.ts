import { OvfpipeError } from '../diagnostics/errors.js';
import type { DiskMode } from '../deploy/deploy.js';

/** The --disk-mode flag of deploy, plan and apply (undefined: not given). */
export function parseDiskMode(value: string | undefined): DiskMode | undefined {
  if (value === undefined) return undefined;
  if (value !== 'convert' && value !== 'backing') throw new OvfpipeError('OVFPIPE_USAGE', `--disk-mode '${value}': expected convert or backing`);
  return value;
}

export const DISK_MODE_HELP = 'convert (each image converted once to qcow2, overlays on it) | backing (overlays directly on the verified upload, no conversion)';
