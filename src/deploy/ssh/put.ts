/**
 * Verified, atomic upload over one exec channel. Chosen by measurement
 * (docs/ssh-transport.md, docs/deploy-benchmark.md, bench/deploy.sh): exec
 * streaming with TCP_NODELAY is the fastest ssh2 path, and on a CPU-bound
 * host hashing the written file afterwards with openssl (~1 GB/s, SHA-NI)
 * costs less than hashing inline through `tee`, which adds a pipe copy and a
 * process competing for the same cores (remoteHash 'while-writing' keeps the
 * other path available).
 *
 * One remote script does the whole job, so a put costs one round trip:
 *   1. `cat` writes `<remotePath>.ovfpipe-tmp-<random>` in the target's
 *      directory (bash: pipefail; -C: never write through an existing name).
 *   2. openssl hashes it back; at the same time either `sync` makes it durable
 *      or, with `convert`, `qemu-img convert` turns it into a second temporary
 *      file (qemu-img fdatasyncs its output) and the raw upload is removed.
 *   3. With `expectedSha256` the script compares the digest itself and, only
 *      if it matches, renames (`mv -T`, rename(2)) into place and fsyncs the
 *      directory. Without it the local digest is compared first and a second
 *      exec renames.
 * Any failure removes the temporary files (the script itself, or this side
 * when the connection still allows it); cleanupTemps() removes what a dead
 * connection left behind.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import { OvfpipeError } from '../../diagnostics/errors.js';
import type { ExecOptions, ExecResult, PutOptions, PutResult, Transport } from '../transport.js';
import { earlyExit } from './exec.js';
import { remoteCommand } from './quote.js';

export const TEMP_MARKER = '.ovfpipe-tmp-';
/**
 * A resumable upload's temporary file: `<final path>.ovfpipe-part-<expected sha256>`.
 * The name carries the digest the whole file must have, so a partial of
 * another member (same path, other sha256) is never continued. Kept when a
 * transfer is cut; removed by any other failure and by age (PARTIAL_MAX_AGE_MS).
 */
export const PARTIAL_MARKER = '.ovfpipe-part-';
/** Partials untouched this long are removed by the next run on that host (24 h). */
export const PARTIAL_MAX_AGE_MS = 24 * 3600_000;

/**
 * Where the remote sha256 is computed. 'after-write' (default, chosen by
 * measurement on loopback) reads the written file back with openssl;
 * 'while-writing' hashes the stream through tee as it is written, which can
 * win when the remote host has idle cores and the link is slow.
 */
export type RemoteHash = 'after-write' | 'while-writing';

export interface SshPutOptions extends PutOptions {
  /** Permission bits for the final file (default 0600, from umask 077). */
  mode?: number;
  /** fsync the file before the rename and the directory after it (default true): a store entry must not be torn by a crash. */
  durable?: boolean;
  remoteHash?: RemoteHash;
}

