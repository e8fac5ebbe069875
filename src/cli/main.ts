/**
 * The CLI is a thin shell over the library. `main` returns an exit code and
 * never calls process.exit (only bin.ts does), after eslint's lib/cli.js.
 */
import { Command, CommanderError } from 'commander';
import { isOvfpipeError } from '../diagnostics/errors.js';
import { registerInspect } from './commands/inspect.js';
import { registerLint } from './commands/lint.js';
import { registerVerify } from './commands/verify.js';
import { registerNetsec } from './commands/netsec.js';
import { registerSpec } from './commands/spec.js';
import { registerRender } from './commands/render.js';
import { registerDeploy } from './commands/deploy.js';
import { registerPack } from './commands/pack.js';
import { registerPipeline } from './commands/pipeline.js';
import { registerAudit } from './commands/audit.js';
import { registerAgent } from './commands/agent.js';
import { EXIT, processIo, signalExit, type CliIo } from './io.js';
import { VERSION } from '../version.js';

const BAD_INPUT = new Set(['OVFPIPE_PACKAGE', 'OVFPIPE_ARCHIVE', 'OVFPIPE_LIMIT', 'OVFPIPE_XML', 'OVFPIPE_MANIFEST', 'OVFPIPE_CERT']);

/** The commander program with every command registered; `setExit` collects the commands' exit codes. Exported for tests that check argv (CI templates) against it. */
export function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('ovfpipe')
    .description('Lint, verify, render and deploy OVF packages with their network security profiles onto KVM hosts')
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  registerLint(program, io, setExit);
  registerVerify(program, io, setExit);
  registerInspect(program, io, setExit);
  registerNetsec(program, io, setExit);
  registerSpec(program, io);
  registerRender(program, io, setExit);
  registerDeploy(program, io, setExit);
  registerPack(program, io, setExit);
  registerPipeline(program, io, setExit);
  registerAudit(program, io, setExit);
  registerAgent(program, io, setExit);
  for (const c of allCommands(program)) c.exitOverride().configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  return program;
}

export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let exitCode: number = EXIT.ok;
  const setExit = (code: number) => {
    exitCode = Math.max(exitCode, code);
  };
  const program = buildProgram(io, setExit);
  try {
    await program.parseAsync(['node', 'ovfpipe', ...argv]);
    return signalExit(io) ?? exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit through here with code 0.
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const stopped = signalExit(io);
    if (isOvfpipeError(e)) {
      io.stderr.write(`ovfpipe: ${e.message}${e.where && !e.message.includes(e.where) ? ` (${e.where})` : ''} [${e.code}]\n`);
      // Bad input (a package, a filter, a profile) is a problem found (1); usage and environment failures are 2.
      return stopped ?? (BAD_INPUT.has(e.code) ? EXIT.problems : EXIT.usage);
    }
    io.stderr.write(`${unexpectedErrorText(e, io.env['OVFPIPE_DEBUG'])}\n`);
    return stopped ?? EXIT.usage;
  }
}

/** Node's file-system error codes, as the words a user reads. */
const FS_ERRORS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'a path component is not a directory',
  EEXIST: 'already exists',
  ENOSPC: 'no space left on device',
  EROFS: 'read-only file system',
  EMFILE: 'too many open files',
};

/**
 * One line for an error no command turned into a message: a file-system error names its path, anything
 * else its message. Never a stack trace unless OVFPIPE_DEBUG is set (a user's mistake must not look like a crash).
 */
export function unexpectedErrorText(e: unknown, debug: string | undefined): string {
  const err = e instanceof Error ? (e as NodeJS.ErrnoException) : undefined;
  const words = err?.code !== undefined ? FS_ERRORS[err.code] : undefined;
  const firstLine = (s: string) => s.split('\n', 1)[0]!;
  const text = words && err?.path !== undefined ? `${err.path}: ${words} [${err.code}]` : `internal error: ${firstLine(err?.message ?? String(e))}`;
  const hint = words ? '' : ' (set OVFPIPE_DEBUG=1 for details)';
  const stack = debug && debug !== '0' && err?.stack ? `\n${err.stack}` : '';
  return `ovfpipe: ${text}${hint}${stack}`;
}

export function allCommands(c: Command): Command[] {
  return c.commands.flatMap((k) => [k, ...allCommands(k)]);
}
