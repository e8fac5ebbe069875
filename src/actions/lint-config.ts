/** Finds and reads the lint configuration file (the IO end of lint/config.ts, which parses and validates it). */
import { readFile } from 'node:fs/promises';
import { ioReason } from './files.js';
import { dirname, join } from 'node:path';
import { OvfpipeError } from '../diagnostics/errors.js';
import { CONFIG_FILE_NAMES, parseLintConfig, type ResolvedLintConfig } from '../lint/config.js';
import { resolvePath } from '../paths.js';

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new OvfpipeError('OVFPIPE_USAGE', `cannot read lint configuration ${path}: ${ioReason(e)}`, { cause: e });
  }
}

/**
 * Loads the lint configuration: from `path` when given (it must exist), else
 * from the first of CONFIG_FILE_NAMES in `cwd`, else an empty configuration.
 * A relative `catalog` is resolved against the config file's directory.
 */
export async function loadLintConfig(path?: string, cwd: string = process.cwd()): Promise<ResolvedLintConfig> {
  const candidates = path !== undefined ? [resolvePath(cwd, path)] : CONFIG_FILE_NAMES.map((n) => join(cwd, n));
  for (const file of candidates) {
    const text = await readIfPresent(file);
    if (text === undefined) continue;
    const config = parseLintConfig(text, path ?? file);
    if (config.catalog !== undefined) config.catalog = resolvePath(dirname(file), config.catalog);
    return config;
  }
  if (path !== undefined) throw new OvfpipeError('OVFPIPE_USAGE', `lint configuration ${path} does not exist`);
  return {};
}
