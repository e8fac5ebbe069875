/**
 * Runs remote steps (steps.ts): a list of steps becomes ONE exec of a fixed
 * bash script, the steps travelling as its argv words (quoted by the
 * transport like any argv, never spliced into the script). The script runs
 * them in order, each under coreutils `timeout`, stdin from /dev/null except
 * for the one step that takes the exec's stdin, stderr merged into stdout,
 * and frames each one's result with a random boundary no command can
 * predict:
 *
 *     B <index> <id>\n<output>\nB <index> <exit status> <microseconds>\n
 *
 * so the step that failed is known by its id and exit status, never guessed
 * from stderr. A sequence stops at its first failure; a rollback runs every
 * undo step whatever the others did.
 *
 * StepRunner keeps, per VM (or per image), the undo steps of what succeeded,
 * across round trips; `rollback()` runs them, last first, in one round trip.
 */
import { randomBytes } from 'node:crypto';
import { OvfpipeError } from '../diagnostics/errors.js';
import type { RemoteStep } from './steps.js';
import type { Transport } from './transport.js';

export interface StepResult {
  id: string;
  code: number;
  output: string;
  /** The round trip ended while this step ran (the script was killed): its exit status is the script's. */
  interrupted?: boolean;
}

/**
 * $1 boundary, $2 stop at the first failure (1/0); then per step: word
 * count, id, timeout (seconds), stdin (1: the exec's, 0: /dev/null), the
 * words. Exits with the status of the last step that failed (0 if none).
 */
export const STEPS_SCRIPT = [
  'B=$1 stop=$2; shift 2; i=0 rc=0',
  'while [ $# -gt 0 ]; do',
  '  n=$1 id=$2 s=$3 in=$4; shift 4; cmd=("${@:1:$n}"); shift "$n"',
  '  printf \'%s %s %s\\n\' "$B" "$i" "$id"',
  '  t0=${EPOCHREALTIME/[.,]/}',
  '  if [ "$in" = 1 ]; then timeout -k 5s "$s" "${cmd[@]}" 2>&1; else timeout -k 5s "$s" "${cmd[@]}" </dev/null 2>&1; fi',
  '  c=$?; t1=${EPOCHREALTIME/[.,]/}; printf \'\\n%s %s %s %s\\n\' "$B" "$i" "$c" "${t0:+$((t1 - t0))}"',
  '  if [ "$c" != 0 ]; then rc=$c; if [ "$stop" = 1 ]; then break; fi; fi',
  '  i=$((i+1))',
  'done',
  'exit "$rc"',
].join('\n');

/** Seconds between timeout's TERM and KILL (the -k above), plus the script's own work. */
const PER_STEP_SLACK_MS = 6_000;
/** Below sshd's 256 KiB exec request and Linux's 128 KiB per argv word (batch.ts splits; one step list never is). */
const MAX_SCRIPT_CHARS = 96 * 1024;
/** An id is printed on the frame's header line: anything but a line break. */
const STEP_ID = /^[^\n\r]+$/;

/** How long a finished step ran on the host, and whether it failed. */
export interface StepDuration {
  id: string;
  seconds: number;
  failed: boolean;
}

export interface RunStepsOptions {
  /** `$0` of the script, which names it in process lists and profiles (`ovfpipe-apply`, `ovfpipe-convert`, …). */
  name: string;
  /** true: stop at the first step that fails (a sequence); false: run every step (a rollback). */
  stopOnFailure: boolean;
  /** Called with how long each step that finished ran, measured on the host (bash's EPOCHREALTIME), in order. */
  onDurations?: (durations: StepDuration[]) => void;
}

/**
 * One round trip: the results of the steps that ran, in order (fewer than
 * the steps when a sequence stopped at a failure). A step the script did
 * not finish, or never reached although nothing before it failed, comes
 * last, `interrupted`, with a non-zero code.
 */
export async function runSteps(t: Pick<Transport, 'exec'>, steps: readonly RemoteStep[], opts: RunStepsOptions): Promise<StepResult[]> {
  if (steps.length === 0) return [];
  const withInput = steps.filter((s) => s.input !== undefined);
  if (withInput.length > 1) throw new OvfpipeError('OVFPIPE_USAGE', `steps ${withInput.map((s) => s.id).join(', ')} all read stdin; one round trip has one`);
  const boundary = `ovfpipe-${randomBytes(16).toString('hex')}`;
  const argv = ['bash', '-c', STEPS_SCRIPT, opts.name, boundary, opts.stopOnFailure ? '1' : '0'];
  for (const s of steps) {
    if (s.argv.length === 0) throw new OvfpipeError('OVFPIPE_USAGE', `step ${s.id} has no command`);
    if (!STEP_ID.test(s.id)) throw new OvfpipeError('OVFPIPE_USAGE', `step id ${JSON.stringify(s.id)} must be one line`);
    argv.push(String(s.argv.length), s.id, `${(s.timeoutMs / 1000).toFixed(3)}s`, s.input === undefined ? '0' : '1', ...s.argv);
  }
  const size = argv.reduce((n, w) => n + w.length + 8, 0);
  if (size > MAX_SCRIPT_CHARS) throw new OvfpipeError('OVFPIPE_LIMIT', `${steps.length} steps (${steps[0]!.id}, …) are ${size} characters: too long for one round trip`);
  const timeoutMs = steps.reduce((n, s) => n + s.timeoutMs + PER_STEP_SLACK_MS, 10_000);
  const r = await t.exec(argv, { stdin: withInput[0]?.input, timeoutMs, allowFailure: true });
  const results = parseStepFrames(
    r.stdout,
    boundary,
    steps.map((s) => s.id),
  );
  const finished = results.filter((x) => !x.interrupted);
  opts.onDurations?.(
    stepDurations(
      r.stdout,
      boundary,
      finished.map((x) => x.id),
    ).map((d, i) => ({ ...d, failed: finished[i]!.code !== 0 })),
  );
  const last = results.at(-1);
  if (last?.interrupted) {
    last.code = r.code === 0 ? -1 : r.code;
    last.output += r.stderr;
  }
  const stoppedAtFailure = opts.stopOnFailure && last !== undefined && last.code !== 0;
  if (results.length < steps.length && !stoppedAtFailure) {
    // The script ended between two steps without a failed one (killed, or bash itself failed):
    // the next step counts as failed, so what succeeded before it is still known and undone.
    const why = r.stderr.trim() || `the script ended (exit ${r.code}) before this step`;
    results.push({ id: steps[results.length]!.id, code: r.code === 0 ? -1 : r.code, output: why, interrupted: true });
  }
  return results;
}

