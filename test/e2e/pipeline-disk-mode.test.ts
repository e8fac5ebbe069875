/**
 * `diskMode` in a pipeline, real sshd and libvirtd: one tenant's overlay on
 * the verified upload itself (defaults.diskMode: backing), another's on the
 * converted qcow2 (its deployment says convert), both from one image sent
 * once to one host. Rollback, idempotency, content addressing and destroy
 * behave as in convert mode: a VM that fails leaves no domain and no overlay
 * (the store keeps the image), a re-run sends only what is missing, the next
 * changes nothing, and destroy removes only what ovfpipe created for the VMs.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDomainType } from '../helpers/domain-type.js';
import { runCli } from '../helpers/cli.js';
import { bigWebPackage, type BigPackage } from './big-package.js';
import { requireLibvirt, run } from './services.js';
import { requireSshd, startSshds, type SshdCluster } from './sshd.js';

const live = requireSshd('pipeline disk-mode test') && requireLibvirt('pipeline disk-mode test');
const tag = `i17bdm${process.pid}`;
const [backingTenant, convertTenant] = [`${tag}b`, `${tag}c`];
const domains = [`${backingTenant}-web`, `${convertTenant}-web`];
const netName = `ovfpipe-${tag}`;
const storage = `/var/lib/ovfpipe-e2e/${tag}`;
const work = mkdtempSync(join(tmpdir(), 'ovfpipe-e2e-disk-mode-'));
const file = join(work, 'pipeline.yaml');
let cluster: SshdCluster | undefined;
let pkg: BigPackage | undefined;

const defined = (name: string) => run('virsh', ['-c', 'qemu:///system', 'dominfo', name], { allowFail: true }).status === 0;
const images = () => readdirSync(`${storage}/images`).sort();
/** The VM's overlay (named after its OVF Disk id), or a path that does not exist. */
const overlayOf = (domain: string) => {
  const dir = join(storage, 'vms', domain);
  return join(dir, (existsSync(dir) ? readdirSync(dir) : []).find((f) => f.endsWith('.qcow2')) ?? 'no-overlay.qcow2');
};

function writePipeline(start: boolean): void {
  writeFileSync(
    file,
    [
      'version: 1',
      `packages: { big: { path: ${JSON.stringify(pkg!.dir)} } }`,
      'inventory:',
      '  defaults:',
      `    identity: ${JSON.stringify(cluster!.clientKey)}`,
      `    knownHosts: ${JSON.stringify(cluster!.knownHostsFile)}`,
      `    storage: ${JSON.stringify(storage)}`,
      '  hosts:',
      `    h1: { address: "ssh://root@127.0.0.1:${cluster!.hosts[0]!.port}" }`,
      'defaults:',
      `  domainType: ${testDomainType()}`,
      '  diskMode: backing',
      `  start: ${start}`,
      `  network: { frontend: ${netName} }`,
      '  vars: { admin_password: x }',
      'tenants:',
      `  ${backingTenant}:`,
      '    deployments:',
      '      - { package: big, vars: { ip: 10.0.0.5 } }',
      `  ${convertTenant}:`,
      '    deployments:',
      '      - { package: big, diskMode: convert, vars: { ip: 10.0.0.6 } }',
      'stages: [render, deploy]',
      '',
    ].join('\n'),
  );
}

interface Report {
  bytesUploaded: number;
  vms: Array<{ name: string; status: string; error?: string }>;
}

async function apply(): Promise<Report & { code: number; err: string }> {
  const r = await runCli(['apply', file, '--json']);
  return { ...(JSON.parse(r.out || '{"vms":[],"bytesUploaded":0}') as Report), code: r.code, err: r.err };
}

beforeAll(async () => {
  if (!live) return;
  cluster = await startSshds(1, { plainShell: true });
  pkg = await bigWebPackage(work, 32);
  // Defined, never started: a VM on it defines fine but cannot start (the rollback case below).
  writeFileSync(join(work, 'net.xml'), `<network><name>${netName}</name><bridge name='ovfdm${process.pid % 100000}'/></network>`);
  run('virsh', ['-c', 'qemu:///system', 'net-define', join(work, 'net.xml')]);
}, 120_000);

