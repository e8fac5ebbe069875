/**
 * The persistent remote worker (src/deploy/ssh/worker.ts) against real
 * OpenSSH servers on loopback and the real libvirtd: every exec of a
 * connection goes through one session, counted from sshd's own log
 * ("Starting session: command …", LogLevel VERBOSE) and from the transport
 * and the run report; an apply of 2 VMs and one of 6 open the same number
 * of sessions on the host.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSsh, type SshTransport } from '../../src/deploy/ssh/ssh-transport.js';
import { runCli } from '../helpers/cli.js';
import { rejection } from '../helpers/rejection.js';
import { requireLibvirt, run } from './services.js';
import { requireSshd, startSshds, type SshdCluster } from './sshd.js';
import { secureWebFleetYaml } from './fleet-pipeline.js';

const live = requireSshd('remote worker end-to-end tests') && requireLibvirt('remote worker end-to-end tests');
const prefix = `i19a${process.pid}`;
const work = mkdtempSync(join(tmpdir(), 'ovfpipe-e2e-worker-'));
const storage = `/var/lib/ovfpipe-e2e/worker-${prefix}`;
const bridge = `ovfw${process.pid % 10000}`;
let cluster: SshdCluster | undefined;
const made: Array<() => void> = [];
const pipelines: string[] = [];

/** Exec sessions sshd started on host i so far, from its log. */
const sessions = (i: number): number => (readFileSync(cluster!.hosts[i]!.log, 'utf8').match(/Starting session: command for root/g) ?? []).length;

beforeAll(async () => {
  if (!live) return;
  cluster = await startSshds(2);
  if (run('ip', ['link', 'show', bridge], { allowFail: true }).status !== 0) {
    run('ip', ['link', 'add', bridge, 'type', 'bridge']);
    made.push(() => run('ip', ['link', 'del', bridge], { allowFail: true }));
  }
});

afterAll(async () => {
  if (live) for (const p of pipelines) await runCli(['destroy', p]);
  for (const step of made.reverse()) step();
  await cluster?.stopAll();
  rmSync(work, { recursive: true, force: true });
  rmSync(storage, { recursive: true, force: true });
});

describe.skipIf(!live).sequential('one remote worker per connection', () => {
  const open: SshTransport[] = [];
  afterAll(async () => {
    for (const t of open) await t.close();
  });

  it('runs every exec of a connection in one session, sequential or concurrent', async () => {
    const before = sessions(0);
    const t = await connectSsh(cluster!.target(0));
    open.push(t);
    for (let i = 0; i < 10; i++) expect((await t.exec(['echo', String(i)])).stdout).toBe(`${i}\n`);
    const many = await Promise.all(Array.from({ length: 30 }, (_, i) => t.exec(['sh', '-c', 'echo "$1:$PPID"', 'x', String(i)])));
    expect(many.map((r) => Number(r.stdout.split(':')[0]))).toEqual(Array.from({ length: 30 }, (_, i) => i));
    // stdin travels with the command, binary-safe and exact
    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) % 256));
    expect((await t.exec(['sha256sum'], { stdin: bytes })).stdout.slice(0, 64)).toBe((await import('node:crypto')).createHash('sha256').update(bytes).digest('hex'));
    expect(t.usage()).toEqual({ sessions: 1, steps: 41 });
    expect(sessions(0) - before).toBe(1);
  });

  it('falls back to one session per exec when the worker is off, and says so', async () => {
    const before = sessions(0);
    const t = await connectSsh(cluster!.target(0), { worker: false });
    open.push(t);
    for (let i = 0; i < 5; i++) await t.exec(['true']);
    expect(t.usage()).toEqual({ sessions: 5, steps: 0, worker: 'disabled' });
    expect(sessions(0) - before).toBe(5);
  });

  it('fails what runs when the host goes down, and the next connection starts a new worker', async () => {
    const t = await connectSsh(cluster!.target(1));
    open.push(t);
    expect((await t.exec(['true'])).code).toBe(0);
    // The rejection is awaited from the start: it may come while the sshd is being stopped (an unhandled rejection otherwise).
    const running = rejection(t.exec(['sleep', '30']));
    await new Promise((r) => setTimeout(r, 300));
    await cluster!.stop(1);
    const err = await running;
    expect(err.code).toBe('OVFPIPE_SSH_CONNECT');
    await cluster!.start(1);
    const again = await connectSsh(cluster!.target(1));
    open.push(again);
    expect((await again.exec(['echo', 'back'])).stdout).toBe('back\n');
  });

  it('falls back to one session per exec on a host where the worker cannot start (no usable TMPDIR)', async () => {
    const odd = await startSshds(1, { config: ['SetEnv TMPDIR=/nonexistent-ovfpipe-tmpdir'] });
    try {
      const t = await connectSsh(odd!.target(0));
      open.push(t);
      expect((await t.exec(['echo', 'one'])).stdout).toBe('one\n');
      expect((await t.exec(['echo', 'two'])).stdout).toBe('two\n');
      const u = t.usage();
      expect(u.worker).toMatch(/the remote worker could not start/);
      // the failed worker, then one session per exec
      expect(u.sessions).toBe(3);
      expect((readFileSync(odd!.hosts[0]!.log, 'utf8').match(/Starting session: command for root/g) ?? []).length).toBe(3);
    } finally {
      await odd?.stopAll();
    }
  });

  /** A pipeline of `n` VMs of examples/secure-web, one deployment each, on host 0, with its own storage root (so each run uploads the image once). */
  function pipeline(tag: string, n: number): string {
    const file = join(work, `${tag}.yaml`);
    const text = secureWebFleetYaml({
      cluster: cluster!,
      storage: `${storage}/${tag}`,
      bridge,
      tenant: `${prefix}${tag}`,
      n,
      ip: (i) => `10.77.0.${i + 2}`,
      defaults: ['  start: false'],
      stages: '[lint, verify, render, deploy]',
    });
    writeFileSync(file, text);
    pipelines.push(file);
    return file;
  }

  it('opens as many sessions for 6 VMs as for 2, by sshd log and by the report', async () => {
    const counts: Array<{ vms: number; log: number; report: number; steps: number }> = [];
    for (const [tag, n] of [
      ['a', 2],
      ['b', 6],
    ] as const) {
      const before = sessions(0);
      const report = join(work, `${tag}.json`);
      const r = await runCli(['apply', pipeline(tag, n), '--report', report]);
      expect(r.code, r.err).toBe(0);
      const rep = JSON.parse(readFileSync(report, 'utf8'));
      expect(rep.vms.map((v: { status: string }) => v.status)).toEqual(Array(n).fill('created'));
      const host = rep.hosts[0];
      counts.push({ vms: n, log: sessions(0) - before, report: host.remoteSessions, steps: host.remoteSteps });
    }
    const [two, six] = counts;
    // The worker alone: the example's 128 KiB image is under SMALL_PUT_BYTES, so its upload runs in the worker
    // too (a larger image streams on a session of its own: test/e2e/ssh-put.test.ts).
    expect(two!.report).toBe(1);
    expect(six!.report).toBe(two!.report);
    expect(two!.log).toBe(two!.report);
    expect(six!.log).toBe(six!.report);
    // The work itself went through the worker: its own count of commands. Since the VMs of a host are
    // batched (issue 19 part B: directories and ISOs, overlays, definitions), that count is constant too.
    expect(two!.steps).toBeGreaterThan(2);
    expect(six!.steps).toBe(two!.steps);
  });
});
