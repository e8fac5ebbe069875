/**
 * Many VMs on one host cost a constant number of remote commands (issue 19):
 * deployHost of examples/secure-web for 2 and then 6 tenants (one VM each,
 * each with its OVF environment ISO), against a real sshd and the real
 * libvirtd. Sessions are counted from sshd's own log ("Starting session:
 * command"), commands from the host worker's own count (the report's
 * remoteSteps). Both runs start cold (a storage root each), so the counts
 * are comparable: they are equal. The ISOs on the host are what isoinfo reads
 * back; a no-op run costs one command; a VM whose definition libvirt refuses
 * fails alone, named by its step, and only what was created for it is
 * removed; destroy costs two commands and leaves nothing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostConnector } from '../../src/deploy/connect.js';
import { deployHost, renderForDeploy, type HostUnit } from '../../src/deploy/deploy.js';
import { destroyOnHost } from '../../src/deploy/destroy.js';
import { parseVarsYaml } from '../../src/macros/vars.js';
import { loadDescriptor } from '../../src/package/open-descriptor.js';
import { renderOptions } from '../../src/render/options.js';
import { testDomainType } from '../helpers/domain-type.js';
import { toolPresent } from '../helpers/tools.js';
import { requireLibvirt, run, virsh } from './services.js';
import { requireSshd, startSshds, type SshdCluster } from './sshd.js';

const live = requireSshd('deploy batch test') && requireLibvirt('deploy batch test');
const hasIsoinfo = toolPresent('isoinfo', 'isoinfo (genisoimage)');
const prefix = `bat${process.pid}`;
const bridge = `ovfb${process.pid % 10000}`;
const storageBase = `/var/lib/ovfpipe-e2e/batch-${prefix}`;
const URI = 'qemu:///system';
let cluster: SshdCluster | undefined;
let madeBridge = false;
const tenantsMade = new Set<string>();

beforeAll(async () => {
  if (!live) return;
  cluster = await startSshds(1, { logLevel: 'VERBOSE' });
  if (run('ip', ['link', 'show', bridge], { allowFail: true }).status !== 0) {
    run('ip', ['link', 'add', bridge, 'type', 'bridge']);
    madeBridge = true;
  }
});

afterAll(async () => {
  if (live) {
    for (const t of tenantsMade) {
      run('virsh', ['-c', URI, 'destroy', `${t}-web`], { allowFail: true });
      run('virsh', ['-c', URI, 'undefine', `${t}-web`], { allowFail: true });
      run('virsh', ['-c', URI, 'nwfilter-undefine', `${t}-web-ingress`], { allowFail: true });
    }
    if (madeBridge) run('ip', ['link', 'del', bridge], { allowFail: true });
  }
  await cluster?.stopAll();
  rmSync(storageBase, { recursive: true, force: true });
});

/** Remote commands sshd has started so far (one per exec). */
const sessions = () => (readFileSync(cluster!.hosts[0]!.log, 'utf8').match(/Starting session: command/g) ?? []).length;

async function units(tenants: string[], storageRoot: string): Promise<HostUnit[]> {
  const out: HostUnit[] = [];
  for (const [i, tenant] of tenants.entries()) {
    tenantsMade.add(tenant);
    const loaded = await loadDescriptor('examples/secure-web');
    const vars = parseVarsYaml(
      `defaults:\n  bridge: ${bridge}\n  admin_password: { value: batch, secret: true }\ntenants:\n  ${tenant}:\n    vms:\n      web: { vars: { ip: 10.9.${i}.10, hostname: ${tenant}-web } }\n`,
    ).vars;
    const result = await renderForDeploy(loaded, { pkg: 'examples/secure-web', tenant, vars, storageRoot, options: renderOptions({ domainType: testDomainType() }) });
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    out.push({ result, vms: result.domains, reader: loaded.reader });
  }
  return out;
}

async function apply(tenants: string[], storageRoot: string, spoil?: (u: HostUnit[]) => void) {
  const u = await units(tenants, storageRoot);
  spoil?.(u);
  const host = `ssh://root@127.0.0.1:${cluster!.hosts[0]!.port}`;
  const before = sessions();
  try {
    const r = await deployHost(host, u, { connect: hostConnector({ identity: cluster!.clientKey, knownHosts: cluster!.knownHostsFile }), connectUri: URI, storageRoot, perHost: 4 });
    return { ...r, sessions: sessions() - before, steps: r.host.remoteSteps, units: u };
  } finally {
    for (const x of u) await x.reader.close();
  }
}

