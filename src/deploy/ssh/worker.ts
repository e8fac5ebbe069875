/**
 * The persistent worker (docs/remote-steps.md "The worker"): one exec per
 * host and connection runs a fixed POSIX sh script that reads a stream of
 * commands and answers each with a framed result. sshd starts the user's
 * login shell once for it, not once per command (a login shell that runs
 * pyenv costs 0.2–1.3 s here; docs/deploy-benchmark.md).
 *
 * A request is the argv quoted exactly as an exec request carries it
 * (`commandLine`, quote.ts), after `set -- `, which the worker reads by its
 * length and `eval`s: the same one round of POSIX shell parsing sshd's
 * `$SHELL -c` gives an exec, so no value reaches a shell unquoted. Each
 * command runs in the background (several at once), under coreutils
 * `timeout` (with its bound, if any), with its stdin from /dev/null or from the
 * bytes sent with it, stdout and stderr into files of a private directory
 * (mktemp -d, 0700). When it ends, one writer process prints its frame:
 *
 *     <nonce> <id> <exit status> <stdout bytes> <stderr bytes> <count>\n<stdout><stderr>
 *
 * Sizes, not boundaries: binary and large output is safe. `<count>` is the
 * worker's own count of the commands it has run. The nonce (128 random bits)
 * comes first and the worker announces itself with `<nonce> ready`, so what a
 * login shell's rc files print before it is skipped, and nothing else writes
 * to the worker's stdout.
 */
import { randomBytes } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { OvfpipeError } from '../../diagnostics/errors.js';
import type { ExecResult } from '../transport.js';
import { commandLine, remoteCommand } from './quote.js';

/** Seconds between coreutils timeout's TERM and its KILL (as exec.ts). */
const KILL_AFTER_S = 5;
/** Default bound on each of stdout and stderr (as exec.ts). */
const DEFAULT_MAX_OUTPUT_BYTES = 16 << 20;

/**
 * $1 nonce. Request: `<nonce> <id> <timeout> <stdin bytes> <command bytes>\n`,
 * then the command (`set -- <quoted words>`), then the stdin bytes. dd reads
 * exactly that many bytes (fullblock, count_bytes), so the next request
 * starts where it should; `read` reads a pipe byte by byte. A header
 * without the nonce, or a read that failed, stops the worker: after a lost
 * step in the stream, bytes of a payload (package data) must never be read
 * as a command. Fd 3 is the
 * queue of finished commands, closed for the command itself (a daemon it
 * starts must not hold the worker open). Every command runs under
 * `timeout` (duration 0: no bound), so argv[0] is always a program, never a
 * builtin of the worker's shell such as `exec` or `exit`. Stdin's end (the client closed the
 * channel, or the connection died) stops the loop; running commands finish
 * under their own timeouts, then the writer ends and the directory goes.
 */
export const WORKER_SCRIPT = [
  'N=$1',
  'd=$(mktemp -d) || exit 1',
  'trap \'rm -rf -- "$d"\' EXIT',
  "trap 'exit 1' HUP INT TERM PIPE",
  'mkfifo -- "$d/q" || exit 1',
  '{',
  '  while read -r id c so se n; do',
  '    printf \'%s %s %s %s %s %s\\n\' "$N" "$id" "$c" "$so" "$se" "$n"',
  // Exactly the sizes in the header: a process the command left behind may still be writing.
  '    head -c "$so" -- "$d/$id.o"; head -c "$se" -- "$d/$id.e"',
  '    rm -f -- "$d/$id.o" "$d/$id.e" "$d/$id.i"',
  '  done <"$d/q"',
  '} &',
  'exec 3>"$d/q"',
  'printf \'%s ready\\n\' "$N"',
  'k=0',
  'while read -r h id t il cl; do',
  // A request that is not ours (a desynchronised stream) stops the worker rather than running anything.
  '  if [ "$h" != "$N" ]; then echo "ovfpipe-worker: a request without the nonce; stopped" >&2; exit 2; fi',
  '  case "$id:$il:$cl" in *[!0-9:]*|:*|*::*|*:) echo "ovfpipe-worker: bad request header; stopped" >&2; exit 2;; esac',
  '  k=$((k+1))',
  '  cmd=$(dd bs=65536 count="$cl" iflag=fullblock,count_bytes 2>/dev/null) || { echo "ovfpipe-worker: cannot read a command; stopped" >&2; exit 3; }',
  '  in=/dev/null',
  // dd stops reading at a write error (a full /tmp): the stream is then out of step, so the worker stops.
  '  if [ "$il" -gt 0 ]; then dd of="$d/$id.i" bs=65536 count="$il" iflag=fullblock,count_bytes 2>/dev/null || { echo "ovfpipe-worker: cannot store the input of a command (is $d full?); stopped" >&2; exit 3; }; in=$d/$id.i; fi',
  '  (',
  '    eval "$cmd"',
  `    timeout -k ${KILL_AFTER_S}s "$t" "$@" <"$in" >"$d/$id.o" 2>"$d/$id.e" 3>&-`,
  '    c=$?',
  '    set -- $(stat -c %s -- "$d/$id.o" "$d/$id.e")',
  '    echo "$id $c $1 $2 $k" >&3',
  '  ) &',
  'done',
  'exec 3>&-',
  'wait',
].join('\n');