/** What put needs from the connection; SshTransport provides it. */
export interface UploadHost {
  readonly label: string;
  openChannel(command: string): Promise<ClientChannel>;
  exec(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Calls `listener` once if the connection dies; returns an unsubscribe function. */
  onLost(listener: (err: Error) => void): () => void;
  readonly alive: boolean;
}

const HASH_FILE = 'if command -v openssl >/dev/null 2>&1; then openssl dgst -sha256 -r "$t"; else sha256sum -b "$t"; fi';
const HASH_STDIN = 'if command -v openssl >/dev/null 2>&1; then openssl dgst -sha256 -r; else sha256sum -b; fi';
/** How the data reaches the temporary file; 'while-writing' also sets $h. */
const WRITE: Record<RemoteHash, string> = {
  'after-write': 'cat > "$t" || fail',
  // tee writes the file through fd 3, opened once with noclobber (O_EXCL).
  'while-writing': `exec 3>"$t" || fail; h=$({ tee /dev/fd/3 | { ${HASH_STDIN}; }; }) || fail; exec 3>&-`,
};
/**
 * Resumable: append to the partial from $off (its first $off bytes were
 * checked on both sides), under an exclusive lock so two runs never write one
 * partial (exit 7: busy; exit 8: it shrank since it was checked). A stream
 * that ends short of $len was cut (the client died or aborted): the partial is
 * kept for the next run (exit 9). A full disk removes it (exit 10).
 */
const RESUME_WRITE = [
  'exec 9>>"$t" || fail',
  'if ! flock -n 9; then echo "another upload is writing $t" >&2; exit 7; fi',
  'n=$(stat -c %s -- "$t") || fail',
  'if [ "$n" -lt "$off" ]; then echo "the partial shrank to $n bytes" >&2; exit 8; fi',
  'truncate -s "$off" -- "$t" || fail',
  'e=$(cat 2>&1 >&9) || { case $e in *"No space"*) echo "no space left on the host: $e" >&2; fail 10;; esac; echo "$e" >&2; fail; }',
  'n=$(stat -c %s -- "$t") || fail',
  'if [ "$n" -lt "$len" ]; then echo "cut after $n of $len bytes; the partial is kept" >&2; exit 9; fi',
  'if [ "$n" -gt "$len" ]; then echo "$n bytes written, more than the $len expected" >&2; fail 4; fi',
].join('\n');
/**
 * A disk image from a package must not pull other files of the host into the
 * VM: a backing file (qcow2, vmdk parentFileNameHint, differencing VHD), a
 * qcow2 external data file, or a vmdk text descriptor whose extents name
 * other files (`RW 8 FLAT "/dev/sda" 0`). qemu-img itself says what the image
 * refers to; a vmdk must be one binary sparse file (magic KDMV). Exit 6.
 */
export const SELF_CONTAINED = [
  'if [ -n "$img" ]; then',
  '  info=$(qemu-img info --output=json -f "$img" -- "$t" 2>&1) || { printf \'%s\\n\' "$info" >&2; echo "qemu-img cannot read the upload as $img" >&2; fail 3; }',
  '  case $info in *\'"backing-filename"\'*|*\'"data-file"\'*) echo "the $img image refers to another file (backing file or external data file); refused" >&2; fail 6;; esac',
  '  if [ "$img" = vmdk ] && [ "$(head -c 4 -- "$t")" != KDMV ]; then echo "the vmdk is not a single sparse extent (a descriptor can name other files); refused" >&2; fail 6; fi',
  'fi',
].join('\n');
/**
 * The upload script. Arguments: $1 temporary path, $2 final path, $3 its
 * directory, $4 durable (1/0), $5 final mode ('' keeps 0600), $6 expected
 * sha256 ('' = the caller compares and renames), $7 source format to convert
 * from ('' = no conversion), $8 temporary path of the conversion, $9 disk
 * image format to check for self-containment ('' = not an image).
 * Prints the sha256 on the first line, and `installed` when it renamed.
 * Exit 4: digest mismatch; 3: conversion failed; 6: the image refers to
 * other files. Background jobs get their own stdio so they cannot hold the
 * channel open.
 */
function uploadScript(mode: RemoteHash | 'resume'): string {
  return [
    'set -o pipefail -C; umask 077',
    't=$1 f=$2 d=$3 dur=$4 m=$5 want=$6 fmt=$7 c=$8 img=$9 off=${10} len=${11} h= p=',
    'fail() { rm -f -- "$t"; if [ -n "$c" ]; then rm -f -- "$c"; fi; exit "${1:-1}"; }',
    `hash() { if [ -z "$h" ]; then h=$(${HASH_FILE}) || return; fi; h=\${h%% *}; }`,
    mode === 'resume' ? RESUME_WRITE : WRITE[mode],
    SELF_CONTAINED,
    'if [ -n "$fmt" ]; then',
    '  qemu-img convert -q -f "$fmt" -O qcow2 -- "$t" "$c" </dev/null >/dev/null & p=$!',
    '  hash || { kill "$p" 2>/dev/null; wait "$p"; fail; }',
    '  wait "$p" || { echo "qemu-img convert -f $fmt -O qcow2 failed" >&2; fail 3; }',
    '  rm -f -- "$t"; s=$c',
    'else',
    '  if [ "$dur" = 1 ]; then sync -- "$t" </dev/null >/dev/null 2>&1 & p=$!; fi',
    '  hash || fail',
    '  if [ -n "$p" ]; then wait "$p" || fail; fi',
    '  s=$t',
    'fi',
    'if [ -n "$m" ]; then chmod -- "$m" "$s" || fail; fi',
    'printf \'%s\\n\' "$h"',
    'if [ -n "$want" ]; then',
    '  if [ "$h" != "$want" ]; then echo "sha256 of the written data is $h, expected $want" >&2; fail 4; fi',
    '  mv -f -T -- "$s" "$f" || fail',
    '  if [ "$dur" = 1 ]; then sync -- "$d" || exit 5; fi',
    '  echo installed',
    'fi',
  ].join('\n');
}
/** $1 temp, $2 final path, $3 its directory, $4 durable: rename(2), then fsync the directory so the new name survives a crash. */
const FINALIZE_SCRIPT = 'set -e; mv -f -T -- "$1" "$2"; if [ "$4" = 1 ]; then sync -- "$3"; fi';

export async function putStream(host: UploadHost, data: Readable, remotePath: string, opts: SshPutOptions = {}): Promise<PutResult> {
  checkRemotePath(remotePath);
  if (data.readableEnded || data.destroyed) throw new OvfpipeError('OVFPIPE_USAGE', `put ${remotePath}: the data stream was already consumed`);
  const suffix = randomBytes(8).toString('hex');
  const expected = opts.expectedSha256?.toLowerCase();
  if (expected !== undefined && !/^[0-9a-f]{64}$/.test(expected)) throw new OvfpipeError('OVFPIPE_USAGE', `put ${remotePath}: expectedSha256 is not a sha256: ${JSON.stringify(opts.expectedSha256)}`);
  // A small image of known size, with no partial to resume, goes through the host's worker like putBytes: no session (login shell) of its own.
  if (expected !== undefined && opts.resume?.probe === false && opts.resume.size <= SMALL_PUT_BYTES && (opts.remoteHash ?? 'after-write') === 'after-write')
    return putSmall(host, data, remotePath, expected, opts.resume.size, opts);
  const resumable = opts.resume !== undefined && expected !== undefined && (opts.remoteHash ?? 'after-write') === 'after-write';
  if (!resumable) return putOnce(host, data, remotePath, opts, expected, suffix, false);
  // Hosts on one shared storage root (NFS) may upload the same image at once: the one that holds the partial's lock
  // sends it, the others wait for it, then find it installed (nothing sent) or continue what it left (it was cut).
  for (let attempt = 0; ; attempt++) {
    try {
      return await putOnce(host, data, remotePath, opts, expected, suffix, true);
    } catch (e) {
      if (!(e instanceof UploadBusy) || attempt >= 2) throw e;
      data.destroy();
      const other = await waitForOtherUpload(host, `${remotePath}${PARTIAL_MARKER}${expected}`, remotePath, opts.signal);
      if (other === 'installed') return { bytes: 0, sha256: expected, remoteSha256: expected, installedByOther: true };
      data = await opts.resume!.reopen();
      opts = { ...opts, resume: { ...opts.resume!, probe: true } };
    }
  }
}

/** Another upload holds the partial's lock (exit 7 of the upload script, or `busy` from the probe). */
class UploadBusy extends OvfpipeError {}

/** How long one wait for another host's upload of the same file lasts on the host (then this side checks for a signal and asks again). */
const WAIT_SLICE_S = 10;
/** The longest wait for another upload of the same file, in all. */
const WAIT_MAX_MS = 6 * 3600_000;
/**
 * $1 partial, $2 final path, $3 seconds: waits (flock -w) until the upload
 * holding the partial's lock ends. Prints `installed` (the final file is
 * there: its upload verified it before the rename), `free` (the other was cut:
 * its partial can be continued), `gone` (no partial, no final file) or
 * `busy` (still writing after $3 s).
 */
const WAIT_SCRIPT = [
  't=$1 f=$2',
  'if [ -f "$f" ]; then echo installed; exit 0; fi',
  'if [ ! -f "$t" ] || ! { exec 9<"$t"; } 2>/dev/null; then if [ -f "$f" ]; then echo installed; else echo gone; fi; exit 0; fi',
  'if flock -w "$3" 9; then if [ -f "$f" ]; then echo installed; else echo free; fi; else echo busy; fi',
].join('\n');

async function waitForOtherUpload(host: UploadHost, partial: string, remotePath: string, signal: AbortSignal | undefined): Promise<'installed' | 'free' | 'gone'> {
  const until = Date.now() + WAIT_MAX_MS;
  for (;;) {
    interrupted(host, remotePath, signal, 0);
    const r = await host.exec(['bash', '-c', WAIT_SCRIPT, 'ovfpipe-wait-upload', partial, remotePath, String(WAIT_SLICE_S)], { timeoutMs: (WAIT_SLICE_S + 60) * 1000 });
    const said = r.stdout.trim();
    if (said === 'installed' || said === 'free' || said === 'gone') return said;
    if (said !== 'busy') throw new OvfpipeError('OVFPIPE_REMOTE', `${host.label}: waiting for another upload of ${remotePath}: unexpected answer ${JSON.stringify(said.slice(0, 200))}`);
    if (Date.now() > until) throw new OvfpipeError('OVFPIPE_REMOTE', `${host.label}: another upload of ${remotePath} has held ${partial} for ${WAIT_MAX_MS / 3600_000} h`);
  }
}

async function putOnce(host: UploadHost, data: Readable, remotePath: string, opts: SshPutOptions, expected: string | undefined, suffix: string, resumable: boolean): Promise<PutResult> {
  const tmp = resumable ? `${remotePath}${PARTIAL_MARKER}${expected}` : `${remotePath}${TEMP_MARKER}${suffix}`;
  const converted = opts.convert ? `${remotePath}${TEMP_MARKER}convert-${suffix}` : undefined;
  interrupted(host, remotePath, opts.signal, 0);
  let resumedAt = 0;
  try {
    if (resumable && opts.resume!.probe !== false) {
      const r = await resumePoint(host, data, tmp, opts.resume!, opts.signal);
      data = r.data;
      resumedAt = r.offset;
      interrupted(host, remotePath, opts.signal, 0);
    }
    const sent = await upload(host, data, { tmp, converted, remotePath, expected, resume: resumable ? { offset: resumedAt, size: opts.resume!.size } : undefined }, opts);
    if (sent.remoteSha256 !== sent.sha256) {
      throw new OvfpipeError('OVFPIPE_DIGEST', `${host.label}: ${remotePath}: remote sha256 ${sent.remoteSha256} differs from the ${sent.bytes} bytes sent (sha256 ${sent.sha256})`);
    }
    if (expected !== undefined && expected !== sent.sha256) {
      throw new OvfpipeError('OVFPIPE_DIGEST', `${host.label}: ${remotePath}: data has sha256 ${sent.sha256}, expected ${expected}; nothing was installed`);
    }
    if (!sent.installed) {
      await host.exec(['bash', '-c', FINALIZE_SCRIPT, 'ovfpipe-finalize', converted ?? tmp, remotePath, posix.dirname(remotePath), durable(opts)], { timeoutMs: 300_000 });
    }
    return { bytes: sent.bytes, sha256: sent.sha256, remoteSha256: sent.remoteSha256, ...(resumedAt > 0 ? { resumedAt } : {}) };
  } catch (err) {
    // A resumable upload keeps its partial: the remote script removed it itself on any failure
    // but a cut (and a cut is what a lost connection or an abort is).
    await removeQuietly(host, resumable ? (converted ? [converted] : []) : converted ? [tmp, converted] : [tmp]);
    throw err;
  }
}

/** putBytes takes at most this much: a payload that large should stream (put). */
export const MAX_PUT_BYTES = 16 << 20;

/**
 * A small payload (the OVF environment ISO of a VM) sent as the stdin of one
 * exec of the same upload script as put: written to a temporary name, hashed
 * back, compared with `expectedSha256`, renamed and synced, or removed. An
 * exec goes through the host's remote worker (worker.ts), so this opens no
 * session of its own: per-VM files cost no login shell.
 */
export async function putBytes(t: Pick<Transport, 'exec' | 'label'>, bytes: Buffer, remotePath: string, opts: { expectedSha256: string; mode?: number; durable?: boolean }): Promise<PutResult> {
  checkRemotePath(remotePath);
  const expected = opts.expectedSha256.toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(expected)) throw new OvfpipeError('OVFPIPE_USAGE', `put ${remotePath}: expectedSha256 is not a sha256: ${JSON.stringify(opts.expectedSha256)}`);
  if (bytes.length > MAX_PUT_BYTES) throw new OvfpipeError('OVFPIPE_USAGE', `put ${remotePath}: ${bytes.length} bytes is too large to send in one command; stream it with put`);
  return putViaExec(t, bytes, remotePath, expected, opts);
}

