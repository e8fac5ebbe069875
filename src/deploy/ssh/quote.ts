/**
 * Quoting for the remote POSIX shell. sshd runs every exec request as
 * `$SHELL -c "<command string>"` (RFC 4254 §6.5 carries one string, not an
 * argv), so each argv element has to survive exactly one round of POSIX shell
 * parsing (POSIX.1-2017 XCU §2.2.2: inside single quotes every character is
 * literal, and a single quote cannot occur at all).
 *
 * Assumes the remote login shell is POSIX (sh, dash, bash, zsh, ksh); csh and
 * fish parse single quotes differently and are not supported.
 */
import { OvfpipeError } from '../../diagnostics/errors.js';

/**
 * Characters that never need quoting anywhere in a word. `=` is left out so an
 * argv[0] such as `A=b` stays a command name, not an assignment; `~` and `#`
 * are left out because they are special at the start of a word.
 */
const SAFE_WORD = /^[A-Za-z0-9_./:@+,-]+$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Quotes one argument for a POSIX shell: `'…'`, with each `'` written as
 * `'\''`. Refuses NUL (it cannot appear in an exec'd argv, so it would be
 * silently cut) and ill-formed UTF-16 (it would not round-trip through the
 * UTF-8 command string).
 */
export function shellQuote(arg: string): string {
  if (arg.includes('\0')) {
    throw new OvfpipeError('OVFPIPE_USAGE', `refusing a shell argument with a NUL byte: ${JSON.stringify(arg)}`);
  }
  if (LONE_SURROGATE.test(arg)) {
    throw new OvfpipeError('OVFPIPE_USAGE', `refusing a shell argument with a lone UTF-16 surrogate: ${JSON.stringify(arg)}`);
  }
  if (SAFE_WORD.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** Joins an argv into one command string whose words are exactly `argv`. */
export function commandLine(argv: readonly string[]): string {
  if (argv.length === 0) throw new OvfpipeError('OVFPIPE_USAGE', 'empty command');
  return argv.map(shellQuote).join(' ');
}

/**
 * The command string of an exec request for `argv`. sshd runs it with the
 * user's login shell; Debian's bash then reads ~/.bashrc (it does so for ssh
 * commands at shell level 1). Running the last command of `-c`, bash execs it
 * and lowers SHLVL first, so a `bash -c` script of ours would read the rc file
 * a second time (measured: 0.37 s against 0.18–0.20 s per command on a host
 * whose rc runs `pyenv init`). Raising SHLVL stops that second read and
 * changes nothing else. It is a fixed prefix, not an argv word: `env
 * SHLVL=… argv` would take an argv[0] such as `A=b` for another assignment.
 */
export function remoteCommand(argv: readonly string[]): string {
  return `export SHLVL=2; ${commandLine(argv)}`;
}
