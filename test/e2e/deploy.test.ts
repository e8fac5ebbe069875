/**
 * deploy / destroy against two real OpenSSH servers on loopback and a real
 * libvirtd (they share it, as two pretend hosts). No mocks.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { deploy } from '../../src/deploy/deploy.js';
import { hostConnector } from '../../src/deploy/connect.js';
import { parseVarsYaml } from '../../src/macros/vars.js';
import { renderOptions } from '../../src/render/options.js';
import { requireLibvirt, run, virsh } from './services.js';
import { testDomainType } from '../helpers/domain-type.js';
import { requireSshd, startSshds, type SshdCluster } from './sshd.js';
import { deployArgv } from './deploy-argv.js';

const live = requireSshd('deploy end-to-end tests') && requireLibvirt('deploy end-to-end tests');
const tenant = `dep${process.pid}`;
const storage = `/var/lib/ovfpipe-e2e/deploy-${tenant}`;
const work = mkdtempSync(join(tmpdir(), 'ovfpipe-e2e-deploy-'));
const bridges = [`ovfa${process.pid % 10000}`, `ovfb${process.pid % 10000}`];
let cluster: SshdCluster | undefined;
const made: Array<() => void> = [];

function host(i: number): string {
  return `ssh://root@127.0.0.1:${cluster!.hosts[i]!.port}`;
}

const cli = runCli;

const varsFile = join(work, 'vars.yaml');
const varsText = (t: string) =>
  `defaults:\n  bridge: ${bridges[0]}\n  db_bridge: ${bridges[1]}\ntenants:\n  ${t}:\n    vms:\n      web: { vars: { ip: 10.0.0.10 } }\n      db: { vars: { ip: 10.0.1.10, web_ip: 10.0.0.10 } }\n`;

function deployArgs(...hosts: number[]): string[] {
  return deployArgv(cluster!, { pkg: 'examples/two-tier', hosts: hosts.map(host), storage, tenant, vars: varsFile }, '--domain-type', testDomainType(), '--json');
}

beforeAll(async () => {
  if (!live) return;
  cluster = await startSshds(2);
  writeFileSync(varsFile, varsText(tenant));
  for (const b of bridges)
    if (run('ip', ['link', 'show', b], { allowFail: true }).status !== 0) {
      run('ip', ['link', 'add', b, 'type', 'bridge']);
      run('ip', ['link', 'set', b, 'up']);
      made.push(() => run('ip', ['link', 'del', b]));
    }
});

afterAll(async () => {
  if (live) {
    for (const d of [`${tenant}-web`, `${tenant}-db`, `${tenant}x-web`, `${tenant}x-db`, `${tenant}s-web`, `${tenant}s-db`, `${tenant}c-web`, `${tenant}c-db`, `${tenant}-foreign`]) {
      run('virsh', ['-c', 'qemu:///system', 'destroy', d], { allowFail: true });
      run('virsh', ['-c', 'qemu:///system', 'undefine', d], { allowFail: true });
    }
    for (const f of ['db-guard', 'antispoof', 'web-ingress'])
      for (const t of [tenant, `${tenant}x`, `${tenant}s`, `${tenant}c`]) run('virsh', ['-c', 'qemu:///system', 'nwfilter-undefine', `${t}-${f}`], { allowFail: true });
  }
  for (const step of made.reverse()) step();
  await cluster?.stopAll();
  rmSync(work, { recursive: true, force: true });
  rmSync(storage, { recursive: true, force: true });
});

describe.skipIf(!live).sequential('deploy over SSH', () => {
  it('refuses a macro value with shell metacharacters before running anything', async () => {
    const canary = join(work, 'pwned');
    const bad = join(work, 'bad-vars.yaml');
    writeFileSync(bad, varsText(tenant).replace('ip: 10.0.0.10 }', `ip: "$(touch ${canary})" }`));
    const r = await cli([...deployArgs(0), '--vars', bad]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/macro-type/);
    expect(existsSync(canary)).toBe(false);
    expect(virsh('list', '--all', '--name').stdout).not.toContain(`${tenant}-web`);
  });

  it("with host B down, lands host A's VM, exits 1 and names the failure; then converges; then changes nothing", async () => {
    await cluster!.stop(1);
    const html = join(work, 'deploy.html');
    const first = await cli([...deployArgs(0, 1), '--html', html]);
    expect(first.code).toBe(1);
    const r1 = JSON.parse(first.out);
    // The HTML report of the same run: a lane per VM, the failed one marked, the tenant's filter graph.
    const page = readFileSync(html, 'utf8');
    expect(page).toContain(`<div class="lane failed" data-vm="${tenant}-db" data-status="failed">`);
    expect(page).toContain(`<div class="lane" data-vm="${tenant}-web" data-status="created">`);
    expect(page).toContain(`data-tenant="${tenant}"`);
    expect(r1.vms).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: `${tenant}-web`, status: 'created' }), expect.objectContaining({ name: `${tenant}-db`, status: 'failed', error: expect.any(String) })]),
    );
    expect(r1.hosts.find((h: { host: string }) => h.host === host(1)).status).toBe('failed');
    expect(r1.bytesUploaded).toBeGreaterThan(0);
    expect(virsh('dumpxml', `${tenant}-web`).stdout).toContain(`<filterref filter='${tenant}-web-ingress'>`);

    await cluster!.start(1);
    const second = await cli(deployArgs(0, 1));
    expect(second.err).not.toMatch(/failed/);
    expect(second.code).toBe(0);
    const r2 = JSON.parse(second.out);
    expect(r2.vms.map((v: { name: string; status: string }) => [v.name, v.status]).sort()).toEqual([
      [`${tenant}-db`, 'created'],
      [`${tenant}-web`, 'unchanged'],
    ]);
    // Both VMs share one image: the store holds it once (content-addressed: <sha256 of the vmdk>.qcow2),
    // converted straight from the verified upload; no temporary file is left.
    const images = run('ls', [join(storage, 'images')])
      .stdout.trim()
      .split('\n');
    expect(images).toHaveLength(1);
    expect(images[0]).toMatch(/^[0-9a-f]{64}\.qcow2$/);

    const third = await cli(deployArgs(0, 1));
    expect(third.code).toBe(0);
    const r3 = JSON.parse(third.out);
    expect(r3.vms.every((v: { status: string }) => v.status === 'unchanged')).toBe(true);
    expect(r3.bytesUploaded).toBe(0);
  });

  it('refuses an unknown host key, and a changed one', async () => {
    const empty = join(work, 'empty_known_hosts');
    writeFileSync(empty, '');
    const unknown = await cli([...deployArgs(0), '--known-hosts', empty]);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/is not known.*\[OVFPIPE_HOSTKEY_UNKNOWN\]/);
    expect(JSON.parse(unknown.out).vms.every((v: { status: string }) => v.status === 'failed')).toBe(true);
    await cluster!.changeHostKey(0);
    const changed = await cli(deployArgs(0));
    expect(changed.code).toBe(1);
    expect(changed.err).toMatch(/\[OVFPIPE_HOSTKEY_MISMATCH\]/);
  });

  it('leaves a domain it does not own untouched', async () => {
    const foreign = `${tenant}x-web`;
    const xml = readFileSync('test/golden/two-tier/demo-web.xml', 'utf8')
      .replace(/^<domain type='kvm'>/, `<domain type='${testDomainType()}'>`)
      .replace(/<name>[^<]+<\/name>/, `<name>${foreign}</name>`)
      .replace(/<uuid>[^<]+<\/uuid>/, '')
      .replace(/<metadata>[\s\S]*<\/metadata>/, '')
      .replace(/<interface[\s\S]*<\/interface>/, '')
      .replace(/<disk type='file' device='disk'>[\s\S]*?<\/disk>/, '');
    const path = join(work, 'foreign.xml');
    writeFileSync(path, xml);
    virsh('define', path);
    const before = virsh('dumpxml', foreign).stdout;
    const r = await deploy({
      pkg: 'examples/two-tier',
      tenant: `${tenant}x`,
      vars: parseVarsYaml(varsText(`${tenant}x`)).vars,
      hosts: [host(1)],
      connect: hostConnector({ identity: cluster!.clientKey, knownHosts: cluster!.knownHostsFile }),
      connectUri: 'qemu:///system',
      storageRoot: storage,
      options: renderOptions({ domainType: testDomainType() }),
    });
    const web = r.report.vms.find((v) => v.name === foreign)!;
    expect(web.status).toBe('failed');
    expect(web.error).toMatch(/not created by ovfpipe/);
    expect(virsh('dumpxml', foreign).stdout).toBe(before);
  });

  it("hosts probe reports each host's capabilities, and an unreachable host", async () => {
    const r = await cli(['hosts', 'probe', '--host', host(1), '--host', 'ssh://root@127.0.0.1:1', '--identity', cluster!.clientKey, '--known-hosts', cluster!.knownHostsFile, '--json']);
    expect(r.code).toBe(1);
    const [ok, down] = JSON.parse(r.out);
    expect(ok).toMatchObject({ host: host(1), libvirtVersion: expect.stringMatching(/^\d+\./), qemuImgVersion: expect.stringMatching(/^\d+\./), lldpad: false });
    expect(ok.filters).toContain('clean-traffic');
    expect(ok.bridges).toContain(bridges[0]);
    expect(typeof ok.freeBytes).toBe('number');
    expect(down.error).toBeTruthy();
  });

  // Host 1 only: the host key test above changed host 0's key.
  it('--start starts and autostarts each VM; a VM that cannot start is rolled back; destroy stops and removes', async () => {
    const t = `${tenant}s`;
    const vars = join(work, 'start-vars.yaml');
    writeFileSync(vars, varsText(t));
    const args = ['--identity', cluster!.clientKey, '--known-hosts', cluster!.knownHostsFile, '--storage', storage, '--tenant', t, '--vars', vars, '--json'];
    const r = await cli(['deploy', 'examples/two-tier', '--host', host(1), ...args, '--domain-type', testDomainType(), '--start']);
    const report = JSON.parse(r.out);
    const db = report.vms.find((v: { name: string }) => v.name === `${t}-db`);
    expect(db.error).toBeUndefined();
    expect(db).toMatchObject({ status: 'created' });
    expect(virsh('domstate', `${t}-db`).stdout.trim()).toBe('running');
    expect(virsh('dominfo', `${t}-db`).stdout).toMatch(/Autostart:\s+enable/);
    // The web VM asks for <bandwidth>; where the kernel lacks the sfq qdisc libvirt cannot start it.
    // Then it is reported failed at the start step and rolled back (its domain and overlay removed).
    const web = report.vms.find((v: { name: string }) => v.name === `${t}-web`);
    if (web.status === 'failed') {
      expect(r.code).toBe(1);
      expect(web.error).toMatch(/^virsh start: /);
      expect(virsh('list', '--all', '--name').stdout).not.toContain(`${t}-web`);
      expect(existsSync(join(storage, 'vms', `${t}-web`, 'web-disk.qcow2'))).toBe(false);
    } else {
      expect(web.status).toBe('created');
      expect(virsh('domstate', `${t}-web`).stdout.trim()).toBe('running');
    }
    const again = JSON.parse((await cli(['deploy', 'examples/two-tier', '--host', host(1), ...args, '--domain-type', testDomainType(), '--start'])).out);
    expect(again.vms.find((v: { name: string }) => v.name === `${t}-db`)).toMatchObject({ status: 'unchanged' });
    const gone = await cli(['destroy', 'examples/two-tier', '--host', host(1), ...args]);
    expect(gone.code).toBe(0);
    expect(virsh('list', '--all', '--name').stdout).not.toContain(`${t}-db`);
  });

  it('uploads a CD-ROM image of the package once, verified, and attaches it', async () => {
    const t = `${tenant}c`;
    // two-tier, with an ISO the db VM mounts as a CD-ROM.
    const pkg = join(work, 'with-cd');
    mkdirSync(join(pkg, 'content'), { recursive: true });
    copyFileSync('examples/two-tier/app-disk1.vmdk', join(pkg, 'app-disk1.vmdk'));
    writeFileSync(join(pkg, 'content', 'README.txt'), 'tools for the db VM\n');
    run('xorriso', ['-as', 'mkisofs', '-quiet', '-V', 'TOOLS', '-o', join(pkg, 'tools.iso'), join(pkg, 'content')]);
    rmSync(join(pkg, 'content'), { recursive: true });
    const isoSize = statSync(join(pkg, 'tools.iso')).size;
    const cdItem = `<Item>\n          <rasd:ElementName>CD-ROM 1</rasd:ElementName>\n          <rasd:HostResource>ovf:/file/tools</rasd:HostResource>\n          <rasd:InstanceID>5</rasd:InstanceID>\n          <rasd:ResourceType>15</rasd:ResourceType>\n        </Item>\n      </VirtualHardwareSection>\n    </VirtualSystem>\n  </VirtualSystemCollection>`;
    const ovf = readFileSync('examples/two-tier/two-tier.ovf', 'utf8')
      .replace(
        '<File ovf:id="file1" ovf:href="app-disk1.vmdk" ovf:size="131072"/>',
        `<File ovf:id="file1" ovf:href="app-disk1.vmdk" ovf:size="131072"/>\n    <File ovf:id="tools" ovf:href="tools.iso" ovf:size="${isoSize}"/>`,
      )
      .replace(/<\/VirtualHardwareSection>\s*<\/VirtualSystem>\s*<\/VirtualSystemCollection>/, cdItem);
    writeFileSync(join(pkg, 'with-cd.ovf'), ovf);
    const sha = (f: string) =>
      createHash('sha256')
        .update(readFileSync(join(pkg, f)))
        .digest('hex');
    writeFileSync(join(pkg, 'with-cd.mf'), ['with-cd.ovf', 'app-disk1.vmdk', 'tools.iso'].map((f) => `SHA256(${f})= ${sha(f)}\n`).join(''));
    const vars = join(work, 'cd-vars.yaml');
    writeFileSync(vars, varsText(t));
    const args = [
      'deploy',
      pkg,
      '--host',
      host(1),
      '--identity',
      cluster!.clientKey,
      '--known-hosts',
      cluster!.knownHostsFile,
      '--storage',
      storage,
      '--tenant',
      t,
      '--vars',
      vars,
      '--domain-type',
      testDomainType(),
      '--json',
    ];
    const first = await cli(args);
    expect(first.err).not.toMatch(/failed/);
    expect(first.code).toBe(0);
    const iso = join(storage, 'images', `${sha('tools.iso')}.iso`);
    expect(createHash('sha256').update(readFileSync(iso)).digest('hex')).toBe(sha('tools.iso'));
    expect(virsh('dumpxml', `${t}-db`).stdout).toContain(`<source file='${iso}'/>`);
    const again = JSON.parse((await cli(args)).out);
    expect(again.vms.every((v: { status: string }) => v.status === 'unchanged')).toBe(true);
    expect(again.bytesUploaded).toBe(0);
    expect((await cli(['destroy', pkg, '--host', host(1), '--identity', cluster!.clientKey, '--known-hosts', cluster!.knownHostsFile, '--storage', storage, '--tenant', t, '--vars', vars])).code).toBe(
      0,
    );
  });

  it('destroy removes what ovfpipe created for the tenant, and nothing else', async () => {
    const args = [
      'destroy',
      'examples/two-tier',
      '--host',
      host(1),
      '--identity',
      cluster!.clientKey,
      '--known-hosts',
      cluster!.knownHostsFile,
      '--storage',
      storage,
      '--tenant',
      tenant,
      '--vars',
      varsFile,
      '--json',
    ];
    const r = await cli(args);
    expect(r.code).toBe(0);
    const names = virsh('list', '--all', '--name').stdout;
    expect(names).not.toContain(`${tenant}-web`);
    expect(names).not.toContain(`${tenant}-db`);
    expect(names).toContain(`${tenant}x-web`);
    expect(virsh('nwfilter-list').stdout).not.toContain(`${tenant}-web-ingress`);
    expect(virsh('nwfilter-list').stdout).toContain('clean-traffic');

    // A domain with the tenant's VM name that ovfpipe did not create is left alone by destroy.
    const xml = readFileSync('test/golden/two-tier/demo-web.xml', 'utf8')
      .replace(/^<domain type='kvm'>/, `<domain type='${testDomainType()}'>`)
      .replace(/<name>[^<]+<\/name>/, `<name>${tenant}-web</name>`)
      .replace(/<uuid>[^<]+<\/uuid>/, '')
      .replace(/<metadata>[\s\S]*<\/metadata>/, '')
      .replace(/<interface[\s\S]*<\/interface>/, '')
      .replace(/<disk type='file' device='disk'>[\s\S]*?<\/disk>/, '');
    writeFileSync(join(work, 'impostor.xml'), xml);
    virsh('define', join(work, 'impostor.xml'));
    const before = virsh('dumpxml', `${tenant}-web`).stdout;
    const again = await cli([...args]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.out).hosts[0].skipped).toContain(`domain ${tenant}-web: not created by ovfpipe for tenant ${tenant}`);
    expect(virsh('dumpxml', `${tenant}-web`).stdout).toBe(before);
    virsh('undefine', `${tenant}-web`);
  });
});