const names = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${prefix}${tag}${i}`);

describe.skipIf(!live)('many VMs on one host', () => {
  it('costs the same number of sessions and remote commands for 2 VMs as for 6, cold; writes ISOs isoinfo reads; a no-op run costs one', async () => {
    const small = await apply(names(2, 'a'), `${storageBase}/a`);
    const big = await apply(names(6, 'b'), `${storageBase}/b`);
    expect(small.vms.map((v) => v.status)).toEqual(Array(2).fill('created'));
    expect(big.vms.map((v) => v.status)).toEqual(Array(6).fill('created'));
    // Sessions (sshd's log): the host's worker alone; the example's image (128 KiB, under SMALL_PUT_BYTES) is
    // uploaded through it. Steps (the worker's own count of the commands it ran): facts, the hypervisor probe,
    // stale-temporary cleanup, filters, the upload, directories + ISOs, overlays, definitions. Both the same
    // for 2 VMs and for 6.
    expect(big.sessions).toBe(small.sessions);
    expect(small.sessions).toBe(1);
    expect(big.steps).toBeDefined();
    expect(big.steps).toBe(small.steps);
    expect(small.steps).toBeLessThanOrEqual(10);
    for (const v of big.units.flatMap((u) => u.result.domains)) {
      expect(virsh('domstate', v.name).stdout.trim()).toBe('shut off');
      const iso = v.ovfEnv!.isoPath;
      expect(statSync(iso).size).toBe(26 * 2048);
      expect(statSync(iso).mode & 0o777).toBe(0o600);
      if (hasIsoinfo) expect(execFileSync('isoinfo', ['-i', iso, '-J', '-x', '/ovf-env.xml'], { encoding: 'utf8' })).toBe(v.ovfEnv!.xml);
    }
    const again = await apply(names(6, 'b'), `${storageBase}/b`);
    expect(again.vms.map((v) => v.status)).toEqual(Array(6).fill('unchanged'));
    expect(again.sessions).toBe(1);
    expect(again.steps).toBe(1);
    expect(again.host.bytesUploaded).toBe(0);
  });

  it('fails only the VM whose definition libvirt refuses, names the step, and removes only what was created for it', async () => {
    const tenants = names(3, 'c');
    const r = await apply(tenants, `${storageBase}/c`, (u) => {
      const vm = u[1]!.result.domains[0]!;
      vm.xml = vm.xml.replace(/<memory unit='KiB'>/, "<memory unit='bogus'>");
    });
    expect(r.vms.map((v) => [v.name, v.status])).toEqual([
      [`${tenants[0]}-web`, 'created'],
      [`${tenants[1]}-web`, 'failed'],
      [`${tenants[2]}-web`, 'created'],
    ]);
    expect(r.vms[1]!.error).toMatch(/^virsh define: .*bogus/s);
    expect(r.vms[1]!.steps!.find((s) => s.error)?.id).toBe('define');
    const failed = r.units[1]!.result.domains[0]!;
    expect(virsh('list', '--all', '--name').stdout).not.toContain(failed.name);
    expect(existsSync(failed.ovfEnv!.isoPath)).toBe(false);
    const overlays = r.units[1]!.result.disks.filter((d) => d.domain === failed.name && d.device === 'disk').map((d) => d.overlayPath);
    expect(overlays.length).toBeGreaterThan(0);
    for (const o of overlays) expect(existsSync(o)).toBe(false);
    for (const i of [0, 2]) expect(virsh('domstate', `${tenants[i]}-web`).stdout.trim()).toBe('shut off');
  });

  it('destroys every VM of the host in two remote commands through one session', async () => {
    for (const [tag, n] of [
      ['a', 2],
      ['b', 6],
      ['c', 3],
    ] as const) {
      const storageRoot = `${storageBase}/${tag}`;
      const u = await units(names(n, tag), storageRoot);
      for (const x of u) await x.reader.close();
      const t = await hostConnector({ identity: cluster!.clientKey, knownHosts: cluster!.knownHostsFile })(`ssh://root@127.0.0.1:${cluster!.hosts[0]!.port}`);
      const before = sessions();
      let steps: number | undefined;
      try {
        const r = await destroyOnHost(
          t,
          'h',
          u.flatMap((x) => x.vms.map((v) => ({ name: v.name, tenant: v.tenant }))),
          u.flatMap((x) => x.result.filters),
          storageRoot,
          URI,
        );
        expect(r.error).toBeUndefined();
        expect(r.domains.length).toBe(tag === 'c' ? 2 : n);
        steps = t.usage?.().steps;
      } finally {
        await t.close();
      }
      // One session (the worker), two commands: the read, then the removals.
      expect(sessions() - before).toBe(1);
      expect(steps).toBe(2);
      const left = virsh('list', '--all', '--name').stdout;
      for (const name of names(n, tag)) {
        expect(left).not.toContain(`${name}-web`);
        // The VM whose definition failed was never defined: its (empty) directory is not destroy's to find.
        if (name !== `${prefix}c1`) expect(existsSync(`${storageRoot}/vms/${name}-web`)).toBe(false);
        else expect(readdirSync(`${storageRoot}/vms/${name}-web`)).toEqual([]);
      }
    }
  });
});
