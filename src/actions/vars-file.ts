/** Reads a vars file for one tenant (the IO end of macros/vars.ts), for render and deploy. */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { parseVarsYaml, type VarsFile } from '../macros/vars.js';
import { readTextFile } from './files.js';

export async function loadVarsFile(path: string, tenant: string): Promise<{ vars?: VarsFile; diagnostics: Diagnostic[] }> {
  return parseVarsYaml(await readTextFile(path, 'vars file'), { file: path, tenant });
}