/** The upload script run by one exec with `bytes` as its stdin (through the host's worker): verified, converted or checked, renamed, synced. */
async function putViaExec(
  t: Pick<Transport, 'exec' | 'label'>,
  bytes: Buffer,
  remotePath: string,
  expected: string,
  opts: Pick<SshPutOptions, 'mode' | 'durable' | 'convert' | 'image'>,
): Promise<PutResult> {
  const suffix = randomBytes(8).toString('hex');
  const tmp = `${remotePath}${TEMP_MARKER}${suffix}`;
  const converted = opts.convert ? `${remotePath}${TEMP_MARKER}convert-${suffix}` : undefined;
  const argv = uploadArgv(uploadScript('after-write'), { tmp, converted, remotePath, expected }, opts);
  const what = `${t.label}: upload of ${remotePath}`;
  let r: ExecResult;
  try {
    r = await t.exec(argv, { stdin: bytes, timeoutMs: 300_000, allowFailure: true });
  } catch (e) {
    // Lost connection or timeout: the script may not have cleaned up.
    await t.exec(['rm', '-f', '--', tmp, ...(converted !== undefined ? [converted] : [])], { timeoutMs: 15_000, allowFailure: true }).catch(() => undefined);
    throw e;
  }
  const tail = r.stderr.trim().slice(-2000);
  if (r.code === 4) throw new OvfpipeError('OVFPIPE_DIGEST', `${what}: ${tail || 'sha256 mismatch'}; nothing was installed`);
  if (r.code === 6) throw new OvfpipeError('OVFPIPE_PACKAGE', `${what}: ${tail}; nothing was installed`);
  if (r.code !== 0) throw new OvfpipeError('OVFPIPE_REMOTE', `${what} failed: remote exit ${r.code}: ${tail}`);
  const m = /^([0-9a-f]{64})\ninstalled\n/.exec(r.stdout);
  if (!m) throw new OvfpipeError('OVFPIPE_REMOTE', `${what}: unexpected remote output: ${JSON.stringify(r.stdout.slice(0, 200))}`);
  return { bytes: bytes.length, sha256: m[1]!, remoteSha256: m[1]! };
}