afterAll(async () => {
  if (live && pkg) await runCli(['destroy', file]);
  for (const d of domains) {
    run('virsh', ['-c', 'qemu:///system', 'destroy', d], { allowFail: true });
    run('virsh', ['-c', 'qemu:///system', 'undefine', d], { allowFail: true });
  }
  run('virsh', ['-c', 'qemu:///system', 'net-undefine', netName], { allowFail: true });
  await cluster?.stopAll();
  rmSync(work, { recursive: true, force: true });
  rmSync(storage, { recursive: true, force: true });
});

describe.skipIf(!live).sequential('diskMode in a pipeline', () => {
  it('rolls back a VM that fails in either mode: no domain, no overlay; the image stays in the store, sent once', async () => {
    writePipeline(true);
    const r = await apply();
    expect(r.code, r.err).toBe(1);
    expect(r.vms.map((v) => [v.name, v.status])).toEqual(domains.map((d) => [d, 'failed']));
    expect(
      r.vms.every((v) => /virsh start: .*not active/s.test(v.error ?? '')),
      JSON.stringify(r.vms),
    ).toBe(true);
    for (const d of domains) {
      expect(defined(d)).toBe(false);
      expect(existsSync(overlayOf(d))).toBe(false);
    }
    // Content-addressed both ways: the upload as it is (backing), its conversion (convert), from one transfer.
    expect(images()).toEqual([`${pkg!.vmdkSha256}.qcow2`, `${pkg!.vmdkSha256}.vmdk`]);
    expect(r.bytesUploaded).toBeGreaterThanOrEqual(pkg!.vmdkSize);
    expect(r.bytesUploaded).toBeLessThan(pkg!.vmdkSize + (2 << 20));
  }, 180_000);

  it('a re-run creates both VMs, each overlay on its own base, sending no image again', async () => {
    writePipeline(false);
    const plan = await runCli(['plan', file, '--json']);
    expect(plan.code, plan.err).toBe(0);
    expect(JSON.parse(plan.out).hosts[0].uploads).toEqual([]);
    const r = await apply();
    expect(r.code, r.err).toBe(0);
    expect(r.vms.map((v) => [v.name, v.status])).toEqual(domains.map((d) => [d, 'created']));
    expect(r.bytesUploaded).toBeLessThan(1 << 20); // the two OVF environment ISOs
    const backing = (d: string) => JSON.parse(run('qemu-img', ['info', '--output=json', '-U', overlayOf(d)]).stdout) as { 'backing-filename'?: string; 'backing-filename-format'?: string };
    expect(backing(domains[0]!)).toMatchObject({ 'backing-filename': `${storage}/images/${pkg!.vmdkSha256}.vmdk`, 'backing-filename-format': 'vmdk' });
    expect(backing(domains[1]!)).toMatchObject({ 'backing-filename': `${storage}/images/${pkg!.vmdkSha256}.qcow2`, 'backing-filename-format': 'qcow2' });
    // Either way the VM sees the package's disk.
    for (const d of domains) expect(run('qemu-img', ['compare', '-q', '-U', '-f', 'raw', '-F', 'qcow2', pkg!.raw, overlayOf(d)]).status).toBe(0);
  }, 180_000);

  it('the next apply changes nothing and sends nothing; --disk-mode on the command line does not rewrite existing VMs', async () => {
    const r = await apply();
    expect(r.code, r.err).toBe(0);
    expect(r.vms.map((v) => v.status)).toEqual(['unchanged', 'unchanged']);
    expect(r.bytesUploaded).toBe(0);
    const flagged = await runCli(['apply', file, '--disk-mode', 'convert', '--json']);
    expect(flagged.code, flagged.err).toBe(0);
    expect((JSON.parse(flagged.out) as Report).vms.map((v) => v.status)).toEqual(['unchanged', 'unchanged']);
    const bad = await runCli(['apply', file, '--disk-mode', 'thin']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--disk-mode 'thin': expected convert or backing/);
  }, 180_000);

  it('destroy removes the domains and overlays, and leaves the content-addressed images', async () => {
    const r = await runCli(['destroy', file]);
    expect(r.code, r.err).toBe(0);
    for (const d of domains) {
      expect(defined(d)).toBe(false);
      expect(existsSync(overlayOf(d))).toBe(false);
    }
    expect(images()).toEqual([`${pkg!.vmdkSha256}.qcow2`, `${pkg!.vmdkSha256}.vmdk`]);
  }, 120_000);
});