/**
 * The framed results in `stdout`, in order. A step whose header is there
 * but not its footer was running when the script died: it comes last,
 * `interrupted`, with what it printed.
 */
export function parseStepFrames(stdout: string, boundary: string, ids: readonly string[]): StepResult[] {
  const out: StepResult[] = [];
  let pos = 0;
  for (let i = 0; i < ids.length; i++) {
    const head = `${boundary} ${i} ${ids[i]}\n`;
    if (!stdout.startsWith(head, pos)) break;
    const start = pos + head.length;
    const footer = `\n${boundary} ${i} `;
    const end = stdout.indexOf(footer, start);
    const eol = end < 0 ? -1 : stdout.indexOf('\n', end + footer.length);
    const code = eol < 0 ? NaN : Number(stdout.slice(end + footer.length, eol).split(' ')[0]);
    if (!Number.isInteger(code)) {
      out.push({ id: ids[i]!, code: -1, output: stdout.slice(start), interrupted: true });
      break;
    }
    out.push({ id: ids[i]!, code, output: stdout.slice(start, end) });
    pos = eol + 1;
  }
  return out;
}

/** The durations the footers carry (`B <index> <status> <microseconds>`), for the steps that finished. */
export function stepDurations(stdout: string, boundary: string, ids: readonly string[]): Array<{ id: string; seconds: number }> {
  const out: Array<{ id: string; seconds: number }> = [];
  let pos = 0;
  ids.forEach((id, i) => {
    const footer = `\n${boundary} ${i} `;
    const at = stdout.indexOf(footer, stdout.indexOf(`${boundary} ${i} ${id}\n`, pos) + 1);
    if (at < 0) return;
    const eol = stdout.indexOf('\n', at + footer.length);
    const text = (eol < 0 ? stdout.slice(at + footer.length) : stdout.slice(at + footer.length, eol)).split(' ')[1] ?? '';
    const micros = text === '' ? NaN : Number(text);
    if (Number.isFinite(micros) && micros >= 0) out.push({ id, seconds: micros / 1e6 });
    pos = at + footer.length;
  });
  return out;
}

/** A step of a sequence failed: which one (by id), its exit status and output. */
export class StepFailedError extends Error {
  constructor(
    readonly step: RemoteStep,
    readonly result: StepResult,
  ) {
    super(stepFailureMessage(step, result));
    this.name = 'StepFailedError';
  }
}

/** `<label>: <output>`; a step its timeout killed says so. */
export function stepFailureMessage(step: RemoteStep, r: StepResult): string {
  const output = r.output.trim();
  const timedOut = !r.interrupted && (r.code === 124 || r.code === 137) ? ` (timed out after ${step.timeoutMs / 1000} s)` : '';
  const detail = `${output || `exit ${r.code}`}${timedOut}`;
  return `${step.label ?? step.id}: ${detail}`;
}

/** The steps of one VM (or image) across round trips, and the undo of what succeeded. */
export class StepRunner {
  /** Steps that succeeded (or own what they half did) and have an undo, in the order they ran. */
  private done: RemoteStep[] = [];

  constructor(
    private readonly transport: Pick<Transport, 'exec'>,
    private readonly log?: (line: string) => void,
  ) {}

  /** Something done outside a step (an upload through put) that a rollback must undo too. */
  record(step: RemoteStep): void {
    if (step.undo?.length) this.done.push(step);
  }

  /** One round trip running `steps` in order; throws StepFailedError naming the first that failed. */
  async run(name: string, steps: readonly RemoteStep[], onDurations?: RunStepsOptions['onDurations']): Promise<StepResult[]> {
    const results = await runSteps(this.transport, steps, { name, stopOnFailure: true, onDurations });
    results.forEach((r, i) => {
      if (r.code === 0 || steps[i]!.undoOnFailure) this.record(steps[i]!);
    });
    const failed = results.findIndex((r) => r.code !== 0);
    if (failed >= 0) throw new StepFailedError(steps[failed]!, results[failed]!);
    return results;
  }

  /**
   * One round trip running the undo steps of everything that succeeded, the
   * latest step's first; every undo step runs whatever the others did.
   * Returns the failures (those not marked mayFail), as messages.
   */
  async rollback(): Promise<string[]> {
    const undo = [...this.done].reverse().flatMap((s) => s.undo ?? []);
    this.done = [];
    if (undo.length === 0) return [];
    try {
      const results = await runSteps(this.transport, undo, { name: 'ovfpipe-rollback', stopOnFailure: false });
      const failures = results.flatMap((r, i) => (r.code !== 0 && !undo[i]!.mayFail ? [stepFailureMessage(undo[i]!, r)] : []));
      for (const f of failures) this.log?.(`rollback: ${f}`);
      return failures;
    } catch (e) {
      return [`rollback: ${(e as Error).message}`];
    }
  }
}