/**
 * Images up to this size (of known size: a package member, with no partial on the host) are read whole and sent as the stdin of one
 * exec, which the host's worker runs (issue 19): the same upload script (verified, converted or checked
 * self-contained, renamed, synced), without a session and a login shell of its own. Larger ones stream
 * on their own channel, resumable.
 */
export const SMALL_PUT_BYTES = 4 << 20;

async function putSmall(host: UploadHost, data: Readable, remotePath: string, expected: string, size: number, opts: SshPutOptions): Promise<PutResult> {
  const what = `${host.label}: upload of ${remotePath}`;
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const chunk of data as AsyncIterable<Buffer>) {
      n += chunk.length;
      // The member is larger than its listed size: never buffer past it.
      if (n > size) throw new OvfpipeError('OVFPIPE_IO', `${what}: the source holds more than its ${size} bytes`);
      chunks.push(chunk);
      interrupted(host, remotePath, opts.signal, 0);
    }
  } catch (e) {
    data.destroy();
    if (e instanceof OvfpipeError) throw e;
    throw new OvfpipeError('OVFPIPE_IO', `${what} failed: reading the source failed: ${(e as Error).message}`, { cause: e });
  }
  interrupted(host, remotePath, opts.signal, 0);
  const r = await putViaExec(host, Buffer.concat(chunks, n), remotePath, expected, opts);
  opts.onProgress?.(n);
  return r;
}

