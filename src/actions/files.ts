/** The plain file verbs the commands need: read a text input, write an output. Failures are OVFPIPE_IO naming the path. */
import { readFile, writeFile } from 'node:fs/promises';
import { OvfpipeError } from '../diagnostics/errors.js';
import { expandHome } from '../paths.js';

/** Reads a UTF-8 file; `what` names it in the error (`vars file`, `catalog`, …). */
export async function readTextFile(file: string, what?: string): Promise<string> {
  const path = expandHome(file);
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new OvfpipeError('OVFPIPE_IO', `cannot read ${what ? `${what} ` : ''}${path}: ${(e as Error).message}`, { where: path, cause: e });
  }
}

export async function writeTextFile(path: string, text: string): Promise<void> {
  await writeFile(expandHome(path), text);
}
