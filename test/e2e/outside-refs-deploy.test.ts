/**
 * deploy of a directory package whose File climbs out of its folder
 * (`../disks/web-disk1.vmdk`), over a real OpenSSH server on loopback and the
 * real libvirtd: refused before any host is touched without
 * --allow-outside-refs; with it, the outside disk is uploaded, checked and
 * the domain defined. Names are unique per pid (prefix i12b); everything is
 * removed.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { testDomainType } from '../helpers/domain-type.js';
import { requireLibvirt, run, virsh } from './services.js';
import { requireSshd, startSshds, type SshdCluster } from './sshd.js';
import { deployArgv } from './deploy-argv.js';

const live = requireSshd('outside-refs deploy e2e') && requireLibvirt('outside-refs deploy e2e');
const id = process.pid % 100000;
const tenant = `i12b${id}`;
const bridge = `ovfi12b${id % 10000}`;
const storage = `/var/lib/ovfpipe-e2e/i12b-outside-${id}`;
const work = mkdtempSync(join(tmpdir(), 'ovfpipe-e2e-i12b-outside-'));
const VARS = resolve('examples/vars/web-appliance.yaml');
let cluster: SshdCluster | undefined;
const made: Array<() => void> = [];

const args = (...more: string[]) =>
  deployArgv(
    cluster!,
    { pkg: join(work, 'pkg'), hosts: [`ssh://root@127.0.0.1:${cluster!.hosts[0]!.port}`], storage, tenant, vars: VARS },
    '--domain-type',
    testDomainType(),
    '--graphics',
    'none',
    '--bridge',
    `frontend=${bridge}`,
    ...more,
  );

beforeAll(async () => {
  if (!live) return;
  mkdirSync(join(work, 'pkg'));
  mkdirSync(join(work, 'disks'));
  copyFileSync('examples/web-appliance/web-disk1.vmdk', join(work, 'disks/web-disk1.vmdk'));
  const ovf = readFileSync('examples/web-appliance/web-appliance.ovf', 'utf8').replace('ovf:href="web-disk1.vmdk"', 'ovf:href="../disks/web-disk1.vmdk"');
  expect(ovf).toContain('../disks/web-disk1.vmdk');
  writeFileSync(join(work, 'pkg/web-appliance.ovf'), ovf);
  if (run('ip', ['link', 'show', bridge], { allowFail: true }).status !== 0) {
    run('ip', ['link', 'add', bridge, 'type', 'bridge']);
    run('ip', ['link', 'set', bridge, 'up']);
    made.push(() => run('ip', ['link', 'del', bridge], { allowFail: true }));
  }
  cluster = await startSshds(1);
}, 60_000);

afterAll(async () => {
  if (live) {
    run('virsh', ['-c', 'qemu:///system', 'destroy', `${tenant}-web`], { allowFail: true });
    run('virsh', ['-c', 'qemu:///system', 'undefine', `${tenant}-web`], { allowFail: true });
  }
  for (const step of made.reverse()) step();
  await cluster?.stopAll();
  rmSync(storage, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!live)('deploy of a package whose disk is outside its folder', () => {
  it('is refused without --allow-outside-refs, before any host is touched', async () => {
    const r = await runCli(args('--json'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/web-appliance\.ovf:\d+:\d+ File 'file1' href '\.\.\/disks\/web-disk1\.vmdk' .*--allow-outside-refs/);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(existsSync(storage)).toBe(false);
    expect(run('virsh', ['-c', 'qemu:///system', 'dominfo', `${tenant}-web`], { allowFail: true }).status).not.toBe(0);
  });

  it('with --allow-outside-refs uploads the outside disk under its digest and defines the domain', async () => {
    const r = await runCli(args('--allow-outside-refs', '--json'));
    expect(r.code, r.err + r.out).toBe(0);
    const report = JSON.parse(r.out) as { vms: Array<{ name: string; status: string }> };
    expect(report.vms.map((v) => [v.name, v.status])).toEqual([[`${tenant}-web`, 'created']]);
    const digest = createHash('sha256')
      .update(readFileSync(join(work, 'disks/web-disk1.vmdk')))
      .digest('hex');
    expect(virsh('dumpxml', `${tenant}-web`).stdout).toContain(storage);
    expect(run('find', [storage, '-name', `*${digest}*`]).stdout.trim()).not.toBe('');
  }, 180_000);
});