function interrupted(host: UploadHost, remotePath: string, signal: AbortSignal | undefined, bytes: number): void {
  if (signal?.aborted) throw new OvfpipeError('OVFPIPE_INTERRUPTED', `${host.label}: upload of ${remotePath} interrupted after ${bytes} bytes`);
}

/**
 * $1 partial, $2 max age (minutes). Prints `none` (absent, or too old and
 * removed), `busy` (another upload holds its lock), or `<length> <sha256>`.
 */
const PROBE_SCRIPT = [
  't=$1',
  'if [ ! -f "$t" ]; then echo none; exit 0; fi',
  'if [ -n "$(find "$t" -maxdepth 0 -mmin "+$2")" ]; then rm -f -- "$t"; echo none; exit 0; fi',
  'exec 9<"$t"',
  'if ! flock -n 9; then echo busy; exit 0; fi',
  'n=$(stat -c %s -- "$t") || exit 1',
  `h=$(${HASH_FILE}) || exit 1`,
  'echo "$n ${h%% *}"',
].join('\n');

/**
 * Where a resumable upload starts: the remote partial's length and sha256
 * (one round trip), checked against the sha256 of the same prefix of the
 * data here. A match returns the data positioned after the prefix; anything
 * else the data from its start (reopened if the prefix was read).
 */
