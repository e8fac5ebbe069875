/**
 * The step runner's script and framing, run by the local bash (the same argv
 * an sshd would run; test/e2e/step-runner.test.ts runs it over a real sshd).
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseStepFrames, runSteps, StepFailedError, StepRunner } from '../../src/deploy/step-runner.js';
import type { RemoteStep } from '../../src/deploy/steps.js';
import type { ExecOptions, ExecResult, Transport } from '../../src/deploy/transport.js';

/** Runs the argv here, as the remote side would (no shell in between: argv words stay words). */
function localExec(log: string[][] = []): Pick<Transport, 'exec'> {
  return {
    exec: async (argv: readonly string[], opts?: ExecOptions): Promise<ExecResult> => {
      log.push([...argv]);
      const r = spawnSync(argv[0]!, argv.slice(1), { input: opts?.stdin ?? '', encoding: 'utf8', timeout: opts?.timeoutMs });
      return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    },
  };
}

const step = (id: string, argv: string[], extra: Partial<RemoteStep> = {}): RemoteStep => ({ id, argv, timeoutMs: 10_000, ...extra });

describe('the step runner script', () => {
  it('frames each step with its id and exit status, one exec for the list', async () => {
    const log: string[][] = [];
    const r = await runSteps(localExec(log), [step('a', ['printf', 'x']), step('overlay:web disk.qcow2', ['sh', '-c', 'echo e >&2; exit 2']), step('c', ['echo', 'c'])], {
      name: 'ovfpipe-x',
      stopOnFailure: false,
    });
    expect(log).toHaveLength(1);
    expect(r).toEqual([
      { id: 'a', code: 0, output: 'x' },
      { id: 'overlay:web disk.qcow2', code: 2, output: 'e\n' },
      { id: 'c', code: 0, output: 'c\n' },
    ]);
  });

  it('stops a sequence at the first failure; the failure is known by id, not by what stderr says', async () => {
    const e = (await new StepRunner(localExec())
      .run('ovfpipe-x', [step('define', ['sh', '-c', 'echo "ovfpipe-step start" >&2; exit 1'], { label: 'virsh define' }), step('start', ['true'])])
      .catch((x: unknown) => x)) as StepFailedError;
    expect(e).toBeInstanceOf(StepFailedError);
    expect([e.step.id, e.result.code, e.message]).toEqual(['define', 1, 'virsh define: ovfpipe-step start']);
  });

  it('gives the exec stdin to the one step with input, and refuses two', async () => {
    const r = await runSteps(localExec(), [step('a', ['cat']), step('b', ['cat'], { input: '<domain/>' })], { name: 'x', stopOnFailure: true });
    expect(r.map((x) => x.output)).toEqual(['', '<domain/>']);
    await expect(runSteps(localExec(), [step('a', ['cat'], { input: '1' }), step('b', ['cat'], { input: '2' })], { name: 'x', stopOnFailure: true })).rejects.toThrow(/one round trip has one/);
  });

  it('a step that outlives its timeout is killed and reported by id', async () => {
    const e = (await new StepRunner(localExec()).run('x', [step('slow', ['sleep', '20'], { timeoutMs: 300 })]).catch((x: unknown) => x)) as StepFailedError;
    expect([e.step.id, e.result.code, e.message]).toEqual(['slow', 124, 'slow: exit 124 (timed out after 0.3 s)']);
  });
});

describe('parseStepFrames', () => {
  const B = 'ovfpipe-0123';
  it('reports the step the script died in as interrupted, with what it printed', () => {
    expect(parseStepFrames(`${B} 0 a\nok\n${B} 0 0\n${B} 1 b\npartial`, B, ['a', 'b', 'c'])).toEqual([
      { id: 'a', code: 0, output: 'ok' },
      { id: 'b', code: -1, output: 'partial', interrupted: true },
    ]);
  });
  it('does not take a frame with another id for the step', () => {
    expect(parseStepFrames(`${B} 0 other\n\n${B} 0 0\n`, B, ['a'])).toEqual([]);
  });
});

describe('StepRunner', () => {
  it('counts a step the script never reached (it ended early) as failed, and undoes what came before', async () => {
    const calls: string[][] = [];
    const t: Pick<Transport, 'exec'> = {
      exec: async (argv) => {
        calls.push([...argv]);
        if (argv[3] === 'ovfpipe-rollback') return { code: 0, stdout: `${argv[4]} 0 undo:a\n\n${argv[4]} 0 0\n`, stderr: '' };
        return { code: 137, stdout: `${argv[4]} 0 a\n\n${argv[4]} 0 0\n`, stderr: 'Killed' };
      },
    };
    const runner = new StepRunner(t);
    await expect(runner.run('ovfpipe-x', [step('a', ['true'], { undo: [step('undo:a', ['rm', 'a'])] }), step('b', ['true'])])).rejects.toThrow(/^b: Killed$/);
    expect(await runner.rollback()).toEqual([]);
    expect(calls.map((c) => c[3])).toEqual(['ovfpipe-x', 'ovfpipe-rollback']);
    expect(calls[1]!.slice(6)).toEqual(['2', 'undo:a', '10.000s', '0', 'rm', 'a']);
  });
});
