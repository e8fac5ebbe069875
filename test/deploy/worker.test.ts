/**
 * The remote worker's protocol (src/deploy/ssh/worker.ts) with the real
 * script run by the local dash and bash as a child process: the same bytes
 * an sshd exec channel would carry, without the network (the round trip
 * through sshd is in test/e2e/ssh-worker.test.ts).
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RemoteWorker, WORKER_SCRIPT, type WorkerChannel } from '../../src/deploy/ssh/worker.js';
import { rejection } from '../helpers/rejection.js';

const SHELLS = ['/bin/sh', '/bin/bash'].filter((s) => existsSync(s));
const tmp = mkdtempSync(join(tmpdir(), 'ovfpipe-worker-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Starts the worker script under `shell`, stdio as its channel; `junk` is printed first, as a chatty rc file would. */
function startWorker(shell: string, junk = ''): { worker: RemoteWorker; ended: Promise<Error>; pid: number; dir: string; stdin: NodeJS.WritableStream } {
  const nonce = RemoteWorker.nonce();
  const dir = mkdtempSync(join(tmp, 'w-'));
  const script = junk ? `printf '%s' '${junk}'\n${WORKER_SCRIPT}` : WORKER_SCRIPT;
  const child = spawn(shell, ['-c', script, 'ovfpipe-worker', nonce], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', TMPDIR: dir, HOME: '/nonexistent-home', SHLVL: '2' },
    detached: true,
  });
  const channel = {
    write: (b: Buffer) => child.stdin.write(b),
    end: () => child.stdin.end(),
    destroy: () => child.kill('SIGKILL'),
    on: (event: string, listener: (...a: never[]) => void) => {
      if (event === 'data') child.stdout.on('data', listener);
      else if (event === 'close') child.on('close', listener);
      else child.on(event, listener);
      return channel;
    },
    stderr: child.stderr,
  } as unknown as WorkerChannel;
  let ended!: (e: Error) => void;
  const done = new Promise<Error>((r) => (ended = r));
  return { worker: new RemoteWorker(channel, 'local-worker', nonce, ended), ended: done, pid: child.pid!, dir, stdin: child.stdin };
}

const random = (n: number): string => Array.from(randomBytes(n), (b) => String.fromCharCode(b % 2 === 0 ? 32 + (b % 95) : [10, 9, 39, 34, 92, 36, 96, 0x263a, 0xe9, 33][b % 10]!)).join('');