async function resumePoint(host: UploadHost, data: Readable, tmp: string, resume: NonNullable<PutOptions['resume']>, signal: AbortSignal | undefined): Promise<{ data: Readable; offset: number }> {
  const minutes = Math.max(1, Math.ceil((resume.maxAgeMs ?? PARTIAL_MAX_AGE_MS) / 60_000));
  const r = await host.exec(['bash', '-c', PROBE_SCRIPT, 'ovfpipe-probe-partial', tmp, String(minutes)], { timeoutMs: 300_000 });
  const m = /^(\d+) ([0-9a-f]{64})$/.exec(r.stdout.trim());
  if (r.stdout.trim() === 'busy') throw new UploadBusy('OVFPIPE_REMOTE', `${host.label}: another upload is writing ${tmp}`);
  if (!m) return { data, offset: 0 };
  const length = Number(m[1]);
  if (length === 0 || length > resume.size) return { data, offset: 0 };
  const local = await hashPrefix(data, length, signal);
  if (local === m[2]) return { data, offset: length };
  // Foreign or damaged bytes: never append to them; the upload truncates the partial and starts over.
  data.destroy();
  return { data: await resume.reopen(), offset: 0 };
}

/** Reads exactly `n` bytes of `data` into a sha256 (undefined if it ends first), leaving the rest unread and the stream paused. */
function hashPrefix(data: Readable, n: number, signal: AbortSignal | undefined): Promise<string | undefined> {
  const hash = createHash('sha256');
  let left = n;
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      data.off('data', onData);
      data.off('end', onEnd);
      data.off('error', onError);
      signal?.removeEventListener('abort', onAbort);
    };
    // A long prefix (GiBs) takes seconds to hash: an interrupt must not wait for it.
    const onAbort = () => {
      cleanup();
      data.destroy();
      reject(new OvfpipeError('OVFPIPE_INTERRUPTED', `interrupted while checking the partial upload (${n - left} of ${n} bytes hashed)`));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const onData = (chunk: Buffer) => {
      if (chunk.length < left) {
        hash.update(chunk);
        left -= chunk.length;
        return;
      }
      hash.update(chunk.subarray(0, left));
      const rest = chunk.subarray(left);
      left = 0;
      cleanup();
      data.pause();
      if (rest.length > 0) data.unshift(rest);
      resolve(hash.digest('hex'));
    };
    const onEnd = () => {
      cleanup();
      resolve(undefined);
    };
    const onError = (e: Error) => {
      cleanup();
      reject(e);
    };
    data.on('data', onData);
    data.once('end', onEnd);
    data.once('error', onError);
  });
}

/** Streams a local file with 1 MiB reads (TEST-INFRA: ~10% faster than 256 KiB). */
export function putFile(transport: Transport, localPath: string, remotePath: string, opts?: SshPutOptions): Promise<PutResult> {
  return transport.put(createReadStream(localPath, { highWaterMark: 1 << 20 }), remotePath, opts);
}

