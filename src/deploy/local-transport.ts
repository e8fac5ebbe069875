/** A Transport for the local host: execFile with an argv, never a shell (netsec sync's source when --from is absent). */
import { execFile, type ExecFileException } from 'node:child_process';
import { constants } from 'node:os';
import { OvfpipeError } from '../diagnostics/errors.js';
import type { ExecOptions, ExecResult, Transport } from './transport.js';

const MAX_OUTPUT_BYTES = 16 << 20;

/** Runs commands on this machine (argv, no shell). `put` is not supported. */
export function localTransport(label = 'local'): Transport {
  return {
    label,
    exec: (argv, opts) => localExec(label, argv, opts),
    put: () => Promise.reject(new OvfpipeError('OVFPIPE_USAGE', `${label}: put is not supported by the local transport`)),
    close: async () => {},
  };
}

function localExec(label: string, argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) return Promise.reject(new OvfpipeError('OVFPIPE_USAGE', 'empty command'));
  const shown = argv.join(' ').slice(0, 200);
  return new Promise((resolve, reject) => {
    const child = execFile(
      cmd,
      args,
      { encoding: 'utf8', shell: false, maxBuffer: MAX_OUTPUT_BYTES, timeout: opts.timeoutMs ?? 0, killSignal: 'SIGKILL', windowsHide: true },
      (err: ExecFileException | null, stdout: string, stderr: string) => {
        let code = 0;
        if (err) {
          if (err.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return reject(new OvfpipeError('OVFPIPE_LIMIT', `${label}: output of \`${shown}\` exceeded ${MAX_OUTPUT_BYTES} bytes`));
          if (typeof err.code === 'string') return reject(new OvfpipeError('OVFPIPE_REMOTE', `${label}: cannot run ${cmd}: ${err.message}`, { cause: err }));
          if (err.killed && opts.timeoutMs) return reject(new OvfpipeError('OVFPIPE_REMOTE', `${label}: \`${shown}\` timed out after ${opts.timeoutMs} ms; killed`));
          code = typeof err.code === 'number' ? err.code : 128 + ((err.signal && (constants.signals as Record<string, number>)[err.signal]) || 0);
        }
        const result = { code, stdout, stderr };
        if (code !== 0 && !opts.allowFailure) {
          const tail = stderr.trim().slice(-2000) || stdout.trim().slice(-2000);
          return reject(new OvfpipeError('OVFPIPE_REMOTE', `${label}: \`${shown}\` exited with ${code}${tail ? `: ${tail}` : ''}`));
        }
        resolve(result);
      },
    );
    // A command that exits without reading its input must not crash us with EPIPE.
    child.stdin?.on('error', () => {});
    child.stdin?.end(opts.stdin);
  });
}