describe.each(SHELLS)('remote worker under %s', (shell) => {
  it('skips what the login shell printed first, runs many commands at once and frames each by id', async () => {
    const { worker, ended, dir } = startWorker(shell, 'Welcome! ovfpipe-0 1 0 0 0 0\\n');
    await worker.ready(10_000);
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => worker.run(['sh', '-c', 'sleep 0.0$(($1 % 7)); echo "out $1"; echo "err $1" >&2; exit $(($1 % 3))', 'x', String(i)], { allowFailure: true })),
    );
    expect(results).toEqual(Array.from({ length: 30 }, (_, i) => ({ code: i % 3, stdout: `out ${i}\n`, stderr: `err ${i}\n` })));
    expect(worker.steps).toBe(30);
    worker.close();
    expect((await ended).message).toMatch(/worker ended/);
    expect(readdirSync(dir)).toEqual([]); // its private directory is gone
  });

  it('passes 300 random argvs byte for byte, and runs none of their metacharacters', async () => {
    const { worker } = startWorker(shell);
    const pwned = join(tmp, `pwned-${process.pid}`);
    const argvs = Array.from({ length: 300 }, (_, i) => [random(i % 40), `$(touch ${pwned})`, `'; touch ${pwned}; '`, random(7), '', 'A=b', '-n']);
    const results = await Promise.all(argvs.map((argv) => worker.run(['printf', '%s\\0', ...argv])));
    results.forEach((r, i) => expect(r.stdout.split('\0').slice(0, -1)).toEqual(argvs[i]));
    expect(existsSync(pwned)).toBe(false);
    // argv[0] is always a program: neither an assignment nor a builtin of the worker's shell.
    expect((await worker.run(['A=b'], { allowFailure: true })).code).toBe(127);
    expect((await worker.run(['exit', '0'], { allowFailure: true })).code).toBe(127);
    expect((await worker.run(['echo', 'still there'])).stdout).toBe('still there\n');
    worker.close();
  });

  it('keeps binary stdin of any length exact, so the next request starts where it should', async () => {
    const { worker } = startWorker(shell);
    const sizes = [0, 1, 65535, 65536, 65537, 1 << 20, (3 << 20) + 5];
    const inputs = sizes.map((n) => randomBytes(n));
    const sums = await Promise.all(inputs.map((b) => worker.run(['sha256sum'], { stdin: b })));
    sums.forEach((r, i) => expect(r.stdout.split(' ')[0]).toBe(createHash('sha256').update(inputs[i]!).digest('hex')));
    const text = 'line one\nline two\n\u00e9\u263a\n';
    expect((await worker.run(['cat'], { stdin: text })).stdout).toBe(text);
    const big = await worker.run(['head', '-c', String(5 << 20), '/dev/zero']);
    expect(big.stdout.length).toBe(5 << 20);
    worker.close();
  });

  it('fails a command that times out by name, kills it, fails output beyond the bound, and goes on', async () => {
    const { worker } = startWorker(shell);
    const marker = `ovfpipe-worker-timeout-${process.pid}`;
    const err = await rejection(worker.run(['bash', '-c', `exec -a ${marker} sleep 30`], { timeoutMs: 300 }));
    expect(err.code).toBe('OVFPIPE_REMOTE');
    expect(err.message).toMatch(/timed out after 300 ms; killed/);
    expect((await worker.run(['pgrep', '-f', `^${marker}`], { allowFailure: true })).stdout).toBe('');
    const big = await rejection(worker.run(['head', '-c', '2000000', '/dev/zero'], { maxOutputBytes: 1 << 20 }));
    expect(big.code).toBe('OVFPIPE_LIMIT');
    const failed = await rejection(worker.run(['sh', '-c', 'echo boom >&2; exit 3']));
    expect(failed.code).toBe('OVFPIPE_REMOTE');
    expect(failed.message).toMatch(/exited with 3: boom/);
    expect((await worker.run(['echo', 'ok'])).stdout).toBe('ok\n');
    worker.close();
  });

  it('fails what is in flight when the worker dies, and refuses new work', async () => {
    const { worker, ended, pid } = startWorker(shell);
    await worker.ready(10_000);
    const running = worker.run(['sleep', '20']);
    await new Promise((r) => setTimeout(r, 200));
    process.kill(-pid, 'SIGKILL'); // the worker and everything it started, as when the host goes down
    const err = await rejection(running);
    expect(err.code).toBe('OVFPIPE_SSH_CONNECT');
    expect(err.message).toMatch(/worker ended/);
    await ended;
    expect(worker.alive).toBe(false);
    expect((await rejection(worker.run(['true']))).code).toBe('OVFPIPE_SSH_CONNECT');
  });

  it('sends exactly the output a command had when it ended, even if a process it left behind goes on writing', async () => {
    const { worker } = startWorker(shell);
    const r = await worker.run(['sh', '-c', 'echo first; (i=0; while [ $i -lt 100 ]; do echo late; echo late >&2; sleep 0.01; i=$((i+1)); done) & sleep 0.1']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^first\n(late\n)*$/);
    expect(r.stderr).toMatch(/^(late\n)*$/);
    await new Promise((res) => setTimeout(res, 1500));
    expect((await worker.run(['echo', 'in step'])).stdout).toBe('in step\n');
    worker.close();
  });

  it('stops, running nothing, at a request without its nonce (a stream out of step)', async () => {
    const { worker, ended, stdin } = startWorker(shell);
    await worker.ready(10_000);
    const pwned = join(tmp, `forged-${process.pid}`);
    const cmd = `set -- touch ${pwned}`;
    stdin.write(`${'0'.repeat(32)} 1 0 0 ${cmd.length}\n${cmd}`);
    expect((await ended).message).toMatch(/without the nonce; stopped/);
    expect(existsSync(pwned)).toBe(false);
  });
});