const durable = (opts: SshPutOptions): string => (opts.durable === false ? '0' : '1');

function checkRemotePath(path: string): void {
  if (!path.startsWith('/') || path.endsWith('/') || path.includes('\0') || path.includes('\n')) {
    throw new OvfpipeError('OVFPIPE_USAGE', `put needs an absolute remote file path without NUL or newline: ${JSON.stringify(path)}`);
  }
}

interface UploadPaths {
  tmp: string;
  converted: string | undefined;
  remotePath: string;
  expected: string | undefined;
  /** Resumable: append from `offset`; the data's full length is `size`. */
  resume?: { offset: number; size: number };
}

/** The upload script's command line (uploadScript documents its arguments), for a stream on its own channel or an exec through the worker. */
function uploadArgv(script: string, paths: UploadPaths, opts: Pick<SshPutOptions, 'mode' | 'durable' | 'convert' | 'image'>): string[] {
  return [
    'bash',
    '-c',
    script,
    'ovfpipe-put',
    paths.tmp,
    paths.remotePath,
    posix.dirname(paths.remotePath),
    durable(opts),
    opts.mode === undefined ? '' : (opts.mode & 0o7777).toString(8),
    paths.expected ?? '',
    opts.convert?.from ?? '',
    paths.converted ?? '',
    opts.convert?.from ?? opts.image?.format ?? '',
    String(paths.resume?.offset ?? ''),
    String(paths.resume?.size ?? ''),
  ];
}

interface Uploaded extends PutResult {
  /** The remote script compared the digest with the expected one and renamed into place. */
  installed: boolean;
}

async function upload(host: UploadHost, data: Readable, paths: UploadPaths, opts: SshPutOptions): Promise<Uploaded> {
  const { remotePath, expected } = paths;
  const argv = uploadArgv(uploadScript(paths.resume ? 'resume' : (opts.remoteHash ?? 'after-write')), paths, opts);
  const channel = await host.openChannel(remoteCommand(argv));
  return new Promise<Uploaded>((resolve, reject) => {
    // With an expected digest the remote side checks the bytes as written, which also catches a
    // bad local read; hashing here as well would only cost main-thread CPU next to the cipher.
    const hash = expected === undefined ? createHash('sha256') : undefined;
    let bytes = 0;
    let stdout = '';
    let stderr = '';
    let code: number | undefined;
    let sourceEnded = false;
    let settled = false;
    const what = `${host.label}: upload of ${remotePath}`;
    const settle = (err: OvfpipeError | undefined, result?: Uploaded) => {
      if (settled) return;
      settled = true;
      unsubscribe();
      opts.signal?.removeEventListener('abort', onAbort);
      if (err) {
        // Stop reading the source and drop the channel (TEST-INFRA: destroy the read stream if the remote dies).
        data.unpipe(channel);
        data.destroy();
        channel.destroy();
        reject(err);
      } else resolve(result!);
    };
    const unsubscribe = host.onLost((e) => settle(new OvfpipeError('OVFPIPE_SSH_CONNECT', `${what} failed after ${bytes} bytes: connection lost (${e.message})`, { cause: e })));
    const onAbort = () => settle(new OvfpipeError('OVFPIPE_INTERRUPTED', `${what} interrupted after ${bytes} bytes${paths.resume ? '; the partial is kept for the next run' : ''}`));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    data.once('error', (e) => settle(new OvfpipeError('OVFPIPE_IO', `${what} failed after ${bytes} bytes: reading the source failed: ${e.message}`, { cause: e })));
    channel.once('error', (e: Error) => settle(new OvfpipeError('OVFPIPE_SSH_CONNECT', `${what} failed after ${bytes} bytes: ${e.message}`, { cause: e })));
    channel.on('data', (d: Buffer) => {
      if (stdout.length < 4096) stdout += d.toString('latin1');
    });
    channel.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 65536) stderr += d.toString('utf8');
    });
    channel.on('exit', (c: number | null) => {
      code = c ?? -1;
    });
    channel.once('close', () => {
      // The exit status may have arrived before the listener above existed (see openExecChannel).
      if (code === undefined) {
        const early = earlyExit(channel);
        if (early) code = early.code ?? -1;
      }
      if (code === undefined) return settle(new OvfpipeError('OVFPIPE_SSH_CONNECT', `${what} failed after ${bytes} bytes: channel closed without an exit status`));
      const tail = stderr.trim().slice(-2000);
      if (code === 4) return settle(new OvfpipeError('OVFPIPE_DIGEST', `${what}: ${tail || 'sha256 mismatch'}; nothing was installed`));
      if (code === 6) return settle(new OvfpipeError('OVFPIPE_PACKAGE', `${what}: ${tail}; nothing was installed`));
      if (code === 7) return settle(new UploadBusy('OVFPIPE_REMOTE', `${what}: ${tail}`));
      if (code === 10) return settle(new OvfpipeError('OVFPIPE_NO_SPACE', `${what} failed after ${bytes} bytes: ${tail}; the partial was removed`));
      if (code !== 0) return settle(new OvfpipeError('OVFPIPE_REMOTE', `${what} failed after ${bytes} bytes: remote exit ${code}: ${tail}`));
      if (!sourceEnded) return settle(new OvfpipeError('OVFPIPE_REMOTE', `${what}: the remote side finished before all data was sent (${bytes} bytes)`));
      const m = /^([0-9a-f]{64})\n(installed\n)?/.exec(stdout);
      if (!m) return settle(new OvfpipeError('OVFPIPE_REMOTE', `${what}: no sha256 in the remote output: ${JSON.stringify(stdout.slice(0, 200))}`));
      const remoteSha256 = m[1]!;
      settle(undefined, { bytes, sha256: hash ? hash.digest('hex') : remoteSha256, remoteSha256, installed: m[2] !== undefined });
    });
    // The tap is attached in the same tick as pipe(): a 'data' listener
    // added earlier would start the flow and lose chunks (TEST-INFRA pitfall).
    // pipe() gives backpressure: memory stays at the channel window + one read.
    data.on('data', (chunk: Buffer) => {
      hash?.update(chunk);
      bytes += chunk.length;
      opts.onProgress?.(bytes);
    });
    data.once('end', () => {
      sourceEnded = true;
    });
    data.pipe(channel);
  });
}

