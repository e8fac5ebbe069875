/**
 * Preflight reads each host's hypervisor capabilities (virsh domcapabilities)
 * before any byte is sent. Host 0 is this machine's libvirtd; host 1 is a
 * pretend host WITHOUT KVM: its sshd runs in a mount namespace of its own
 * where /dev/kvm is hidden and a libvirtd of its own runs (no-kvm-host.sh),
 * so the same preflight path runs whether or not this machine has KVM.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { hostConnector } from '../../src/deploy/connect.js';
import { deploy } from '../../src/deploy/deploy.js';
import { parseVarsYaml } from '../../src/macros/vars.js';
import { renderOptions } from '../../src/render/options.js';
import { inCI } from '../helpers/corpus.js';
import { machineHasKvm, testDomainType } from '../helpers/domain-type.js';
import { requireLibvirt, run } from './services.js';
import { requireSshd, startSshds, type SshdCluster } from './sshd.js';
import { deployArgv } from './deploy-argv.js';

const SCRIPT = join(import.meta.dirname, 'no-kvm-host.sh');

/** A private mount namespace needs root and unshare(1); say loudly why not, and fail in CI. */
function namespacesUsable(): boolean {
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'true'], { encoding: 'utf8', timeout: 10_000 });
  if (r.status === 0) return true;
  const why = `cannot make a mount namespace (unshare -m: ${(r.stderr || String(r.error)).trim()}); the pretend host without KVM needs root`;
  if (inCI) throw new Error(`preflight end-to-end tests: ${why}`);
  console.warn(`\n*** SKIPPING preflight end-to-end tests: ${why} ***\n`);
  return false;
}

const live = requireSshd('preflight end-to-end tests') && requireLibvirt('preflight end-to-end tests') && namespacesUsable();
const tenant = `pre${process.pid}`;
const storage = `/var/lib/ovfpipe-e2e/preflight-${tenant}`;
const work = mkdtempSync(join(tmpdir(), 'ovfpipe-e2e-preflight-'));
const bridge = `ovfp${process.pid % 10000}`;
let cluster: SshdCluster | undefined;
let madeBridge = false;

const host = (i: number) => `ssh://root@127.0.0.1:${cluster!.hosts[i]!.port}`;

const cli = runCli;

const varsFile = join(work, 'vars.yaml');
const deployArgs = (i: number, ...extra: string[]) => deployArgv(cluster!, { pkg: 'examples/two-tier', hosts: [host(i)], storage, tenant, vars: varsFile }, ...extra);
const stored = () => (existsSync(join(storage, 'images')) ? readdirSync(join(storage, 'images')) : []);

function killByPidFile(file: string): void {
  if (!existsSync(file)) return;
  try {
    process.kill(Number(readFileSync(file, 'utf8').trim()), 'SIGTERM');
  } catch {
    /* gone already */
  }
}

beforeAll(async () => {
  if (!live) return;
  cluster = await startSshds(2, { wrap: (i, h) => (i === 1 ? ['unshare', '-m', '--propagation', 'private', 'sh', SCRIPT, h.dir] : undefined) });
  writeFileSync(
    varsFile,
    `defaults:\n  bridge: ${bridge}\n  db_bridge: ${bridge}\ntenants:\n  ${tenant}:\n    vms:\n      web: { vars: { ip: 10.0.0.10 } }\n      db: { vars: { ip: 10.0.1.10, web_ip: 10.0.0.10 } }\n`,
  );
  if (run('ip', ['link', 'show', bridge], { allowFail: true }).status !== 0) {
    run('ip', ['link', 'add', bridge, 'type', 'bridge']);
    madeBridge = true;
  }
}, 60_000);

afterAll(async () => {
  if (cluster) {
    // The pretend host's libvirtd and virtlogd daemonized: stop them by pid file before the folder goes.
    killByPidFile(join(cluster.hosts[1]!.dir, 'libvirtd.pid'));
    killByPidFile(join(cluster.hosts[1]!.dir, 'virtlogd.pid'));
    await cluster.stopAll();
  }
  if (madeBridge) run('ip', ['link', 'del', bridge], { allowFail: true });
  rmSync(work, { recursive: true, force: true });
  rmSync(storage, { recursive: true, force: true });
});

