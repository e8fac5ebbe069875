/**
 * One command on one exec channel (RFC 4254 §6.5): argv quoted by
 * commandLine(), output collected up to a bound, exit status mapped to our
 * error codes, a timeout that kills the remote process and the channel.
 */
import { constants } from 'node:os';
import type { Client, ClientChannel } from 'ssh2';
import { OvfpipeError } from '../../diagnostics/errors.js';
import type { ExecOptions, ExecResult } from '../transport.js';
import { commandLine, remoteCommand } from './quote.js';

/** Default bound on each of stdout and stderr: deploy commands print little; a runaway one must not fill memory. */
export const DEFAULT_MAX_OUTPUT_BYTES = 16 << 20;

export interface SshExecOptions extends ExecOptions {
  /** Fail with OVFPIPE_LIMIT when stdout or stderr grows beyond this many bytes. */
  maxOutputBytes?: number;
}

const EARLY_EXIT = Symbol('ovfpipe.earlyExit');
type ChannelWithExit = ClientChannel & { [EARLY_EXIT]?: { code: number | null; signal?: string } };

/** The exit status recorded by openExecChannel, if the command already exited. */
export function earlyExit(channel: ClientChannel): { code: number | null; signal?: string } | undefined {
  return (channel as ChannelWithExit)[EARLY_EXIT];
}

/** Opens an exec channel; a failure here means the connection is gone or sshd refused a session. */
export function openExecChannel(client: Client, command: string, label: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    try {
      client.exec(command, (err, channel) => {
        if (err) reject(new OvfpipeError('OVFPIPE_SSH_CONNECT', `${label}: cannot open a session channel: ${err.message}`, { cause: err }));
        else {
          // Record the exit status now: for a fast command it can arrive in the same network
          // read as the channel confirmation, before the caller's listeners exist (after an await).
          channel.once('exit', (code: number | null, signal?: string) => {
            (channel as ChannelWithExit)[EARLY_EXIT] = { code, signal };
          });
          resolve(channel);
        }
      });
    } catch (err) {
      // ssh2 throws synchronously when the socket is no longer writable.
      reject(new OvfpipeError('OVFPIPE_SSH_CONNECT', `${label}: connection is closed: ${(err as Error).message}`, { cause: err }));
    }
  });
}

/** Exit code as a shell reports it: a death by signal N becomes 128+N. */
function exitCode(code: number | null | undefined, signal: string | undefined): number | undefined {
  if (typeof code === 'number') return code;
  if (signal) return 128 + ((constants.signals as Record<string, number>)[`SIG${signal}`] ?? 0);
  return undefined;
}

/** Seconds between coreutils timeout's TERM and its KILL. */
const KILL_AFTER_S = 5;

/**
 * With a timeout the command runs under coreutils `timeout`, so the remote
 * side kills it (and its process group) even if this process or the
 * connection dies. Closing the channel would not: sshd leaves a pipe-only
 * session's process running, and it refuses "signal" requests for root
 * sessions ("session signalling requires privilege separation", OpenSSH 9.2).
 */
function withRemoteTimeout(argv: readonly string[], timeoutMs: number | undefined): readonly string[] {
  if (timeoutMs === undefined) return argv;
  return ['timeout', '-k', `${KILL_AFTER_S}s`, `${(timeoutMs / 1000).toFixed(3)}s`, ...argv];
}

export async function runExec(client: Client, label: string, argv: readonly string[], opts: SshExecOptions = {}): Promise<ExecResult> {
  const command = remoteCommand(withRemoteTimeout(argv, opts.timeoutMs));
  const started = Date.now();
  const plain = commandLine(argv);
  const shown = plain.length > 200 ? `${plain.slice(0, 200)}…` : plain;
  const max = opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const channel = await openExecChannel(client, command, label);
  return new Promise<ExecResult>((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    const early = earlyExit(channel);
    let code: number | undefined = early ? exitCode(early.code, early.signal) : undefined;
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (error: OvfpipeError | undefined, result?: ExecResult) => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      if (error) {
        channel.destroy();
        reject(error);
      } else resolve(result!);
    };
    const timedOut = () => new OvfpipeError('OVFPIPE_REMOTE', `${label}: \`${shown}\` timed out after ${opts.timeoutMs} ms; killed`);
    channel.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > max) finish(new OvfpipeError('OVFPIPE_LIMIT', `${label}: stdout of \`${shown}\` exceeded ${max} bytes`));
      else out.push(chunk);
    });
    channel.stderr.on('data', (chunk: Buffer) => {
      errBytes += chunk.length;
      if (errBytes > max) finish(new OvfpipeError('OVFPIPE_LIMIT', `${label}: stderr of \`${shown}\` exceeded ${max} bytes`));
      else err.push(chunk);
    });
    channel.on('exit', (c: number | null, signal?: string) => {
      code = exitCode(c, signal);
    });
    channel.on('error', (e: Error) => finish(new OvfpipeError('OVFPIPE_SSH_CONNECT', `${label}: channel error in \`${shown}\`: ${e.message}`, { cause: e })));
    channel.on('close', () => {
      if (code === undefined) {
        const late = earlyExit(channel);
        if (late) code = exitCode(late.code, late.signal);
      }
      if (code === undefined) {
        finish(new OvfpipeError('OVFPIPE_SSH_CONNECT', `${label}: connection lost while running \`${shown}\` (no exit status)`));
        return;
      }
      // timeout(1) exits 124 (TERM) or 137 (KILL) when it fired.
      if (opts.timeoutMs !== undefined && (code === 124 || code === 137) && Date.now() - started >= opts.timeoutMs) return finish(timedOut());
      const result = { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
      if (code !== 0 && !opts.allowFailure) {
        const tail = result.stderr.trim().slice(-2000) || result.stdout.trim().slice(-2000);
        finish(new OvfpipeError('OVFPIPE_REMOTE', `${label}: \`${shown}\` exited with ${code}${tail ? `: ${tail}` : ''}`));
      } else finish(undefined, result);
    });
    if (opts.timeoutMs !== undefined) {
      // Backstop for a connection that stopped answering: the remote timeout(1) should have ended it by now.
      timer = setTimeout(() => finish(timedOut()), opts.timeoutMs + KILL_AFTER_S * 1000 + 2_000);
    }
    channel.end(opts.stdin);
  });
}
