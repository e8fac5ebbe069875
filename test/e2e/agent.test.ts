/**
 * `ovfpipe agent` end to end, through the built CLI (dist/cli/bin.js, as a
 * user runs it): runs handed to the agent print, write reports and exit as
 * they do in their own process, see the caller's environment and working
 * directory, and reuse each host's connection and remote worker (no new
 * session on the host: sshd's log) until the agent stops; a typo still
 * touches no host; a host key no longer trusted is refused, not reused.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireLibvirt, run } from './services.js';
import { requireSshd, startSshds, type SshdCluster } from './sshd.js';
import { secureWebFleetYaml } from './fleet-pipeline.js';

const live = requireSshd('agent end-to-end tests') && requireLibvirt('agent end-to-end tests');
const built = existsSync('dist/cli/bin.js');
if (live && !built && process.env['CI'] === 'true') throw new Error('dist/cli/bin.js is missing: npm test builds it first (pretest)');
const prefix = `agt${process.pid}`;
const work = mkdtempSync(join(tmpdir(), 'ovfpipe-e2e-agent-'));
const agentDir = join(work, 'agent');
const storage = `/var/lib/ovfpipe-e2e/agent-${prefix}`;
const bridge = `ovfa${process.pid % 10000}`;
let cluster: SshdCluster | undefined;
const made: Array<() => void> = [];

const env = (extra: Record<string, string> = {}) => ({ PATH: process.env['PATH']!, HOME: process.env['HOME'] ?? '/root', OVFPIPE_AGENT_DIR: agentDir, ...extra });
const cli = (args: string[], extra: Record<string, string> = {}, cwd = process.cwd()) =>
  spawnSync(process.execPath, [join(process.cwd(), 'dist/cli/bin.js'), ...args], { encoding: 'utf8', env: env(extra), cwd, timeout: 120_000 });
const sessions = (): number => (readFileSync(cluster!.hosts[0]!.log, 'utf8').match(/Starting session: command for root/g) ?? []).length;

/** A pipeline of `n` VMs of examples/secure-web on host 0; their addresses come from the caller's environment (`${env:AGENT_NET}`). */
function pipeline(file: string, n: number, extraHostKey = ''): string {
  writeFileSync(file, secureWebFleetYaml({ cluster: cluster!, storage, bridge, tenant: prefix, n, ip: (i) => `\${env:AGENT_NET}.${i + 2}`, ...(extraHostKey ? { knownHosts: extraHostKey } : {}) }));
  return file;
}

beforeAll(async () => {
  if (!live || !built) return;
  cluster = await startSshds(1);
  if (run('ip', ['link', 'show', bridge], { allowFail: true }).status !== 0) {
    run('ip', ['link', 'add', bridge, 'type', 'bridge']);
    made.push(() => run('ip', ['link', 'del', bridge], { allowFail: true }));
  }
});

afterAll(async () => {
  if (live && built) {
    cli(['destroy', join(work, 'p.yaml')], { OVFPIPE_AGENT: '0', AGENT_NET: '10.78.0' });
    cli(['agent', 'stop']);
  }
  for (const step of made.reverse()) step();
  await cluster?.stopAll();
  rmSync(work, { recursive: true, force: true });
  rmSync(storage, { recursive: true, force: true });
});