export interface WorkerRequestOptions {
  stdin?: string | Buffer;
  timeoutMs?: number;
  allowFailure?: boolean;
  maxOutputBytes?: number;
}

/** What the worker needs of its channel: an ssh2 exec channel, or in tests a local process's stdio. */
export interface WorkerChannel extends Pick<Writable, 'write' | 'end' | 'destroy'> {
  on(event: 'data', listener: (b: Buffer) => void): unknown;
  on(event: 'error', listener: (e: Error) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  readonly stderr: Pick<Readable, 'on'>;
}

interface Pending {
  argv: readonly string[];
  shown: string;
  opts: WorkerRequestOptions;
  started: number;
  resolve: (r: ExecResult) => void;
  reject: (e: Error) => void;
  timer?: NodeJS.Timeout;
}

/** A queue of received bytes, concatenated only when a frame is complete (outputs can be MiBs in 32 KiB chunks). */
class ByteQueue {
  private chunks: Buffer[] = [];
  length = 0;

  push(b: Buffer): void {
    this.chunks.push(b);
    this.length += b.length;
  }

  /** Index of `byte` within the first `limit` bytes, or -1. */
  indexOf(byte: number, limit = Infinity): number {
    let base = 0;
    for (const c of this.chunks) {
      const at = c.indexOf(byte);
      if (at >= 0) return base + at < limit ? base + at : -1;
      base += c.length;
      if (base >= limit) return -1;
    }
    return -1;
  }

  take(n: number): Buffer {
    const first = this.chunks[0];
    let out: Buffer;
    if (first && first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      const all = Buffer.concat(this.chunks);
      out = all.subarray(0, n);
      this.chunks = all.length > n ? [all.subarray(n)] : [];
    }
    this.length -= n;
    return out;
  }
}

/** Where the worker is in its stream: before its `ready` line, reading a header, or a frame's body. */
type ReadState = { kind: 'hello' } | { kind: 'header' } | { kind: 'body'; id: number; code: number; out: number; err: number };

/** Runs commands on one host through one exec channel (SshTransport owns it; see the module comment). */
export class RemoteWorker {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly queue = new ByteQueue();
  private state: ReadState = { kind: 'hello' };
  private readyWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private ended: Error | undefined;
  private stderrTail = '';
  /** The worker's own count of commands it ran (from its frames). */
  steps = 0;

  constructor(
    private readonly channel: WorkerChannel,
    private readonly label: string,
    private readonly nonce: string,
    /** Called with the reason once the worker ended (channel closed): the transport then starts a new one on demand. */
    private readonly onEnd: (err: Error) => void,
  ) {
    channel.on('data', (b: Buffer) => {
      this.queue.push(b);
      this.parse();
    });
    channel.stderr.on('data', (b: Buffer) => {
      this.stderrTail = (this.stderrTail + b.toString('utf8')).slice(-2000);
    });
    channel.on('error', (e: Error) => this.end(new OvfpipeError('OVFPIPE_SSH_CONNECT', `${label}: the remote worker's channel failed: ${e.message}`, { cause: e })));
    channel.on('close', () => {
      const why = this.stderrTail.trim();
      this.end(new OvfpipeError('OVFPIPE_SSH_CONNECT', `${label}: the remote worker ended${why ? `: ${why}` : ''}`));
    });
  }

  /** 128 random bits: the worker's frames start with them. */
  static nonce(): string {
    return randomBytes(16).toString('hex');
  }

  /** The exec command that starts the worker (through the login shell, once). */
  static command(nonce: string): string {
    return remoteCommand(['sh', '-c', WORKER_SCRIPT, 'ovfpipe-worker', nonce]);
  }

  get alive(): boolean {
    return this.ended === undefined;
  }

