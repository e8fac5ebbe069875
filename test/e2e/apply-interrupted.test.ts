/**
 * SIGINT to `ovfpipe apply` (a pipeline run) while the image streams: exit
 * 130, the run report written (`interrupted`), no domain half-defined on the
 * host, nothing half-made left in the store; the next apply resumes the
 * upload and converges, and the one after changes nothing. Real sshd, real
 * libvirtd, the real CLI process (bin.ts turns the signal into the abort).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PARTIAL_MARKER } from '../../src/deploy/ssh/put.js';
import { bigWebPackage, type BigPackage } from './big-package.js';
import { bigPipelineYaml, cliChild, partialSize, signalAtPartial } from './interrupted-runs.js';
import { requireLibvirt, run } from './services.js';
import { requireSshd, startSshds, type SshdCluster } from './sshd.js';

const live = requireSshd('interrupted apply test') && requireLibvirt('interrupted apply test');
const MiB = 1 << 20;
const tag = `i17bai${process.pid}`;
const tenants = [`${tag}a`, `${tag}b`];
const domains = tenants.map((t) => `${t}-web`);
const netName = `ovfpipe-${tag}`;
const storage = `/var/lib/ovfpipe-e2e/${tag}`;
const work = mkdtempSync(join(tmpdir(), 'ovfpipe-e2e-apply-int-'));
const pipelineFile = join(work, 'pipeline.yaml');
let cluster: SshdCluster | undefined;
let pkg: BigPackage | undefined;

const defined = (name: string) => run('virsh', ['-c', 'qemu:///system', 'dominfo', name], { allowFail: true }).status === 0;

beforeAll(async () => {
  if (!live) return;
  cluster = await startSshds(1, { plainShell: true });
  pkg = await bigWebPackage(work, 192);
  writeFileSync(join(work, 'net.xml'), `<network><name>${netName}</name><bridge name='ovfai${process.pid % 100000}'/></network>`);
  run('virsh', ['-c', 'qemu:///system', 'net-define', join(work, 'net.xml')]);
  // Two tenants on one host, both waiting for the one image: a signal mid-upload must leave neither half-defined.
  writeFileSync(
    pipelineFile,
    bigPipelineYaml({ pkgDir: pkg.dir, cluster: cluster!, storage, netName, tenants: tenants.map((t, i) => ({ name: t, ip: `10.0.0.${5 + i}` })), perHost: 2, stages: '[verify, render, deploy]' }),
  );
}, 180_000);

afterAll(async () => {
  if (live && pkg) spawnSyncApply(['destroy', pipelineFile]);
  for (const d of domains) run('virsh', ['-c', 'qemu:///system', 'undefine', d], { allowFail: true });
  run('virsh', ['-c', 'qemu:///system', 'net-undefine', netName], { allowFail: true });
  await cluster?.stopAll();
  rmSync(work, { recursive: true, force: true });
  rmSync(storage, { recursive: true, force: true });
});

function spawnSyncApply(args: string[]) {
  return run(process.execPath, ['dist/cli/bin.js', ...args], { allowFail: true, timeoutMs: 120_000 });
}

const cli = (args: string[]) => cliChild(args);

interface Report {
  interrupted?: string;
  bytesUploaded: number;
  vms: Array<{ name: string; status: string; error?: string }>;
  hosts: Array<{ resumed?: Array<{ href: string; resumedAt: number }> }>;
}
const readReport = (f: string) => JSON.parse(readFileSync(f, 'utf8')) as Report;

describe.skipIf(!live).sequential('SIGINT during apply', () => {
  it('exits 130 with the report written and no half-defined domain; the next apply resumes and converges', async () => {
    const images = `${storage}/images`;
    const first = cli(['apply', pipelineFile, '--report', join(work, 'r1.json')]);
    // Interrupt once the host holds some of the image (the partial grows in the store).
    const signalled = await signalAtPartial(first.child, storage, 8 * MiB, 'SIGINT');
    const r1 = await first.done;
    expect(signalled, r1.stderr).toBe(true);
    expect(r1.code, r1.stderr).toBe(130);
    expect(r1.stderr).toMatch(/SIGINT: stopping/);
    const rep1 = readReport(join(work, 'r1.json'));
    expect(rep1.interrupted).toBe('SIGINT');
    expect(rep1.vms.map((v) => [v.name, v.status])).toEqual(domains.map((d) => [d, 'failed']));
    for (const d of domains) expect(defined(d), `${d} must not be defined after the interrupt`).toBe(false);
    // The store holds only the kept partial: no half image under its content address.
    expect(readdirSync(images)).toEqual([`${pkg!.vmdkSha256}.qcow2${PARTIAL_MARKER}${pkg!.vmdkSha256}`]);
    // Nothing half-made for the VMs either (their OVF environment ISOs were removed by the rollback).
    for (const d of domains) expect(existsSync(`${storage}/vms/${d}`) ? readdirSync(`${storage}/vms/${d}`) : []).toEqual([]);
    const kept = partialSize(storage);

    const second = cli(['apply', pipelineFile, '--report', join(work, 'r2.json')]);
    const r2 = await second.done;
    expect(r2.code, r2.stderr).toBe(0);
    const rep2 = readReport(join(work, 'r2.json'));
    expect(rep2.interrupted).toBeUndefined();
    expect(rep2.vms.map((v) => [v.name, v.status])).toEqual(domains.map((d) => [d, 'created']));
    const resumed = rep2.hosts[0]!.resumed;
    expect(resumed).toEqual([{ href: 'web-disk1.vmdk', resumedAt: expect.any(Number) }]);
    expect(resumed![0]!.resumedAt).toBeGreaterThan(0);
    expect(resumed![0]!.resumedAt).toBeLessThanOrEqual(kept);
    expect(rep2.bytesUploaded).toBeLessThan(pkg!.vmdkSize);
    for (const d of domains) expect(defined(d)).toBe(true);
    expect(readdirSync(images)).toEqual([`${pkg!.vmdkSha256}.qcow2`]);
    expect(run('qemu-img', ['compare', '-q', '-f', 'raw', '-F', 'qcow2', pkg!.raw, `${images}/${pkg!.vmdkSha256}.qcow2`]).status).toBe(0);

    const third = cli(['apply', pipelineFile, '--json']);
    let out = '';
    third.child.stdout.removeAllListeners('data');
    third.child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const r3 = await third.done;
    expect(r3.code, r3.stderr).toBe(0);
    const rep3 = JSON.parse(out) as Report;
    expect(rep3.vms.map((v) => v.status)).toEqual(['unchanged', 'unchanged']);
    expect(rep3.bytesUploaded).toBe(0);
    console.log(`apply SIGINT: exit ${r1.code} with ${kept} bytes kept on the host; next apply resumed at ${resumed![0]!.resumedAt} bytes and sent ${rep2.bytesUploaded} of ${pkg!.vmdkSize}`);
  }, 300_000);
});
