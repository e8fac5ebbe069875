/**
 * The example provisioning pipeline end to end, against two real OpenSSH
 * servers on loopback (hosts A and B) sharing a real libvirtd.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { requireLibvirt, run, virsh } from './services.js';
import { testDomainType } from '../helpers/domain-type.js';
import { requireSshd, startSshds, type SshdCluster } from './sshd.js';

const live = requireSshd('pipeline end-to-end test') && requireLibvirt('pipeline end-to-end test');
const PIPELINE = 'examples/provision/pipeline.yaml';
const DOMAINS = ['acme-web', 'acme-db', 'acme-www', 'globex-www1', 'globex-www2', 'initech-web', 'initech-db'];
const work = mkdtempSync(join(tmpdir(), 'ovfpipe-e2e-pipeline-'));
const storage = `/var/lib/ovfpipe-e2e/pipeline-${process.pid}`;
let cluster: SshdCluster | undefined;
const made: Array<() => void> = [];

async function ovfpipe(...args: string[]) {
  let out = '';
  let err = '';
  const code = await main(args, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, env: process.env, cwd: process.cwd() });
  return { code, out, err };
}

beforeAll(async () => {
  if (!live) return;
  cluster = await startSshds(2);
  Object.assign(process.env, {
    OVFPIPE_HOST_A: `ssh://root@127.0.0.1:${cluster!.hosts[0]!.port}`,
    OVFPIPE_HOST_B: `ssh://root@127.0.0.1:${cluster!.hosts[1]!.port}`,
    OVFPIPE_IDENTITY: cluster!.clientKey,
    OVFPIPE_KNOWN_HOSTS: cluster!.knownHostsFile,
    OVFPIPE_STORAGE: storage,
    OVFPIPE_DOMAIN_TYPE: testDomainType(),
  });
  for (const b of ['ovfpipe-br0', 'ovfpipe-br1'])
    if (run('ip', ['link', 'show', b], { allowFail: true }).status !== 0) {
      run('ip', ['link', 'add', b, 'type', 'bridge']);
      made.push(() => run('ip', ['link', 'del', b], { allowFail: true }));
    }
  for (const d of DOMAINS) expect(run('virsh', ['-c', 'qemu:///system', 'domstate', d], { allowFail: true }).status, `${d} must not exist before the test`).not.toBe(0);
});

afterAll(async () => {
  if (live) await ovfpipe('destroy', PIPELINE);
  for (const step of made.reverse()) step();
  await cluster?.stopAll();
  for (const k of ['OVFPIPE_HOST_A', 'OVFPIPE_HOST_B', 'OVFPIPE_IDENTITY', 'OVFPIPE_KNOWN_HOSTS', 'OVFPIPE_STORAGE', 'OVFPIPE_DOMAIN_TYPE']) delete process.env[k];
  rmSync(work, { recursive: true, force: true });
  rmSync(storage, { recursive: true, force: true });
});

describe.skipIf(!live).sequential('the example provisioning pipeline', () => {
  it('plans read-only', async () => {
    const r = await ovfpipe('plan', PIPELINE, '--json');
    expect(r.code, r.err).toBe(0);
    const plan = JSON.parse(r.out);
    expect(plan.hosts).toHaveLength(2);
    expect(plan.hosts.flatMap((h: { vms: Array<{ action: string }> }) => h.vms.map((v) => v.action))).toEqual(Array(7).fill('create'));
    expect(virsh('list', '--all', '--name').stdout).not.toContain('acme-web');
  });

  it("with host B down, lands host A's VMs, exits 1 and marks B's VMs failed", async () => {
    await cluster!.stop(1);
    const report = join(work, 'r1.json');
    const r = await ovfpipe('apply', PIPELINE, '--report', report, '--junit', join(work, 'r1.xml'));
    expect(r.code).toBe(1);
    const rep = JSON.parse(readFileSync(report, 'utf8'));
    const b = process.env['OVFPIPE_HOST_B'];
    const onB = rep.vms.filter((v: { host: string }) => v.host === b);
    expect(onB.length).toBeGreaterThan(0);
    expect(onB.every((v: { status: string }) => v.status === 'failed')).toBe(true);
    const onA = rep.vms.filter((v: { host: string }) => v.host !== b);
    expect(onA.every((v: { status: string }) => v.status === 'created')).toBe(true);
    expect(onA.length + onB.length).toBe(7);
    expect(readFileSync(join(work, 'r1.xml'), 'utf8')).toContain('<failure');
  });

  it('with B back, converges with no failures', async () => {
    await cluster!.start(1);
    const r = await ovfpipe('apply', PIPELINE, '--json');
    expect(r.code, r.err).toBe(0);
    const rep = JSON.parse(r.out);
    expect(rep.vms.filter((v: { status: string }) => v.status === 'failed')).toEqual([]);
    const names = virsh('list', '--all', '--name').stdout;
    for (const d of DOMAINS) expect(names).toContain(d);
  });

  it('a third apply changes nothing and sends nothing', async () => {
    const r = await ovfpipe('apply', PIPELINE, '--json');
    expect(r.code, r.err).toBe(0);
    const rep = JSON.parse(r.out);
    expect(rep.vms).toHaveLength(7);
    expect(rep.vms.every((v: { status: string }) => v.status === 'unchanged')).toBe(true);
    expect(rep.bytesUploaded).toBe(0);
  });

  it('shards split the hosts disjointly and their reports merge', async () => {
    const a = join(work, 's1.json');
    const b = join(work, 's2.json');
    expect((await ovfpipe('apply', PIPELINE, '--shard', '1/2', '--report', a)).code).toBe(0);
    expect((await ovfpipe('apply', PIPELINE, '--shard', '2/2', '--report', b)).code).toBe(0);
    const ra = JSON.parse(readFileSync(a, 'utf8'));
    const rb = JSON.parse(readFileSync(b, 'utf8'));
    expect(ra.hosts.map((h: { host: string }) => h.host)).not.toEqual(expect.arrayContaining(rb.hosts.map((h: { host: string }) => h.host)));
    const merged = join(work, 'merged.json');
    expect((await ovfpipe('report', 'merge', a, b, '-o', merged)).code).toBe(0);
    expect(JSON.parse(readFileSync(merged, 'utf8')).vms).toHaveLength(7);
  });

  it("destroy leaves none of the pipeline's domains", async () => {
    const r = await ovfpipe('destroy', PIPELINE);
    expect(r.code, r.err).toBe(0);
    const names = virsh('list', '--all', '--name').stdout.split('\n');
    for (const d of DOMAINS) expect(names).not.toContain(d);
    expect(virsh('nwfilter-list').stdout).not.toMatch(/acme-|globex-|initech-/);
  });
});