  /** Resolves when the worker announced itself; rejects if it ended first or took longer than `ms`. */
  ready(ms: number): Promise<void> {
    if (this.ended) return Promise.reject(this.ended);
    if (this.state.kind !== 'hello') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new OvfpipeError('OVFPIPE_SSH_CONNECT', `${this.label}: the remote worker did not start within ${ms / 1000} s`)), ms);
      timer.unref();
      this.readyWaiters.push({
        resolve: () => (clearTimeout(timer), resolve()),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
    });
  }

  /** Runs one command; the result and errors are those of runExec (exec.ts). */
  run(argv: readonly string[], opts: WorkerRequestOptions = {}): Promise<ExecResult> {
    const line = commandLine(argv); // refuses NUL and lone surrogates, like an exec
    const plain = line;
    const shown = plain.length > 200 ? `${plain.slice(0, 200)}…` : plain;
    if (this.ended) return Promise.reject(this.ended);
    const id = this.nextId++;
    const cmd = Buffer.from(`set -- ${line}`, 'utf8');
    const stdin = opts.stdin === undefined ? Buffer.alloc(0) : Buffer.isBuffer(opts.stdin) ? opts.stdin : Buffer.from(opts.stdin, 'utf8');
    const timeout = opts.timeoutMs === undefined ? '0' : `${(opts.timeoutMs / 1000).toFixed(3)}s`;
    return new Promise<ExecResult>((resolve, reject) => {
      const p: Pending = { argv, shown, opts, started: Date.now(), resolve, reject };
      if (opts.timeoutMs !== undefined) {
        // Backstop for a host that stopped answering: the remote timeout(1) should have ended it by now.
        p.timer = setTimeout(() => this.settle(id, this.timedOut(p)), opts.timeoutMs + KILL_AFTER_S * 1000 + 2_000);
      }
      this.pending.set(id, p);
      this.channel.write(Buffer.concat([Buffer.from(`${this.nonce} ${id} ${timeout} ${stdin.length} ${cmd.length}\n`), cmd, stdin]));
    });
  }

  /** Ends the worker's input: it finishes what runs and exits. */
  close(): void {
    if (!this.ended) this.channel.end();
  }

  private timedOut(p: Pending): OvfpipeError {
    return new OvfpipeError('OVFPIPE_REMOTE', `${this.label}: \`${p.shown}\` timed out after ${p.opts.timeoutMs} ms; killed`);
  }

  private settle(id: number, err: Error | undefined, result?: ExecResult): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if (p.timer) clearTimeout(p.timer);
    if (err) p.reject(err);
    else p.resolve(result!);
  }

  private end(err: Error): void {
    if (this.ended) return;
    this.ended = err;
    for (const w of this.readyWaiters.splice(0)) w.reject(err);
    for (const id of [...this.pending.keys()]) this.settle(id, err);
    this.onEnd(err);
  }

  private parse(): void {
    for (;;) {
      if (this.state.kind === 'hello') {
        // Skip what rc files printed before the worker started; keep the tail that may hold the start of the line.
        const hello = Buffer.from(`${this.nonce} ready\n`);
        const all = this.queue.take(this.queue.length);
        const at = all.indexOf(hello);
        if (at < 0) {
          this.queue.push(all.subarray(Math.max(0, all.length - hello.length)));
          return;
        }
        this.queue.push(all.subarray(at + hello.length));
        this.state = { kind: 'header' };
        for (const w of this.readyWaiters.splice(0)) w.resolve();
        continue;
      }
      if (this.state.kind === 'header') {
        const eol = this.queue.indexOf(0x0a, 512);
        if (eol < 0) {
          if (this.queue.length >= 512) return this.protocolError('a frame header longer than 512 bytes');
          return;
        }
        const line = this.queue
          .take(eol + 1)
          .toString('latin1')
          .trimEnd();
        const f = line.split(' ');
        const [nonce, id, code, out, err, count] = [f[0], ...f.slice(1).map(Number)];
        if (f.length !== 6 || nonce !== this.nonce || ![id, code, out, err, count].every((x) => Number.isInteger(x) && x! >= 0))
          return this.protocolError(`a bad frame header ${JSON.stringify(line.slice(0, 120))}`);
        this.steps = Math.max(this.steps, count!);
        this.state = { kind: 'body', id: id!, code: code!, out: out!, err: err! };
        continue;
      }
      const { id, code, out, err } = this.state;
      if (this.queue.length < out + err) return;
      const stdout = this.queue.take(out);
      const stderr = this.queue.take(err);
      this.state = { kind: 'header' };
      this.finish(id, code, stdout, stderr);
    }
  }

  private protocolError(what: string): void {
    const e = new OvfpipeError('OVFPIPE_REMOTE', `${this.label}: the remote worker sent ${what}; stopped`);
    this.end(e);
    this.channel.destroy();
  }

  private finish(id: number, code: number, out: Buffer, err: Buffer): void {
    const p = this.pending.get(id);
    if (!p) return; // timed out here already
    const max = p.opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    if (out.length > max) return this.settle(id, new OvfpipeError('OVFPIPE_LIMIT', `${this.label}: stdout of \`${p.shown}\` exceeded ${max} bytes`));
    if (err.length > max) return this.settle(id, new OvfpipeError('OVFPIPE_LIMIT', `${this.label}: stderr of \`${p.shown}\` exceeded ${max} bytes`));
    // timeout(1) exits 124 (TERM) or 137 (KILL) when it fired.
    if (p.opts.timeoutMs !== undefined && (code === 124 || code === 137) && Date.now() - p.started >= p.opts.timeoutMs) return this.settle(id, this.timedOut(p));
    const result = { code, stdout: out.toString('utf8'), stderr: err.toString('utf8') };
    if (code !== 0 && !p.opts.allowFailure) {
      const tail = result.stderr.trim().slice(-2000) || result.stdout.trim().slice(-2000);
      return this.settle(id, new OvfpipeError('OVFPIPE_REMOTE', `${this.label}: \`${p.shown}\` exited with ${code}${tail ? `: ${tail}` : ''}`));
    }
    this.settle(id, undefined, result);
  }
}
