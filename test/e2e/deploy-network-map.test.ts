/**
 * Network mapping end to end: examples/web-appliance (one NIC on OVF network
 * `frontend`, the OVF environment ISO) deployed over two real OpenSSH servers
 * on loopback sharing the real libvirtd: with `--network frontend=NET` (a
 * libvirt network of this test on its own bridge) and `--bridge
 * frontend=BR`, then the same settings from a pipeline file (`apply`,
 * inventory hosts' network/bridge). Preflight names the flag when the
 * network is missing. Names are unique per pid; everything is removed.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { ovfEnvIso } from '../../src/render/ovf-env.js';
import { testDomainType } from '../helpers/domain-type.js';
import { requireLibvirt, run, virsh } from './services.js';
import { requireSshd, startSshds, type SshdCluster } from './sshd.js';
import { deployArgv } from './deploy-argv.js';

const live = requireSshd('deploy network mapping e2e') && requireLibvirt('deploy network mapping e2e');
const id = process.pid % 100000;
const tenants = { network: `nm${id}`, bridge: `nb${id}`, missing: `nx${id}`, pipeNet: `pn${id}`, pipeBr: `pb${id}`, disk: `nd${id}` };
const netBridge = `ovfnm${id}`;
const plainBridge = `ovfnb${id}`;
const network = `ovfpipe-net-${id}`;
const storage = `/var/lib/ovfpipe-e2e/netmap-${id}`;
const work = mkdtempSync(join(tmpdir(), 'ovfpipe-e2e-netmap-'));
const VARS = resolve('examples/vars/web-appliance.yaml');
let cluster: SshdCluster | undefined;
const made: Array<() => void> = [];

async function cli(args: string[]) {
  let out = '';
  let err = '';
  const code = await main(args, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, env: process.env, cwd: process.cwd() });
  return { code, out, err };
}

const host = (i: number) => `ssh://root@127.0.0.1:${cluster!.hosts[i]!.port}`;
const deployArgs = (tenant: string, i: number, ...more: string[]) =>
  deployArgv(cluster!, { pkg: 'examples/web-appliance', hosts: [host(i)], storage, tenant, vars: VARS }, '--domain-type', testDomainType(), '--graphics', 'none', '--json', ...more);

beforeAll(() => {
  if (!live) return;
  for (const b of [netBridge, plainBridge])
    if (run('ip', ['link', 'show', b], { allowFail: true }).status !== 0) {
      run('ip', ['link', 'add', b, 'type', 'bridge']);
      run('ip', ['link', 'set', b, 'up']);
      made.push(() => run('ip', ['link', 'del', b], { allowFail: true }));
    }
  const xml = join(work, 'net.xml');
  writeFileSync(xml, `<network><name>${network}</name><forward mode='bridge'/><bridge name='${netBridge}'/></network>`);
  virsh('net-define', xml);
  made.push(() => run('virsh', ['-c', 'qemu:///system', 'net-undefine', network], { allowFail: true }));
  virsh('net-start', network);
  made.push(() => run('virsh', ['-c', 'qemu:///system', 'net-destroy', network], { allowFail: true }));
}, 60_000);

beforeAll(async () => {
  if (live) cluster = await startSshds(2);
}, 60_000);

afterAll(async () => {
  if (live)
    for (const t of Object.values(tenants)) {
      run('virsh', ['-c', 'qemu:///system', 'destroy', `${t}-web`], { allowFail: true });
      run('virsh', ['-c', 'qemu:///system', 'undefine', `${t}-web`], { allowFail: true });
      run('virsh', ['-c', 'qemu:///system', 'undefine', `${t}-db`], { allowFail: true });
      for (const f of ['db-guard', 'antispoof', 'web-ingress']) run('virsh', ['-c', 'qemu:///system', 'nwfilter-undefine', `${t}-${f}`], { allowFail: true });
    }
  for (const step of made.reverse()) step();
  await cluster?.stopAll();
  rmSync(work, { recursive: true, force: true });
  rmSync(storage, { recursive: true, force: true });
}, 120_000);

describe.skipIf(!live).sequential('deploy with network mappings', () => {
  it('--network frontend=NET attaches the NIC to that libvirt network; --bridge frontend=BR to the bridge; both start', async () => {
    const a = await cli(deployArgs(tenants.network, 0, '--network', `frontend=${network}`, '--start'));
    expect(a.err).not.toMatch(/FAILED/);
    expect(a.code).toBe(0);
    expect(JSON.parse(a.out).vms).toEqual([expect.objectContaining({ name: `${tenants.network}-web`, status: 'created' })]);
    expect(virsh('dumpxml', `${tenants.network}-web`).stdout).toContain(`<source network='${network}'`);
    // Running guests load the shared 2-core machine: stop each once it has been seen running.
    expect(virsh('domstate', `${tenants.network}-web`).stdout.trim()).toBe('running');
    virsh('destroy', `${tenants.network}-web`);

    const b = await cli(deployArgs(tenants.bridge, 1, '--bridge', `frontend=${plainBridge}`, '--start'));
    expect(b.code).toBe(0);
    const xml = virsh('dumpxml', `${tenants.bridge}-web`).stdout;
    expect(xml).toContain("<interface type='bridge'>");
    expect(xml).toContain(`<source bridge='${plainBridge}'/>`);
    expect(virsh('domstate', `${tenants.bridge}-web`).stdout.trim()).toBe('running');
    virsh('destroy', `${tenants.bridge}-web`);
    // The OVF environment ISO was built in-process (the builder render uses) and uploaded beside the overlay.
    const iso = join(storage, 'vms', `${tenants.bridge}-web`, 'ovf-env.iso');
    expect(xml).toContain(`<source file='${iso}'`);
    const env = run('isoinfo', ['-J', '-x', '/ovf-env.xml', '-i', iso]).stdout;
    expect(env).toContain('oe:id="web"');
    expect(readFileSync(iso).equals(ovfEnvIso(env))).toBe(true);
  });

  it('refuses a mapping of a network the package lacks (usage, listing its networks); preflight names the flag for a missing libvirt network', async () => {
    const bad = await cli(deployArgs(tenants.missing, 0, '--network', 'backend=x'));
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("network mapping names 'backend', which the package does not have; its networks: frontend");
    const missing = await cli(deployArgs(tenants.missing, 0, '--network', `frontend=no-such-net-${id}`));
    expect(missing.code).toBe(1);
    expect(missing.err + missing.out).toContain(
      `libvirt network no-such-net-${id} (needed by ${tenants.missing}-web) is not defined: define it, or map OVF network 'frontend' with --network frontend=NETWORK or --bridge frontend=BRIDGE`,
    );
  });

  it('a VM with a disk that cannot be rendered fails alone, located; the other VM of the package deploys; exit 1', async () => {
    const pkg = join(work, 'two-tier-broken');
    mkdirSync(pkg);
    copyFileSync('examples/two-tier/app-disk1.vmdk', join(pkg, 'app-disk1.vmdk'));
    writeFileSync(join(pkg, 'two-tier.ovf'), readFileSync('examples/two-tier/two-tier.ovf', 'utf8').replace('ovf:/disk/db-disk', 'ovf:/disk/no-such-disk'));
    const vars = join(work, 'two-tier-vars.yaml');
    writeFileSync(vars, `bridge: ${plainBridge}\ndb_bridge: ${plainBridge}\nip: 10.0.0.10\nweb_ip: 10.0.0.10\n`);
    const r = await cli([
      'deploy',
      pkg,
      '--host',
      host(0),
      '--identity',
      cluster!.clientKey,
      '--known-hosts',
      cluster!.knownHostsFile,
      '--storage',
      storage,
      '--tenant',
      tenants.disk,
      '--vars',
      vars,
      '--domain-type',
      testDomainType(),
      '--json',
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      new RegExp(
        `two-tier\\.ovf:\\d+:\\d+: error: VirtualSystem\\[db\\]/Item\\[InstanceID=\\d+\\]: disk cannot be rendered: HostResource 'ovf:/disk/no-such-disk' names no Disk or File in the package \\[render-disk\\]`,
      ),
    );
    const vms = JSON.parse(r.out).vms as Array<{ name: string; status: string; error?: string }>;
    expect(vms.map((v) => [v.name, v.status]).sort()).toEqual([
      [`${tenants.disk}-db`, 'failed'],
      [`${tenants.disk}-web`, 'created'],
    ]);
    expect(virsh('list', '--all', '--name').stdout).not.toContain(`${tenants.disk}-db`);
  });

  it('apply: the same mappings from a pipeline file, per inventory host and per deployment', async () => {
    const file = join(work, 'pipeline.yaml');
    writeFileSync(
      file,
      `version: 1
packages: { web: { path: ${resolve('examples/web-appliance')} } }
inventory:
  defaults: { identity: ${cluster!.clientKey}, knownHosts: ${cluster!.knownHostsFile}, storage: ${storage} }
  hosts:
    a: { address: "${host(0)}", network: { frontend: ${network} } }
    b: { address: "${host(1)}" }
defaults: { domainType: ${testDomainType()}, graphics: none, vars: { ip: 10.0.1.5, admin_password: x } }
tenants:
  ${tenants.pipeNet}: { deployments: [ { package: web, host: a } ] }
  ${tenants.pipeBr}: { deployments: [ { package: web, host: b, bridge: { frontend: ${plainBridge} } } ] }
stages: [render, deploy]
`,
    );
    const r = await cli(['apply', file, '--json']);
    expect(r.err).not.toMatch(/FAILED/);
    expect(r.code).toBe(0);
    expect(virsh('dumpxml', `${tenants.pipeNet}-web`).stdout).toContain(`<source network='${network}'`);
    expect(virsh('dumpxml', `${tenants.pipeBr}-web`).stdout).toContain(`<source bridge='${plainBridge}'/>`);
  });
});
