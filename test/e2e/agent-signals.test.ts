/**
 * Signals through `ovfpipe agent`: SIGINT to the CLI that handed an apply to
 * the agent stops the run there as it stops a run in its own process (exit
 * 130, the report written with `interrupted`, no domain half-defined, the
 * upload's partial kept); a caller killed outright stops its run as SIGTERM
 * would, and the agent serves the next run, which resumes and converges.
 * Real sshd, real libvirtd, the built CLI.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bigWebPackage, type BigPackage } from './big-package.js';
import { bigPipelineYaml, cliChild, partialSize, signalAtPartial } from './interrupted-runs.js';
import { requireLibvirt, run } from './services.js';
import { requireSshd, startSshds, type SshdCluster } from './sshd.js';

const live = requireSshd('agent signal tests') && requireLibvirt('agent signal tests');
const built = existsSync('dist/cli/bin.js');
if (live && !built && process.env['CI'] === 'true') throw new Error('dist/cli/bin.js is missing: npm test builds it first (pretest)');
const MiB = 1 << 20;
const tag = `agsig${process.pid}`;
const domain = `${tag}-web`;
const netName = `ovfpipe-${tag}`;
const storage = `/var/lib/ovfpipe-e2e/${tag}`;
const work = mkdtempSync(join(tmpdir(), 'ovfpipe-e2e-agent-sig-'));
const agentDir = join(work, 'agent');
const pipelineFile = join(work, 'pipeline.yaml');
let cluster: SshdCluster | undefined;
let pkg: BigPackage | undefined;

const env = { PATH: process.env['PATH']!, HOME: process.env['HOME'] ?? '/root', OVFPIPE_AGENT_DIR: agentDir };
const bin = join(process.cwd(), 'dist/cli/bin.js');
const cli = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env, timeout: 120_000 });
const defined = (name: string) => run('virsh', ['-c', 'qemu:///system', 'dominfo', name], { allowFail: true }).status === 0;
/** `apply` through the agent, as a child the test can signal. */
const applyChild = (report: string) => cliChild(['apply', pipelineFile, '--report', report], env);

beforeAll(async () => {
  if (!live || !built) return;
  cluster = await startSshds(1, { plainShell: true });
  pkg = await bigWebPackage(work, 160);
  writeFileSync(join(work, 'net.xml'), `<network><name>${netName}</name><bridge name='ovfas${process.pid % 100000}'/></network>`);
  run('virsh', ['-c', 'qemu:///system', 'net-define', join(work, 'net.xml')]);
  writeFileSync(pipelineFile, bigPipelineYaml({ pkgDir: pkg.dir, cluster: cluster!, storage, netName, tenants: [{ name: tag, ip: '10.0.0.5' }], stages: '[render, deploy]' }));
  const s = cli(['agent', 'start', '--idle', '300']);
  if (s.status !== 0) throw new Error(`agent start: ${s.stderr}`);
}, 180_000);

afterAll(async () => {
  if (live && built && pkg) {
    cli(['destroy', pipelineFile]);
    cli(['agent', 'stop']);
  }
  run('virsh', ['-c', 'qemu:///system', 'undefine', domain], { allowFail: true });
  run('virsh', ['-c', 'qemu:///system', 'net-undefine', netName], { allowFail: true });
  await cluster?.stopAll();
  rmSync(work, { recursive: true, force: true });
  rmSync(storage, { recursive: true, force: true });
});

describe.skipIf(!live || !built).sequential('signals through ovfpipe agent', () => {
  it('SIGINT to the caller stops the run in the agent: exit 130, the report says interrupted, nothing half-defined, the partial kept', async () => {
    const first = applyChild(join(work, 'r1.json'));
    const signalled = await signalAtPartial(first.child, storage, 8 * MiB, 'SIGINT');
    const r1 = await first.done;
    expect(signalled, r1.stderr).toBe(true);
    expect(r1.code, r1.stderr).toBe(130);
    expect(r1.stderr).toMatch(/SIGINT: stopping|interrupted/);
    const rep = JSON.parse(readFileSync(join(work, 'r1.json'), 'utf8')) as { interrupted?: string; vms: Array<{ name: string; status: string }> };
    expect(rep.interrupted).toBe('SIGINT');
    expect(rep.vms.map((v) => [v.name, v.status])).toEqual([[domain, 'failed']]);
    expect(defined(domain)).toBe(false);
    expect(partialSize(storage)).toBeGreaterThan(0);
    expect(cli(['agent', 'status']).stdout).toMatch(/0 run\(s\) now/);
  });

  it('a caller killed outright stops its run as SIGTERM would; the agent serves the next run, which resumes and converges', async () => {
    const second = applyChild(join(work, 'r2.json'));
    const before = partialSize(storage);
    const killed = await signalAtPartial(second.child, storage, before + 8 * MiB, 'SIGKILL');
    const r2 = await second.done;
    expect(killed, r2.stderr).toBe(true);
    expect(r2.signal).toBe('SIGKILL');
    // The run in the agent stops (no domain, partial kept) and the agent is free again.
    for (let i = 0; i < 500 && !/0 run\(s\) now/.test(cli(['agent', 'status']).stdout); i++) await new Promise((r) => setTimeout(r, 20));
    expect(cli(['agent', 'status']).stdout).toMatch(/0 run\(s\) now/);
    expect(defined(domain)).toBe(false);
    const third = applyChild(join(work, 'r3.json'));
    const r3 = await third.done;
    expect(r3.code, r3.stderr).toBe(0);
    const rep = JSON.parse(readFileSync(join(work, 'r3.json'), 'utf8')) as { vms: Array<{ name: string; status: string }>; hosts: Array<{ resumed?: Array<{ resumedAt: number }> }> };
    expect(rep.vms.map((v) => [v.name, v.status])).toEqual([[domain, 'created']]);
    expect(rep.hosts[0]!.resumed?.[0]?.resumedAt).toBeGreaterThan(0);
    expect(defined(domain)).toBe(true);
  });
});
