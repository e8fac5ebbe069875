/**
 * The step runner against a real sshd: a list of steps is one exec, each
 * step's result comes back framed with its id and exit status, the failing
 * step is known by its id (not from stderr), a step's timeout kills only that
 * step, and a rollback runs the undo steps of what succeeded, last first.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSteps, StepFailedError, StepRunner } from '../../src/deploy/step-runner.js';
import type { RemoteStep } from '../../src/deploy/steps.js';
import { connectSsh, type SshTransport } from '../../src/deploy/ssh/ssh-transport.js';
import type { Transport } from '../../src/deploy/transport.js';
import { type SshdCluster, startSshds } from './sshd.js';

const cluster: SshdCluster | undefined = await startSshds(1);
const work = mkdtempSync(join(tmpdir(), 'ovfpipe-e2e-steps-'));

/** Counts the round trips (execs) made through a transport. */
function counting(t: Transport): { t: Pick<Transport, 'exec'>; execs: string[][] } {
  const execs: string[][] = [];
  return { execs, t: { exec: (argv, opts) => (execs.push([...argv]), t.exec(argv, opts)) } };
}

const step = (id: string, argv: string[], extra: Partial<RemoteStep> = {}): RemoteStep => ({ id, argv, timeoutMs: 10_000, ...extra });

describe.skipIf(!cluster)('remote steps over a real sshd', () => {
  let t: SshTransport | undefined;
  const transport = async () => (t ??= await connectSsh(cluster!.target(0)));
  afterAll(async () => {
    await t?.close();
    await cluster?.stopAll();
    rmSync(work, { recursive: true, force: true });
  });

  it('runs a list of steps in one exec and returns each one framed with its id, exit status and output', async () => {
    const canary = join(work, 'pwned');
    const { t: c, execs } = counting(await transport());
    const r = await runSteps(
      c,
      [
        step('a', ['printf', '%s', 'no newline']),
        step('b', ['sh', '-c', 'echo out; echo err >&2']),
        step('c', ['echo', `$(touch ${canary}) \`touch ${canary}\` 'q' \n B 0 0`]),
        step('d', ['sh', '-c', 'exit 3']),
      ],
      { name: 'ovfpipe-test', stopOnFailure: false },
    );
    expect(execs).toHaveLength(1);
    expect(execs[0]!.slice(0, 4)).toEqual(['bash', '-c', expect.any(String), 'ovfpipe-test']);
    expect(r).toEqual([
      { id: 'a', code: 0, output: 'no newline' },
      { id: 'b', code: 0, output: 'out\nerr\n' },
      { id: 'c', code: 0, output: `$(touch ${canary}) \`touch ${canary}\` 'q' \n B 0 0\n` },
      { id: 'd', code: 3, output: '' },
    ]);
    expect(existsSync(canary)).toBe(false);
  });

  it('stops a sequence at the first failing step and names it by id; only that step reads stdin', async () => {
    const file = join(work, 'from-stdin');
    const runner = new StepRunner(await transport());
    const failure = await runner
      .run('ovfpipe-test', [
        step('write', ['sh', '-c', 'cat > "$1"', 'x', file], { input: 'domain xml\n' }),
        step('read-null', ['cat']),
        step('fail', ['sh', '-c', 'echo "ovfpipe-step define" >&2; exit 7']),
        step('never', ['touch', join(work, 'never')]),
      ])
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(StepFailedError);
    expect((failure as StepFailedError).step.id).toBe('fail');
    expect((failure as StepFailedError).result).toEqual({ id: 'fail', code: 7, output: 'ovfpipe-step define\n' });
    expect((failure as StepFailedError).message).toBe('fail: ovfpipe-step define');
    expect(readFileSync(file, 'utf8')).toBe('domain xml\n');
    expect(existsSync(join(work, 'never'))).toBe(false);
  });

  it('kills a step at its timeout, reports that step, and the exec still returns', async () => {
    const started = Date.now();
    const e = (await new StepRunner(await transport())
      .run('ovfpipe-test', [step('quick', ['true']), step('wedged', ['sleep', '30'], { timeoutMs: 1_000, label: 'virsh define' })])
      .catch((x: unknown) => x)) as StepFailedError;
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(e.step.id).toBe('wedged');
    expect(e.result.code).toBe(124);
    expect(e.message).toBe('virsh define: exit 124 (timed out after 1 s)');
  });

  it('rolls back in one round trip: the undo steps of the steps that succeeded, last first; a failed step is undone only if it owns its output', async () => {
    const log = join(work, 'undo.log');
    writeFileSync(log, '');
    const note = (id: string, mayFail = false): RemoteStep => step(`undo:${id}`, ['sh', '-c', `echo ${id} >> "$1"${mayFail ? '; exit 1' : ''}`, 'x', log], { mayFail });
    const { t: c, execs } = counting(await transport());
    const runner = new StepRunner(c);
    runner.record({ id: 'iso', argv: [], timeoutMs: 0, undo: [note('iso')] });
    await runner.run('ovfpipe-test', [step('one', ['true'], { undo: [note('one')] })]);
    await expect(
      runner.run('ovfpipe-test', [
        step('two', ['true'], { undo: [note('two-stop', true), note('two')] }),
        step('tmp', ['false'], { undoOnFailure: true, undo: [note('tmp')] }),
        step('three', ['true'], { undo: [note('three')] }),
      ]),
    ).rejects.toThrow(/^tmp: exit 1$/);
    const before = execs.length;
    expect(await runner.rollback()).toEqual([]);
    expect(execs.length - before).toBe(1);
    expect(readFileSync(log, 'utf8')).toBe('tmp\ntwo-stop\ntwo\none\niso\n');
    // A second rollback has nothing left to undo.
    expect(await runner.rollback()).toEqual([]);
    expect(execs.length - before).toBe(1);
  });

  it('reports an undo step that fails (unless it may), and runs the others anyway', async () => {
    const runner = new StepRunner(await transport());
    await runner.run('ovfpipe-test', [
      step('a', ['true'], { undo: [step('undo:a', ['sh', '-c', 'echo cannot >&2; exit 2'], { label: 'removing a' })] }),
      step('b', ['true'], { undo: [step('undo:b', ['true'])] }),
    ]);
    expect(await runner.rollback()).toEqual(['removing a: cannot']);
  });
});