describe.skipIf(!live || !built).sequential('ovfpipe agent', () => {
  it('starts on request only, in a directory only its user may enter', () => {
    expect(cli(['agent', 'status']).status).toBe(1);
    const s = cli(['agent', 'start', '--idle', '120']);
    expect(s.status, s.stderr).toBe(0);
    expect(s.stdout).toMatch(/^agent pid \d+/);
    expect(statSync(agentDir).mode & 0o777).toBe(0o700);
    expect(cli(['agent', 'status']).stdout).toMatch(/0 run\(s\) now/);
    expect(cli(['agent', 'start', '--idle', 'x']).status).toBe(2);
  });

  it('runs apply with the caller’s environment and directory, writes its report, and keeps the host’s connection for the next run', () => {
    const file = pipeline(join(work, 'p.yaml'), 3);
    const before = sessions();
    // A relative report path: the caller's working directory, not the agent's.
    const cold = cli(['apply', 'p.yaml', '--report', 'cold.json'], { AGENT_NET: '10.78.0' }, work);
    expect(cold.status, cold.stderr).toBe(0);
    expect(cold.stderr).toMatch(/3 VM\(s\): 3 created/);
    const rep = JSON.parse(readFileSync(join(work, 'cold.json'), 'utf8'));
    expect(rep.vms.map((v: { name: string; status: string }) => [v.name, v.status])).toEqual([0, 1, 2].map((i) => [`${prefix}-w${i}`, 'created']));
    expect(sessions() - before).toBe(1);
    expect(cli(['agent', 'status']).stdout).toMatch(/1 host connection\(s\) kept/);
    // The no-op through the agent: the same connection and worker, no new session on the host.
    const again = cli(['apply', file, '--report', join(work, 'again.json')], { AGENT_NET: '10.78.0' });
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/3 VM\(s\): 3 unchanged; 0 bytes uploaded/);
    expect(sessions() - before).toBe(1);
    expect(JSON.parse(readFileSync(join(work, 'again.json'), 'utf8')).hosts[0].remoteSessions).toBe(0);
    // Without the agent the same run prints the same summary, through a session of its own.
    const direct = cli(['apply', file], { AGENT_NET: '10.78.0', OVFPIPE_AGENT: '0' });
    expect(direct.status).toBe(0);
    expect(direct.stderr.split('\n').filter((l) => /check\(s\)|VM\(s\)/.test(l))).toEqual(again.stderr.split('\n').filter((l) => /check\(s\)|VM\(s\)/.test(l)));
    expect(sessions() - before).toBe(2);
    const plan = cli(['plan', file, '--json'], { AGENT_NET: '10.78.0' });
    expect(plan.status, plan.stderr).toBe(0);
    expect(JSON.parse(plan.stdout)).toBeTruthy();
    // Re-creating within a minute: through the agent the hypervisor probe an earlier run made is not asked again
    // (one remote step fewer than the same re-creation in a process of its own).
    const recreate = (agent: boolean): number => {
      expect(cli(['destroy', file], { AGENT_NET: '10.78.0' }).status).toBe(0);
      const r = cli(['apply', file, '--report', join(work, 'recreate.json')], { AGENT_NET: '10.78.0', ...(agent ? {} : { OVFPIPE_AGENT: '0' }) });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(readFileSync(join(work, 'recreate.json'), 'utf8')).hosts[0].remoteSteps;
    };
    const alone = recreate(false);
    expect(recreate(true)).toBe(alone - 1);
  });

  it('refuses a typo as it does without the agent, touching no host', () => {
    const file = join(work, 'typo.yaml');
    writeFileSync(file, readFileSync(join(work, 'p.yaml'), 'utf8').replace('  perHost: 4', '  perHots: 4'));
    const before = sessions();
    const r = cli(['apply', file], { AGENT_NET: '10.78.0' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/typo\.yaml:\d+:\d+: .*perHots.*perHost/);
    expect(sessions()).toBe(before);
  });

  it('does not reuse a connection when the host key it was verified with is no longer trusted', () => {
    const other = join(work, 'other_known_hosts');
    // A known_hosts that pins another key for the host: a new connection is made and refused.
    const key = readFileSync(cluster!.knownHostsFile, 'utf8').replace(/(ssh-ed25519 )\S+/, '$1AAAAC3NzaC1lZDI1NTE5AAAAIJ0oI7yM8GgeSPAn4u7N1nLBFRHkxLr9o8QkYd4ho1Ez');
    writeFileSync(other, key);
    const file = pipeline(join(work, 'wrongkey.yaml'), 3, other);
    const r = cli(['apply', file], { AGENT_NET: '10.78.0' });
    expect(r.status).toBe(1);
    expect(`${r.stdout}${r.stderr}`).toMatch(/HOSTKEY|host key/i);
  });

  it('runs what it is handed to the end, stops on request, and the CLI then runs by itself', async () => {
    const child = spawn(process.execPath, [join(process.cwd(), 'dist/cli/bin.js'), 'plan', join(work, 'p.yaml')], { env: env({ AGENT_NET: '10.78.0' }), stdio: 'ignore' });
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code).toBe(0);
    const s = cli(['agent', 'stop']);
    expect(s.stdout).toMatch(/agent stopped/);
    expect(cli(['agent', 'status']).status).toBe(1);
    // With no agent the CLI runs by itself.
    const r = cli(['plan', join(work, 'p.yaml')], { AGENT_NET: '10.78.0' });
    expect(r.status, r.stderr).toBe(0);
  });
});
