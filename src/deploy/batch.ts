/**
 * Several commands in one round trip. Each remote exec costs a round trip
 * plus sshd's fork and the login shell's start-up (0.1–0.3 s on a host whose
 * root profile does work; docs/deploy-benchmark.md), so read-only steps that
 * do not depend on each other's output go to the host as one fixed bash
 * script. The commands travel as argv words of that script, never spliced
 * into it, exactly like Transport.exec; the script runs them one after the
 * other with stdin from /dev/null and frames each one's output with a random
 * boundary that no command can predict.
 */
import { randomBytes } from 'node:crypto';
import { OvfpipeError } from '../diagnostics/errors.js';
import type { Transport } from './transport.js';

export interface BatchCommand {
  argv: readonly string[];
  /** 'merge': stderr goes into the output (for messages); 'drop' (default): stderr is discarded. */
  stderr?: 'merge' | 'drop';
}

export interface BatchResult {
  code: number;
  output: string;
}

/**
 * $1 boundary; then per command: word count, stderr mode (m/d), the words.
 * Each command's output is framed as `B i\n<output>\nB i code\n`.
 */
const BATCH_SCRIPT = [
  'B=$1; shift; i=0',
  'while [ $# -gt 0 ]; do',
  '  n=$1 m=$2; shift 2; cmd=("${@:1:$n}"); shift "$n"',
  '  printf \'%s %s\\n\' "$B" "$i"',
  '  if [ "$m" = m ]; then "${cmd[@]}" </dev/null 2>&1; else "${cmd[@]}" </dev/null 2>/dev/null; fi',
  '  c=$?; printf \'\\n%s %s %s\\n\' "$B" "$i" "$c"; i=$((i+1))',
  'done',
].join('\n');

/**
 * Upper bound on one batch's command line. sshd takes an exec request of at
 * most 256 KiB (PACKET_MAX_SIZE) and Linux one argv word of 128 KiB; a batch
 * over this is split into several execs, run in order.
 */
const MAX_BATCH_CHARS = 96 * 1024;

/**
 * The same contract, the commands run `$2` at a time (read-only queries such
 * as facts: each virsh call pays its own connection to libvirtd). Outputs go
 * to a private temporary directory (mktemp -d: mode 0700) and are printed in
 * order at the end. No umask is set: what the commands create (the storage
 * root) keeps the login shell's permissions.
 */
const PARALLEL_SCRIPT = [
  'B=$1 P=$2; shift 2; i=0 k=0',
  'd=$(mktemp -d) || exit 1; trap \'rm -rf -- "$d"\' EXIT',
  'while [ $# -gt 0 ]; do',
  '  n=$1 m=$2; shift 2; cmd=("${@:1:$n}"); shift "$n"',
  '  if [ "$m" = m ]; then { "${cmd[@]}" </dev/null >"$d/$i" 2>&1; echo "$?" >"$d/$i.rc"; } &',
  '  else { "${cmd[@]}" </dev/null >"$d/$i" 2>/dev/null; echo "$?" >"$d/$i.rc"; } & fi',
  '  i=$((i+1)) k=$((k+1))',
  // wait -n needs bash 4.3; an older bash waits for all of them instead.
  '  if [ "$k" -ge "$P" ]; then if wait -n 2>/dev/null; then k=$((k-1)); else wait; k=0; fi; fi',
  'done',
  'wait; j=0',
  'while [ "$j" -lt "$i" ]; do printf \'%s %s\\n\' "$B" "$j"; cat -- "$d/$j"; printf \'\\n%s %s %s\\n\' "$B" "$j" "$(cat -- "$d/$j.rc")"; j=$((j+1)); done',
].join('\n');

export interface BatchOptions {
  timeoutMs?: number;
  /** Run up to this many commands at once (default 1: in order, one after the other). Only for commands that do not depend on each other. */
  parallel?: number;
}

export async function execBatch(t: Pick<Transport, 'exec'>, commands: readonly BatchCommand[], opts: BatchOptions = {}): Promise<BatchResult[]> {
  const out: BatchResult[] = [];
  for (const chunk of chunks(commands)) out.push(...(await execOne(t, chunk, opts)));
  return out;
}

function chunks(commands: readonly BatchCommand[]): BatchCommand[][] {
  for (const c of commands) if (c.argv.length === 0) throw new OvfpipeError('OVFPIPE_USAGE', 'empty command in a batch');
  return splitBySize(commands, (c) => c.argv.reduce((a, w) => a + w.length + 8, 8), MAX_BATCH_CHARS);
}

/** Splits items, in order, into runs whose summed size stays under max (an item larger than max gets a run of its own). */
export function splitBySize<T>(items: readonly T[], size: (x: T) => number, max: number): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let n = 0;
  for (const x of items) {
    const s = size(x);
    if (current.length > 0 && n + s > max) {
      out.push(current);
      current = [];
      n = 0;
    }
    current.push(x);
    n += s;
  }
  if (current.length > 0) out.push(current);
  return out;
}

async function execOne(t: Pick<Transport, 'exec'>, commands: readonly BatchCommand[], opts: BatchOptions): Promise<BatchResult[]> {
  const boundary = `ovfpipe-${randomBytes(16).toString('hex')}`;
  const parallel = Math.max(1, Math.floor(opts.parallel ?? 1));
  const argv = parallel > 1 && commands.length > 1 ? ['bash', '-c', PARALLEL_SCRIPT, 'ovfpipe-batch', boundary, String(parallel)] : ['bash', '-c', BATCH_SCRIPT, 'ovfpipe-batch', boundary];
  for (const c of commands) argv.push(String(c.argv.length), c.stderr === 'merge' ? 'm' : 'd', ...c.argv);
  const r = await t.exec(argv, { timeoutMs: opts.timeoutMs, allowFailure: true });
  const results = parseBatch(r.stdout, boundary, commands.length);
  if (!results) {
    const why = r.stderr.trim().split('\n').at(-1) || `exit ${r.code}`;
    throw new OvfpipeError('OVFPIPE_REMOTE', `a batch of ${commands.length} commands ended early: ${why}`);
  }
  return results;
}

function parseBatch(stdout: string, boundary: string, count: number): BatchResult[] | undefined {
  const out: BatchResult[] = [];
  let pos = 0;
  for (let i = 0; i < count; i++) {
    const head = `${boundary} ${i}\n`;
    if (!stdout.startsWith(head, pos)) return undefined;
    const start = pos + head.length;
    const footer = `\n${boundary} ${i} `;
    const end = stdout.indexOf(footer, start);
    if (end < 0) return undefined;
    const eol = stdout.indexOf('\n', end + footer.length);
    if (eol < 0) return undefined;
    const code = Number(stdout.slice(end + footer.length, eol));
    if (!Number.isInteger(code)) return undefined;
    out.push({ code, output: stdout.slice(start, end) });
    pos = eol + 1;
  }
  return out;
}
