/** The plain file verbs the commands need: read a text input, write an output. Failures are OVFPIPE_IO naming the path. */
import { constants } from 'node:fs';
import { access, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { OvfpipeError } from '../diagnostics/errors.js';
import { expandHome } from '../paths.js';

/** Reads a UTF-8 file; `what` names it in the error (`vars file`, `catalog`, …). */
export async function readTextFile(file: string, what?: string): Promise<string> {
  const path = expandHome(file);
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new OvfpipeError('OVFPIPE_IO', `cannot read ${what ? `${what} ` : ''}${path}: ${ioReason(e)}`, { where: path, cause: e });
  }
}

/** Writes a file; `what` names it in the error (`report`, `SARIF output`, …). A missing folder or a directory given as the file is a usage error naming the path. */
export async function writeTextFile(path: string, text: string, what?: string): Promise<void> {
  try {
    await writeFile(expandHome(path), text);
  } catch (e) {
    throw new OvfpipeError('OVFPIPE_IO', `cannot write ${what ? `${what} ` : ''}${path}: ${ioReason(e)}`, { where: path, cause: e });
  }
}

/** The reason of a file-system error in words, without Node's `ENOENT: …, open '…'` decoration. */
export function ioReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const words: Record<string, string> = {
    ENOENT: 'no such file or directory (does its folder exist?)',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EISDIR: 'is a directory',
    ENOTDIR: 'a path component is not a directory',
    ENOSPC: 'no space left on device',
    EROFS: 'read-only file system',
  };
  return (code !== undefined && words[code]) || (e as Error).message;
}

/**
 * Checks, before any work, that each output path can be written: its folder exists and is a folder, and the path
 * itself is not a directory. A run that would only fail at its end to write its evidence fails at its start instead.
 */
export async function checkOutputPaths(paths: ReadonlyArray<{ path: string | undefined; what: string }>): Promise<void> {
  for (const { path, what } of paths) {
    if (path === undefined) continue;
    if (path === '') throw new OvfpipeError('OVFPIPE_USAGE', `${what}: an empty path`);
    const dir = dirname(resolve(path));
    const folder = await stat(dir).catch(() => undefined);
    if (!folder) throw new OvfpipeError('OVFPIPE_IO', `cannot write ${what} ${path}: folder ${dir} does not exist`, { where: path });
    if (!folder.isDirectory()) throw new OvfpipeError('OVFPIPE_IO', `cannot write ${what} ${path}: ${dir} is not a folder`, { where: path });
    const target = await stat(path).catch(() => undefined);
    if (target?.isDirectory()) throw new OvfpipeError('OVFPIPE_IO', `cannot write ${what} ${path}: it is a directory`, { where: path });
    try {
      await access(dir, constants.W_OK);
    } catch (e) {
      throw new OvfpipeError('OVFPIPE_IO', `cannot write ${what} ${path}: ${ioReason(e)}`, { where: path, cause: e });
    }
  }
}
