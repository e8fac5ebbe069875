/**
 * Many VMs' steps as a few steps (issue 19): a host with N VMs to apply
 * costs a constant number of round trips, not N. Each batch is itself a
 * RemoteStep (steps.ts), so the step runner — or anything else that runs
 * steps — runs it unchanged; what it prints is framed per VM (a random
 * boundary no command can predict), so every VM's result is known by its
 * own step ids, never guessed from stderr.
 *
 * - `groupsStep`: per VM a sequence of steps (directory, OVF environment
 *   ISO, overlays; or start, autostart), the sequences run up to `parallel`
 *   at once and never more than the host's cores (`nproc`). Each sequence
 *   is the step runner's own script (STEPS_SCRIPT), stopping at its first
 *   failure; its frames are read back by the runner's own parser.
 * - `defineSessionStep`: every VM's `virsh define` in ONE virsh process (one
 *   libvirt connection): the XML documents arrive on stdin (their byte
 *   lengths as argv words), are written to a private temporary directory,
 *   and virsh runs `echo <boundary> <i>; define <dir>/<i>.xml; …`. virsh
 *   goes on after a failing command; a definition succeeded when its frame
 *   holds virsh's `Domain '<name>' defined from` and no `error:` line
 *   (virsh runs under LC_ALL=C, so the words are these).
 *
 * Pure: builders and parsers only.
 */
import { parseStepFrames, STEPS_SCRIPT, stepDurations, type StepDuration, type StepResult } from './step-runner.js';
import { STEP_TIMEOUT_MS, type RemoteStep } from './steps.js';

/**
 * $1 the sequence script, $2 boundary, $3 parallel; then per sequence: its
 * word count and its words (the step runner's encoding). Outputs go to a
 * private temporary directory and are printed in order at the end, each
 * after a `<boundary> G <index>` line. Exits 0 once every sequence ran:
 * their failures are data.
 */
const GROUPS_SCRIPT = [
  'S=$1 B=$2 P=$3; shift 3',
  // The sequence script as a function: each VM's sequence is then a fork of this shell, not a new bash (an exec
  // and a shell start-up per VM, the largest cost of a batch of small steps). $S is the step runner's own script.
  'eval "vm_steps() {\n$S\n}"',
  'c=$(nproc 2>/dev/null) || c=1; if [ "$P" -gt "$c" ]; then P=$c; fi',
  'd=$(mktemp -d) || exit 1; trap \'rm -rf -- "$d"\' EXIT; g=0 k=0',
  'while [ $# -gt 0 ]; do',
  '  n=$1; shift',
  '  vm_steps "$B" 1 "${@:1:$n}" </dev/null >"$d/$g" 2>&1 &',
  '  shift "$n"; g=$((g+1)) k=$((k+1))',
  // wait -n (bash 4.3): one finished, whatever its status; an older bash waits for all of them.
  '  if [ "$k" -ge "$P" ]; then wait -n 2>/dev/null; if [ $? = 2 ]; then wait; k=0; else k=$((k-1)); fi; fi',
  'done',
  'wait; j=0',
  'while [ "$j" -lt "$g" ]; do printf \'%s G %s\\n\' "$B" "$j"; cat -- "$d/$j"; j=$((j+1)); done',
].join('\n');

/** Seconds between timeout's TERM and KILL in the sequence script, plus its own work. */
const PER_STEP_SLACK_MS = 6_000;

export interface GroupsStepOptions {
  id: string;
  label?: string;
  /** One sequence per VM; none may read stdin. */
  groups: ReadonlyArray<readonly RemoteStep[]>;
  /** Sequences at once (the per-host limit); the host's core count caps it. */
  parallel: number;
  /** Random, per batch: frames the sequences. */
  boundary: string;
}

/** The step that runs the sequences. Its own bound is the sum of theirs (as if they ran one after another). */
export function groupsStep(o: GroupsStepOptions): RemoteStep {
  const argv = ['bash', '-c', GROUPS_SCRIPT, 'ovfpipe-vms', STEPS_SCRIPT, o.boundary, String(Math.max(1, Math.floor(o.parallel)))];
  let timeoutMs = 10_000;
  for (const g of o.groups) {
    const words: string[] = [];
    for (const s of g) {
      if (s.input !== undefined) throw new Error(`step ${s.id} reads stdin: it cannot run beside other VMs' steps`);
      if (!/^[^\n\r]+$/.test(s.id) || s.argv.length === 0) throw new Error(`step ${JSON.stringify(s.id)} needs a one-line id and a command`);
      words.push(String(s.argv.length), s.id, `${(s.timeoutMs / 1000).toFixed(3)}s`, '0', ...s.argv);
      timeoutMs += s.timeoutMs + PER_STEP_SLACK_MS;
    }
    argv.push(String(words.length), ...words);
  }
  return { id: o.id, argv, timeoutMs, label: o.label ?? o.id };
}

