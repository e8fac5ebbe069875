/**
 * Writes reproducible POSIX tar archives for `pack` (an OVA is a tar,
 * DSP0243 §5.3). Every header carries the same fixed fields whatever the
 * source files' metadata: type regular file, mode 0644, uid and gid 0,
 * empty owner names (numeric owner, as `tar --numeric-owner` writes), and
 * one mtime for all members. Members go in exactly the order given. Headers
 * are ustar; tar-stream falls back to a pax header only for a name ustar
 * cannot hold (non-ASCII, or too long to split into prefix and name), and
 * writes sizes of 8 GiB and more in the GNU base-256 form that GNU tar,
 * libarchive, Go's archive/tar and our own reader accept.
 *
 * The archive is written to a temporary file beside the target and moved
 * into place only once it is complete and synced, so a failure never leaves
 * a half-written OVA under the target's name.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { lstat, link, mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pack as tarPack, type Header, type Pack } from 'tar-stream';
import { OvfpipeError } from '../diagnostics/errors.js';

export interface TarEntry {
  /** Member name (forward slashes, relative). */
  name: string;
  /** Exact number of bytes the body yields; a body that yields more or fewer fails the write. */
  size: number;
  /** A small member held in memory, or a function that opens the member's bytes. */
  body: Buffer | (() => Promise<AsyncIterable<Buffer>>);
}

export interface TarWriteOptions {
  /** Modification time written for every member, in seconds since the epoch (0 for reproducible output). */
  mtime: number;
}

/** Streams `entries` as one tar archive into `out`, and ends `out`. */
export async function writeTar(out: Writable, entries: readonly TarEntry[], options: TarWriteOptions): Promise<void> {
  const pack = tarPack();
  pack.on('error', ignore);
  const piped = pipeline(pack, out);
  const fed = (async () => {
    for (const entry of entries) await addEntry(pack, entry, options.mtime);
    pack.finalize();
  })();
  // Whichever fails first fails the write; the other promise is then abandoned, not left unhandled.
  piped.catch(() => undefined);
  fed.catch(() => undefined);
  try {
    await Promise.all([fed, piped]);
  } catch (e) {
    pack.destroy(e as Error);
    out.destroy();
    throw e;
  }
}

type Sink = ReturnType<Pack['entry']>;

function ignore(): void {
  // The failure is already on its way to the caller by another path.
}

function addEntry(pack: Pack, entry: TarEntry, mtime: number): Promise<void> {
  const header: Header = {
    name: entry.name,
    size: entry.size,
    type: 'file',
    linkname: '',
    devmajor: 0,
    devminor: 0,
    mode: 0o644,
    uid: 0,
    gid: 0,
    uname: '',
    gname: '',
    mtime: new Date(mtime * 1000),
  };
  return new Promise((resolve, reject) => {
    const done = (err?: Error | null): void => (err ? reject(err) : resolve());
    if (Buffer.isBuffer(entry.body)) {
      if (entry.body.length !== entry.size) return reject(new OvfpipeError('OVFPIPE_INTERNAL', `tar entry "${entry.name}" is ${entry.body.length} bytes, not ${entry.size}`));
      pack.entry(header, entry.body, done).on('error', ignore);
      return;
    }
    // A failed entry reports through `done` or `feed`; its 'error' event must not also go uncaught.
    const sink = pack.entry(header, done).on('error', ignore);
    feed(sink, entry).catch((e: unknown) => {
      sink.destroy(e as Error);
      reject(e);
    });
  });
}

async function feed(sink: Sink, entry: TarEntry): Promise<void> {
  const open = entry.body as () => Promise<AsyncIterable<Buffer>>;
  let written = 0;
  for await (const chunk of await open()) {
    written += chunk.length;
    // tar-stream checks a short body itself; a long one would corrupt every header after it.
    if (written > entry.size) throw new OvfpipeError('OVFPIPE_IO', `"${entry.name}" grew past ${entry.size} bytes while it was written`, { where: entry.name });
    if (!sink.write(chunk)) await drained(sink);
  }
  sink.end(null);
}

function drained(sink: Sink): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (err?: Error): void => {
      sink.off('drain', onDrain);
      sink.off('close', onClose);
      sink.off('error', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = (): void => settle();
    const onClose = (e?: Error): void => settle(e ?? new Error('tar entry closed before its data was written'));
    sink.on('drain', onDrain);
    sink.on('close', onClose);
    sink.on('error', onClose);
  });
}

/**
 * Refuses an existing `path` unless `force`, before any expensive work.
 *
 * @throws OvfpipeError `OVFPIPE_USAGE` when the path exists and `force` is not set.
 */
export async function ensureOutputFree(path: string, force: boolean): Promise<void> {
  if (force) return;
  const exists = await lstat(path).then(
    () => true,
    () => false,
  );
  if (exists) throw new OvfpipeError('OVFPIPE_USAGE', `${path} exists (use --force to replace it)`, { where: path });
}

/**
 * Runs `write` on a fresh `path.tmp-<random>` and moves the result to
 * `path`. Without `force` the move is a hard link, which fails atomically if
 * `path` appeared meanwhile; file systems without hard links fall back to
 * rename after a check. The temporary file is removed on any failure.
 *
 * @throws OvfpipeError `OVFPIPE_USAGE` when `path` exists and `force` is not set, `OVFPIPE_IO` when it cannot be written.
 */
export async function writeFileAtomically(path: string, force: boolean, write: (out: Writable) => Promise<void>): Promise<void> {
  const tmp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
  let out: WriteStream | undefined;
  try {
    await mkdir(dirname(path), { recursive: true });
    out = createWriteStream(tmp, { flags: 'wx', mode: 0o644 });
    await write(out);
    // fsync is per file, not per descriptor: the data is on disk before the name points at it.
    const handle = await open(tmp, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await moveIntoPlace(tmp, path, force);
  } catch (e) {
    // The stream opens its file asynchronously: a write that fails early can reject before the
    // open has happened. Wait for the stream to close, or rm would run first and the file appear after.
    if (out && !out.closed) {
      const closed = once(out, 'close').catch(() => undefined);
      out.destroy();
      await closed;
    }
    await rm(tmp, { force: true });
    if (e instanceof OvfpipeError) throw e;
    throw new OvfpipeError('OVFPIPE_IO', `cannot write ${path}: ${(e as Error).message}`, { where: path, cause: e });
  }
}

async function moveIntoPlace(tmp: string, path: string, force: boolean): Promise<void> {
  if (force) return rename(tmp, path);
  try {
    await link(tmp, path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new OvfpipeError('OVFPIPE_USAGE', `${path} exists (use --force to replace it)`, { where: path });
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw e;
    await ensureOutputFree(path, false);
    return rename(tmp, path);
  }
  await rm(tmp);
}
