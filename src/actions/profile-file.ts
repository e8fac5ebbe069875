/** Reads a port profile file (the IO end of netsec/profiles/yaml.ts, used by `netsec embed`). */
import { readFile } from 'node:fs/promises';
import { ioReason } from './files.js';
import { formatDiagnosticLines } from '../diagnostics/format.js';
import { OvfpipeError } from '../diagnostics/errors.js';
import type { PortProfile } from '../netsec/model.js';
import { parsePortProfileYaml } from '../netsec/profiles/yaml.js';
import { expandHome } from '../paths.js';

/**
 * Reads and parses a profile file (the IO end used by `netsec embed`). Throws OVFPIPE_USAGE listing
 * every error with its position; warnings do not stop it.
 */
export async function loadProfileFile(path: string): Promise<PortProfile> {
  let text: string;
  try {
    text = await readFile(expandHome(path), 'utf8');
  } catch (e) {
    throw new OvfpipeError('OVFPIPE_USAGE', `cannot read port profile ${path}: ${ioReason(e)}`, { cause: e });
  }
  const parsed = parsePortProfileYaml(text, { file: path });
  const errors = parsed.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0 || !parsed.profile) throw new OvfpipeError('OVFPIPE_USAGE', `invalid port profile ${path}:\n${formatDiagnosticLines(errors)}`, { where: path });
  return parsed.profile;
}