/** Characters a group adds to a round trip (the step runner's bound is on the whole command line). */
export function groupSize(steps: readonly RemoteStep[]): number {
  return steps.reduce((n, s) => n + s.argv.reduce((a, w) => a + w.length + 8, 40), 16);
}

export interface GroupResult {
  /** The results of the steps that ran, in order (fewer when the sequence stopped at a failure; none when its output is missing). */
  results: StepResult[];
  /** How long each finished step ran on the host. */
  durations: StepDuration[];
}

/** Each sequence's results, from the batch step's output. A sequence with no frame at all has no results. */
export function parseGroups(output: string, boundary: string, groups: ReadonlyArray<readonly RemoteStep[]>): GroupResult[] {
  return groups.map((steps, j) => {
    const head = `${boundary} G ${j}\n`;
    const at = output.indexOf(head);
    if (at < 0) return { results: [], durations: [] };
    const next = output.indexOf(`${boundary} G ${j + 1}\n`, at + head.length);
    const chunk = output.slice(at + head.length, next < 0 ? undefined : next);
    const ids = steps.map((s) => s.id);
    const results = parseStepFrames(chunk, boundary, ids);
    const finished = results.filter((r) => !r.interrupted);
    const durations = stepDurations(
      chunk,
      boundary,
      finished.map((r) => r.id),
    ).map((d, i) => ({ ...d, failed: finished[i]!.code !== 0 }));
    // A sequence that ended between two steps without a failed one (killed): the next step counts as failed.
    const last = results.at(-1);
    if (results.length < steps.length && (last === undefined || last.code === 0))
      results.push({ id: steps[results.length]!.id, code: -1, output: chunk.trim() || 'the batch ended before this step', interrupted: true });
    return { results, durations };
  });
}

/**
 * $1 connection URI, $2 boundary; then the byte length of each document,
 * in the order they come on stdin. The temporary directory's path goes into
 * virsh's own command line, so it must be a plain word.
 */
const DEFINE_SCRIPT = [
  'U=$1 B=$2 V=$3; shift 3',
  'd=$(mktemp -d) || exit 1; trap \'rm -rf -- "$d"\' EXIT',
  'case $d in *[!A-Za-z0-9_./-]*) echo "ovfpipe: temporary directory $d is not a plain word"; exit 1;; esac',
  'c= i=0',
  'for n do head -c "$n" >"$d/$i.xml" || exit 1; c="$c echo $B $i; $V $d/$i.xml;"; i=$((i+1)); done',
  'LC_ALL=C virsh -c "$U" "$c" 2>&1',
  'exit 0',
].join('\n');

/** What is defined: the virsh command (a constant of ours: it goes into virsh's command line) and the line virsh prints on success. */
const DEFINE_KINDS = {
  domain: { verb: 'define', success: (name: string) => `Domain '${name}' defined from ` },
  filter: { verb: 'nwfilter-define --validate', success: (name: string) => `Network filter ${name} defined from ` },
} as const;

export type DefineKind = keyof typeof DEFINE_KINDS;

/** All these definitions in one virsh process, in order. `step` gives each VM's undo; the batch has none of its own. */
export function defineSessionStep(connectUri: string, docs: ReadonlyArray<{ name: string; xml: string }>, boundary: string, kind: DefineKind = 'domain'): RemoteStep {
  return {
    id: kind === 'domain' ? 'define' : 'filters',
    label: `virsh ${DEFINE_KINDS[kind].verb.split(' ')[0]}`,
    argv: ['bash', '-c', DEFINE_SCRIPT, 'ovfpipe-define', connectUri, boundary, DEFINE_KINDS[kind].verb, ...docs.map((v) => String(Buffer.byteLength(v.xml, 'utf8')))],
    input: docs.map((v) => v.xml).join(''),
    timeoutMs: STEP_TIMEOUT_MS.virsh + 2_000 * docs.length,
  };
}

/** Each definition's result: code 0 when virsh said it defined that name; else its frame (or, with no frame, what virsh printed before any). */
export function parseDefineSession(output: string, boundary: string, names: readonly string[], kind: DefineKind = 'domain'): StepResult[] {
  const frames = new Map<number, string>();
  const parts = output.split(new RegExp(`^${boundary} (\\d+)\\n`, 'm'));
  for (let k = 1; k + 1 < parts.length; k += 2) frames.set(Number(parts[k]), parts[k + 1]!);
  return names.map((name, i) => {
    const frame = frames.get(i);
    const id = kind === 'domain' ? 'define' : `filter:${name}`;
    if (frame === undefined) return { id, code: -1, output: (parts[0] ?? output).trim() || 'virsh ended before this definition', interrupted: true };
    const ok = frame.includes(DEFINE_KINDS[kind].success(name)) && !/^error: /m.test(frame);
    return { id, code: ok ? 0 : 1, output: frame.trim() };
  });
}