describe.skipIf(!live).sequential('preflight: what each host can run', () => {
  it('the pretend host really has no KVM: hosts probe says so, in text and JSON', async () => {
    const r = await cli(['hosts', 'probe', '--host', host(0), '--host', host(1), '--identity', cluster!.clientKey, '--known-hosts', cluster!.knownHostsFile, '--json']);
    expect(r.code).toBe(0);
    const [here, noKvm] = JSON.parse(r.out) as Array<{
      kvm: boolean;
      capabilities?: { domainTypes: string[]; machineAliases: Record<string, string>; diskBuses: string[]; nicModels: string[]; firmware: string[] };
    }>;
    expect(noKvm!.kvm).toBe(false);
    expect(noKvm!.capabilities!.domainTypes).toEqual(['qemu']);
    expect(here!.capabilities!.domainTypes.includes('kvm')).toBe(machineHasKvm());
    for (const c of [here!.capabilities!, noKvm!.capabilities!]) {
      expect(c.machineAliases['q35']).toMatch(/^pc-q35-/);
      expect(c.diskBuses).toContain('virtio');
      expect(c.nicModels).toEqual(expect.arrayContaining(['virtio', 'e1000e']));
      // .ci/run installs ovmf: libvirt's firmware autoselection then offers efi.
      expect(c.firmware).toContain('efi');
    }
    const text = await cli(['hosts', 'probe', '--host', host(1), '--identity', cluster!.clientKey, '--known-hosts', cluster!.knownHostsFile]);
    expect(text.out).toMatch(/domain types: qemu\n/);
    expect(text.out).toMatch(/machines: .*q35=pc-q35-/);
  });

  it('deploy with the default kvm to a host without KVM fails in preflight: nothing sent, the fix named', async () => {
    const r = await cli([...deployArgs(1), '--json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out) as { bytesUploaded: number; vms: Array<{ name: string; status: string; error: string }>; hosts: Array<{ status: string }> };
    expect(report.bytesUploaded).toBe(0);
    expect(report.vms.map((v) => [v.name, v.status])).toEqual([
      [`${tenant}-web`, 'failed'],
      [`${tenant}-db`, 'failed'],
    ]);
    for (const v of report.vms) expect(v.error).toBe(`preflight: host ${host(1)} has no KVM (/dev/kvm missing): pass --domain-type qemu or set defaults.domainType`);
    expect(stored()).toEqual([]);
  });

  it('a human-mode deploy prints each failed VM with its reason', async () => {
    const r = await cli(deployArgs(1));
    expect(r.code).toBe(1);
    const failed = r.err.split('\n').filter((l) => l.startsWith('FAILED '));
    expect(failed).toHaveLength(2);
    for (const line of failed)
      expect(line).toMatch(/^FAILED ssh:\/\/root@127\.0\.0\.1:\d+: pre\d+-(web|db): preflight: host ssh:\/\/root@127\.0\.0\.1:\d+ has no KVM \(\/dev\/kvm missing\): pass --domain-type qemu/);
    expect(r.err).toMatch(/2 VM\(s\): 2 failed; 0 bytes uploaded/);
  });

  it('a machine type the host lacks fails in preflight too, on a host with or without KVM', async () => {
    const r = await deploy({
      pkg: 'examples/two-tier',
      tenant,
      vars: parseVarsYaml(readFileSync(varsFile, 'utf8')).vars,
      hosts: [host(0)],
      connect: hostConnector({ identity: cluster!.clientKey, knownHosts: cluster!.knownHostsFile }),
      connectUri: 'qemu:///system',
      storageRoot: storage,
      options: renderOptions({ domainType: testDomainType(), machine: 'pc-q35-0.1' }),
    });
    expect(r.report.bytesUploaded).toBe(0);
    expect(r.report.vms).toHaveLength(2);
    for (const v of r.report.vms) {
      expect(v.status).toBe('failed');
      expect(v.error).toMatch(/^preflight: host ssh:\/\/root@127\.0\.0\.1:\d+ does not support machine type 'pc-q35-0\.1' for x86_64 .*pass --machine/);
    }
    expect(stored()).toEqual([]);
  });

  it('with --domain-type qemu the host without KVM takes the VMs (defined, not started)', async () => {
    const r = await cli([...deployArgs(1, '--domain-type', 'qemu'), '--json']);
    const report = JSON.parse(r.out) as { bytesUploaded: number; vms: Array<{ status: string; error?: string }> };
    expect(report.vms.map((v) => v.error ?? v.status)).toEqual(['created', 'created']);
    expect(r.code).toBe(0);
    expect(report.bytesUploaded).toBeGreaterThan(0);
  });
});
