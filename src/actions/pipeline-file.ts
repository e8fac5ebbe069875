/** Reads a pipeline file (the IO end of pipeline/load.ts, which parses, interpolates and validates it). */
import { readFile } from 'node:fs/promises';
import { ioReason } from './files.js';
import { OvfpipeError } from '../diagnostics/errors.js';
import { expandHome } from '../paths.js';

export async function readPipelineFile(file: string): Promise<string> {
  return readFile(expandHome(file), 'utf8').catch((e: Error) => {
    throw new OvfpipeError('OVFPIPE_IO', `cannot read pipeline ${file}: ${ioReason(e)}`, { where: file });
  });
}