async function removeQuietly(host: UploadHost, paths: string[]): Promise<void> {
  if (!host.alive) return;
  try {
    await host.exec(['rm', '-f', '--', ...paths], { timeoutMs: 15_000, allowFailure: true });
  } catch {
    // Best effort: cleanupTemps() on the next run removes what is left.
  }
}

/**
 * Removes `*.ovfpipe-tmp-*` files that a broken upload left in `dir`. Only
 * files untouched for `olderThanMs` (default 10 min) go, so an upload that
 * another run is still writing (its mtime keeps moving) is left alone.
 * Resumable partials (`*.ovfpipe-part-*`) are kept for the next run and go
 * only once untouched for `partialsOlderThanMs` (default 24 h).
 * Returns the removed paths.
 */
export async function cleanupTemps(transport: Pick<Transport, 'exec'>, dir: string, opts: { olderThanMs?: number; partialsOlderThanMs?: number } = {}): Promise<string[]> {
  if (!dir.startsWith('/')) throw new OvfpipeError('OVFPIPE_USAGE', `cleanupTemps needs an absolute directory: ${dir}`);
  const age = (ms: number) => {
    const minutes = Math.ceil(ms / 60_000);
    return minutes > 0 ? ['-mmin', `+${minutes - 1}`] : [];
  };
  const r = await transport.exec(
    [
      'find',
      dir,
      '-maxdepth',
      '1',
      '-type',
      'f',
      '(',
      '(',
      '-name',
      `*${TEMP_MARKER}*`,
      ...age(opts.olderThanMs ?? 600_000),
      ')',
      '-o',
      '(',
      '-name',
      `*${PARTIAL_MARKER}*`,
      ...age(opts.partialsOlderThanMs ?? PARTIAL_MAX_AGE_MS),
      ')',
      ')',
      '-print',
      '-delete',
    ],
    { timeoutMs: 60_000 },
  );
  return r.stdout.split('\n').filter((l) => l !== '');
}
