/**
 * A VM whose steps fail is rolled back: executeHostPlan against a real sshd
 * and libvirtd, with plans made by a dry-run deploy and then spoiled so that
 * one VM's `virsh define` fails and another's `virsh start` fails. The
 * failing step is named by its id's label, what its earlier steps did is
 * undone in one more round trip, and nothing else is touched.
 */
import { createReadStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostConnector } from '../../src/deploy/connect.js';
import { deploy } from '../../src/deploy/deploy.js';
import { executeHostPlan } from '../../src/deploy/executor.js';
import type { HostPlan } from '../../src/deploy/plan.js';
import type { Transport } from '../../src/deploy/transport.js';
import { parseVarsYaml } from '../../src/macros/vars.js';
import { renderOptions } from '../../src/render/options.js';
import { requireLibvirt, run, virsh } from './services.js';
import { requireSshd, startSshds, type SshdCluster } from './sshd.js';

const live = requireSshd('deploy rollback test') && requireLibvirt('deploy rollback test');
const tenant = `rb${process.pid}`;
const storage = `/var/lib/ovfpipe-e2e/rollback-${tenant}`;
const bridges = [`ovfr${process.pid % 10000}`, `ovfs${process.pid % 10000}`];
const work = mkdtempSync(join(tmpdir(), 'ovfpipe-e2e-rollback-'));
const made: Array<() => void> = [];
let cluster: SshdCluster | undefined;

beforeAll(async () => {
  if (!live) return;
  cluster = await startSshds(1);
  for (const b of bridges)
    if (run('ip', ['link', 'show', b], { allowFail: true }).status !== 0) {
      run('ip', ['link', 'add', b, 'type', 'bridge']);
      made.push(() => run('ip', ['link', 'del', b], { allowFail: true }));
    }
});

afterAll(async () => {
  if (live) {
    for (const d of [`${tenant}-web`, `${tenant}-db`]) {
      run('virsh', ['-c', 'qemu:///system', 'destroy', d], { allowFail: true });
      run('virsh', ['-c', 'qemu:///system', 'undefine', d], { allowFail: true });
    }
    for (const f of ['db-guard', 'antispoof', 'web-ingress']) run('virsh', ['-c', 'qemu:///system', 'nwfilter-undefine', `${tenant}-${f}`], { allowFail: true });
  }
  for (const step of made.reverse()) step();
  await cluster?.stopAll();
  rmSync(work, { recursive: true, force: true });
  rmSync(storage, { recursive: true, force: true });
});

describe.skipIf(!live)('rollback of a VM whose remote steps fail', () => {
  it('names the failing step, undoes what its earlier steps did in one round trip, and leaves the rest', async () => {
    const host = `ssh://root@127.0.0.1:${cluster!.hosts[0]!.port}`;
    const connect = hostConnector({ identity: cluster!.clientKey, knownHosts: cluster!.knownHostsFile });
    const vars = parseVarsYaml(
      `defaults:\n  bridge: ${bridges[0]}\n  db_bridge: ${bridges[1]}\ntenants:\n  ${tenant}:\n    vms:\n      web: { vars: { ip: 10.0.0.10 } }\n      db: { vars: { ip: 10.0.1.10, web_ip: 10.0.0.10 } }\n`,
    ).vars;
    const dry = await deploy({
      pkg: 'examples/two-tier',
      tenant,
      vars,
      hosts: [host],
      connect,
      connectUri: 'qemu:///system',
      storageRoot: storage,
      options: renderOptions({ domainType: 'qemu' }),
      dryRun: true,
    });
    const plan: HostPlan = dry.plans[0]!.plan!;
    expect(plan.vms.map((v) => v.action)).toEqual(['create', 'create']);
    const web = plan.vms.find((v) => v.vm.name === `${tenant}-web`)!;
    const db = plan.vms.find((v) => v.vm.name === `${tenant}-db`)!;
    // web: libvirt refuses the definition. db: defines, but cannot start (a disk whose file does not exist).
    web.vm.xml = web.vm.xml.replace(/<memory unit='KiB'>/, "<memory unit='bogus'>");
    db.vm.xml = db.vm.xml.replace(
      '</devices>',
      `<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='${storage}/missing.img'/><target dev='vdz' bus='virtio'/></disk></devices>`,
    );
    db.start = true;

    const t = await connect(host);
    const execs: string[] = [];
    const counted: Transport = { label: t.label, exec: (argv, o) => (execs.push(argv[0] === 'bash' ? argv[3]! : argv[0]!), t.exec(argv, o)), put: (d, p, o) => t.put(d, p, o), close: () => t.close() };
    try {
      const out = await executeHostPlan(plan, { transport: counted, host, connectUri: 'qemu:///system', openImage: (step) => Promise.resolve(createReadStream(join('examples/two-tier', step.href))) });
      expect(out.vms.map((v) => [v.name, v.status])).toEqual([
        [`${tenant}-web`, 'failed'],
        [`${tenant}-db`, 'failed'],
      ]);
      expect(out.vms[0]!.error).toMatch(/^virsh define: .*bogus/s);
      expect(out.vms[1]!.error).toMatch(/^virsh start: .*missing\.img/s);
      // Per VM: one apply round trip, then one rollback round trip.
      expect(execs.filter((e) => e === 'ovfpipe-apply')).toHaveLength(2);
      expect(execs.filter((e) => e === 'ovfpipe-rollback')).toHaveLength(2);
    } finally {
      await t.close();
    }
    const names = virsh('list', '--all', '--name').stdout;
    expect(names).not.toContain(`${tenant}-web`);
    expect(names).not.toContain(`${tenant}-db`);
    expect(existsSync(`${storage}/vms/${tenant}-web/web-disk.qcow2`)).toBe(false);
    expect(existsSync(`${storage}/vms/${tenant}-db/db-disk.qcow2`)).toBe(false);
    // What the VMs share stays: the image in the store, and the filters.
    expect(
      run('ls', [`${storage}/images`])
        .stdout.trim()
        .split('\n'),
    ).toEqual([expect.stringMatching(/^[0-9a-f]{64}\.qcow2$/)]);
    expect(virsh('nwfilter-list').stdout).toContain(`${tenant}-db-guard`);
  });
});
