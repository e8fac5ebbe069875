/**
 * Atomic output folders: everything is written into a temporary folder beside
 * the target (same file system, so rename(2) is atomic), which replaces the
 * target only once every file is written. A failure removes the temporary
 * folder and leaves the target absent or as it was.
 *
 * An existing target is replaced only when it is empty or looks like an
 * earlier output (it holds `marker`, e.g. plan.json): `--out ~` must never
 * wipe a home folder.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { OvfpipeError } from '../diagnostics/errors.js';
import { expandHome } from '../paths.js';

export async function writeDirAtomically<T>(out: string, marker: string, write: (dir: string) => Promise<T>): Promise<T> {
  const target = expandHome(out);
  await checkReplaceable(target, marker);
  const parent = dirname(target);
  await mkdir(parent, { recursive: true });
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const temp = join(parent, `.${basename(target)}.tmp-${tag}`);
  await mkdir(temp, { mode: 0o755 });
  try {
    const result = await write(temp);
    const old = join(parent, `.${basename(target)}.old-${tag}`);
    const replaced = await rename(target, old).then(
      () => true,
      (e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return false;
        throw e;
      },
    );
    try {
      await rename(temp, target);
    } catch (e) {
      if (replaced) await rename(old, target);
      throw e;
    }
    if (replaced) await rm(old, { recursive: true, force: true });
    return result;
  } catch (e) {
    await rm(temp, { recursive: true, force: true });
    throw e;
  }
}

async function checkReplaceable(target: string, marker: string): Promise<void> {
  const s = await stat(target).catch(() => undefined);
  if (!s) return;
  if (!s.isDirectory()) throw new OvfpipeError('OVFPIPE_USAGE', `--out ${target}: exists and is not a folder`, { where: target });
  const entries = await readdir(target);
  if (entries.length > 0 && !entries.includes(marker))
    throw new OvfpipeError('OVFPIPE_USAGE', `--out ${target}: folder is not empty and holds no ${marker} from an earlier render; refusing to replace it`, { where: target });
}
