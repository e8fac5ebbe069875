/**
 * audit / audit --repair against a real OpenSSH server on loopback and a
 * real libvirtd: a deployed, RUNNING VM whose anti-spoofing filter is
 * enforced by ebtables on its tap (TEST-INFRA.md "Start with a real filter
 * applied"). Drift is made the way it happens: the chain flushed as a
 * firewalld reload would, the filter redefined by hand. A foreign domain and
 * a foreign filter on the same host are left untouched by --repair.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { testDomainType } from '../helpers/domain-type.js';
import { requireLibvirt, run, virsh } from './services.js';
import { requireSshd, startSshds, type SshdCluster } from './sshd.js';

const live = requireSshd('audit end-to-end tests') && requireLibvirt('audit end-to-end tests');
const tenant = `aud${process.pid}`;
const vm = `${tenant}-web`;
const guard = `${tenant}-guard`;
const antispoof = `${tenant}-antispoof`;
const foreignDomain = `${tenant}x-foreign`;
const foreignFilter = `${tenant}x-foreign-filter`;
const bridge = `ovfau${process.pid % 10000}`;
const guestIp = '10.78.0.5';
const work = mkdtempSync(join(tmpdir(), 'ovfpipe-e2e-audit-'));
const storage = `/var/lib/ovfpipe-e2e/audit-${tenant}`;
const pkg = join(work, 'pkg');
const varsFile = join(work, 'vars.yaml');
let cluster: SshdCluster | undefined;
const cleanup: Array<() => void> = [];

const cli = runCli;

const host = () => `ssh://root@127.0.0.1:${cluster!.hosts[0]!.port}`;
const common = () => ['--identity', cluster!.clientKey, '--known-hosts', cluster!.knownHostsFile, '--storage', storage, '--tenant', tenant, '--vars', varsFile, '--domain-type', testDomainType()];
const audit = (...extra: string[]) => cli(['audit', pkg, '--host', host(), ...common(), ...extra]);
const tap = (domain = vm) =>
  virsh('domiflist', domain)
    .stdout.split('\n')
    .map((l) => l.trim().split(/\s+/))
    .find((c) => c[2] === bridge)![0]!;
const findings = (json: string) =>
  (JSON.parse(json).hosts as Array<{ vms: Array<{ findings: Array<{ class: string; vm: string; filter?: string; interface?: string }> }> }>).flatMap((h) => h.vms.flatMap((v) => v.findings));

beforeAll(async () => {
  if (!live) return;
  // Host 1 is the same machine seen through an sshd whose mount namespace has no ebtables
  // (the alternatives entry removed): a host whose tooling cannot list the bridge rules.
  const hideEbtables = 'mkdir -p "$0/alt" && cp -a /etc/alternatives/. "$0/alt/" && rm -f "$0"/alt/ebtables* && mount --bind "$0/alt" /etc/alternatives && exec "$@"';
  cluster = await startSshds(2, { wrap: (i, h) => (i === 1 ? ['unshare', '-m', '--propagation', 'private', 'sh', '-c', hideEbtables, h.dir] : undefined) });
  if (run('ip', ['link', 'show', bridge], { allowFail: true }).status !== 0) {
    run('ip', ['link', 'add', bridge, 'type', 'bridge']);
    cleanup.push(() => run('ip', ['link', 'del', bridge]));
  }
  run('ip', ['link', 'set', bridge, 'up']);
  // No <bandwidth> in the profile: some kernels here lack the sfq qdisc libvirt needs to start it.
  writeFileSync(join(work, 'bridge.yaml'), 'name: lab-bridge\nmode: bridge\nsource: ${bridge}\n');
  // guard: ebtables (antispoof's ipv4 rule, allow-arp) and iptables (ssh to the guest).
  writeFileSync(
    join(work, 'guard.xml'),
    "<filter name='guard' chain='root'><filterref filter='antispoof'/><filterref filter='allow-arp'/><rule action='accept' direction='in' priority='100'><tcp dstportstart='22'/></rule></filter>",
  );
  const embed = await cli([
    'netsec',
    'embed',
    'examples/web-appliance',
    '-o',
    pkg,
    '--filter',
    join(work, 'guard.xml'),
    '--filter',
    'examples/netsec/antispoof.xml',
    '--profile',
    join(work, 'bridge.yaml'),
    '--bind',
    'nic=frontend,filter=guard,profile=lab-bridge,IP=${guest_ip}',
  ]);
  if (embed.code !== 0) throw new Error(embed.err);
  writeFileSync(varsFile, `defaults:\n  guest_ip: ${guestIp}\n  bridge: ${bridge}\n  ip: ${guestIp}\n  admin_password: { value: x, secret: true }\n`);
  // A foreign domain and a foreign filter on the same host.
  writeFileSync(
    join(work, 'foreign-filter.xml'),
    `<filter name='${foreignFilter}' chain='ipv4'><rule action='drop' direction='out' priority='500'><ip match='no' srcipaddr='10.99.0.1'/></rule></filter>`,
  );
  virsh('nwfilter-define', '--validate', join(work, 'foreign-filter.xml'));
  cleanup.push(() => virsh('nwfilter-undefine', foreignFilter));
  writeFileSync(
    join(work, 'foreign.xml'),
    `<domain type='${testDomainType()}'><name>${foreignDomain}</name><memory unit='MiB'>32</memory><os><type arch='x86_64' machine='q35'>hvm</type></os><devices><interface type='bridge'><source bridge='${bridge}'/><filterref filter='${foreignFilter}'/></interface></devices></domain>`,
  );
  virsh('define', join(work, 'foreign.xml'));
  cleanup.push(() => virsh('undefine', foreignDomain));
  // Running, so its filter is instantiated too (no disk: it idles in the firmware).
  virsh('start', foreignDomain);
  cleanup.push(() => virsh('destroy', foreignDomain));
});

afterAll(async () => {
  if (live) {
    run('virsh', ['-c', 'qemu:///system', 'destroy', vm], { allowFail: true });
    run('virsh', ['-c', 'qemu:///system', 'undefine', vm], { allowFail: true });
    for (const f of [guard, antispoof]) run('virsh', ['-c', 'qemu:///system', 'nwfilter-undefine', f], { allowFail: true });
  }
  for (const step of cleanup.reverse()) {
    try {
      step();
    } catch {
      // keep cleaning
    }
  }
  await cluster?.stopAll();
  rmSync(work, { recursive: true, force: true });
  rmSync(storage, { recursive: true, force: true });
});

describe.skipIf(!live).sequential('audit over SSH', () => {
  let foreignBefore = '';
  let foreignFilterBefore = '';

  it('a deployed, running VM with its anti-spoofing filter enforced audits clean', async () => {
    const d = await cli(['deploy', pkg, '--host', host(), ...common(), '--start', '--json']);
    expect(d.err).not.toMatch(/FAILED/);
    expect(d.code).toBe(0);
    expect(virsh('domstate', vm).stdout.trim()).toBe('running');
    expect(run('ebtables', ['-t', 'nat', '-L', `libvirt-I-${tap()}`]).stdout).toMatch(/-j I-/);
    foreignBefore = virsh('dumpxml', foreignDomain).stdout;
    foreignFilterBefore = virsh('nwfilter-dumpxml', foreignFilter).stdout;
    const r = await audit('--json');
    expect(r.code, r.out).toBe(0);
    const json = JSON.parse(r.out);
    expect(json.hosts[0]).toMatchObject({ status: 'clean', vms: [{ name: vm, state: 'running', status: 'clean', findings: [] }] });
    expect(json.hosts[0].tooling.ebtables).toMatch(/^ebtables /);
  });

  it('audits a pipeline file the same way: its placement, its hosts', async () => {
    const file = join(work, 'pipeline.yaml');
    writeFileSync(
      file,
      [
        'version: 1',
        `packages: { pkg: { path: ${pkg} } }`,
        'inventory:',
        `  defaults: { identity: ${cluster!.clientKey}, knownHosts: ${cluster!.knownHostsFile}, storage: ${storage} }`,
        `  hosts: { a: { address: "${host()}" } }`,
        `defaults: { domainType: ${testDomainType()}, vars: { guest_ip: ${guestIp}, bridge: ${bridge}, ip: ${guestIp}, admin_password: { value: x, secret: true } } }`,
        `tenants: { ${tenant}: { deployments: [ { package: pkg } ] } }`,
        '',
      ].join('\n'),
    );
    const r = await cli(['audit', file, '--json']);
    expect(r.code, r.out + r.err).toBe(0);
    expect(JSON.parse(r.out).hosts).toEqual([expect.objectContaining({ host: host(), status: 'clean', vms: [expect.objectContaining({ name: vm, status: 'clean' })] })]);
  });

  it('a flushed ebtables chain is firewall-rules-missing naming the VM, interface and filter; --repair restores it', async () => {
    const dev = tap();
    run('ebtables', ['-t', 'nat', '-F', `libvirt-I-${dev}`]);
    // The foreign VM's chain is flushed too: --repair must leave it so.
    const foreignTap = tap(foreignDomain);
    run('ebtables', ['-t', 'nat', '-F', `libvirt-I-${foreignTap}`]);
    expect(run('ebtables', ['-t', 'nat', '-L', `libvirt-I-${dev}`]).stdout).toMatch(/entries: 0/);
    const sarif = join(work, 'audit.sarif');
    const junit = join(work, 'audit.xml');
    const r = await audit('--json', '--sarif', sarif, '--junit', junit);
    expect(r.code).toBe(1);
    expect(findings(r.out)).toEqual([expect.objectContaining({ class: 'firewall-rules-missing', vm, interface: dev, filter: guard })]);
    const s = JSON.parse(readFileSync(sarif, 'utf8'));
    expect(s.runs[0].results[0]).toMatchObject({ ruleId: 'firewall-rules-missing', properties: { vm, filter: guard, interface: dev } });
    expect(s.runs[0].results[0].locations[0].logicalLocations.map((l: { name: string }) => l.name)).toEqual([vm, dev, guard]);
    expect(readFileSync(junit, 'utf8')).toMatch(/<failure type="firewall-rules-missing"/);
    const text = await audit();
    expect(text.out).toMatch(new RegExp(`firewall-rules-missing  interface ${dev}, filter ${guard}: ebtables chain libvirt-I-${dev} is empty`));

    const fixed = await audit('--repair', '--json');
    expect(fixed.code, fixed.out + fixed.err).toBe(0);
    const repairs = JSON.parse(fixed.out).repairs;
    expect(repairs).toEqual([expect.objectContaining({ action: 'recreate-binding', target: `${vm}/${dev}`, ok: true })]);
    if (repairs[0].detail) console.warn(`binding re-create needed a retry: ${repairs[0].detail}`);
    expect(run('ebtables', ['-t', 'nat', '-L', `libvirt-I-${tap()}`]).stdout).toMatch(/-j I-/);
    expect(run('ebtables', ['-t', 'nat', '-L']).stdout).toMatch(new RegExp(`--ip-src ! ${guestIp.replace(/\./g, '\\.')} -j DROP`));
    expect((await audit()).code).toBe(0);
    expect(run('ebtables', ['-t', 'nat', '-L', `libvirt-I-${foreignTap}`]).stdout).toMatch(/entries: 0/);
    expect(fixed.out).not.toContain(foreignDomain);
  });

  it('a jump deleted from PREROUTING is drift too, and repaired', async () => {
    const dev = tap();
    run('ebtables', ['-t', 'nat', '-D', 'PREROUTING', '-i', dev, '-j', `libvirt-I-${dev}`]);
    const r = await audit('--json');
    expect(r.code).toBe(1);
    expect(findings(r.out)).toEqual([expect.objectContaining({ class: 'firewall-rules-missing', interface: dev })]);
    expect((await audit('--repair')).code).toBe(0);
    expect(run('ebtables', ['-t', 'nat', '-L', 'PREROUTING']).stdout).toContain(`-j libvirt-I-${tap()}`);
  });

  it('an iptables jump removed (as a firewall reload would) is firewall-rules-missing; --repair restores it', async () => {
    const dev = tap();
    expect(run('iptables', ['-S', `FO-${dev}`]).stdout).toMatch(/--dport 22/);
    const jump = run('iptables', ['-S', 'libvirt-out'])
      .stdout.split('\n')
      .find((l) => l.includes(`-g FO-${dev}`))!;
    run('iptables', ['-D', ...jump.replace(/^-A /, '').split(' ')]);
    const r = await audit('--json');
    expect(r.code).toBe(1);
    expect(findings(r.out)).toEqual([expect.objectContaining({ class: 'firewall-rules-missing', vm, interface: dev, filter: guard })]);
    expect(r.out).toContain(`iptables libvirt-out has no jump to FO-${dev}`);
    expect((await audit('--repair')).code).toBe(0);
    expect(run('iptables', ['-S', 'libvirt-out']).stdout).toContain(`-g FO-${tap()}`);
  });

  it('a domain edited by hand (vlan added to its interface) is changed-port-profile; --repair redefines it from the rendered XML', async () => {
    const xml = virsh('dumpxml', '--inactive', vm).stdout.replace(/(<interface type='bridge'>)/, "$1\n      <vlan><tag id='42'/></vlan>");
    writeFileSync(join(work, 'edited.xml'), xml);
    virsh('define', join(work, 'edited.xml'));
    const r = await audit('--json');
    expect(r.code).toBe(1);
    expect(findings(r.out)).toEqual([expect.objectContaining({ class: 'changed-port-profile', vm })]);
    const fixed = await audit('--repair', '--json');
    expect(fixed.code, fixed.out).toBe(0);
    expect(JSON.parse(fixed.out).repairs).toEqual([expect.objectContaining({ action: 'redefine-domain', target: vm, ok: true })]);
    expect(virsh('dumpxml', '--inactive', vm).stdout).not.toContain("<tag id='42'/>");
  });

  it("a running interface's filter parameter changed live is drift; --repair puts the rendered interface back live", async () => {
    const liveXml = virsh('dumpxml', vm).stdout;
    const iface = /<interface type='bridge'>[\s\S]*?<\/interface>/.exec(liveXml)![0];
    writeFileSync(join(work, 'iface.xml'), iface.replace(`value='${guestIp}'`, "value='10.78.0.99'"));
    virsh('update-device', vm, join(work, 'iface.xml'), '--live');
    expect(run('ebtables', ['-t', 'nat', '-L']).stdout).toContain('10.78.0.99');
    const r = await audit('--json');
    expect(r.code).toBe(1);
    expect(
      findings(r.out)
        .map((f) => f.class)
        .sort(),
    ).toEqual(['changed-domain', 'changed-parameters']);
    const fixed = await audit('--repair', '--json');
    expect(fixed.code, fixed.out).toBe(0);
    expect(JSON.parse(fixed.out).repairs).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'update-interface', ok: true })]));
    const rules = run('ebtables', ['-t', 'nat', '-L']).stdout;
    expect(rules).not.toContain('10.78.0.99');
    expect(rules).toContain(`--ip-src ! ${guestIp}`);
  });

  it('a filter redefined by hand with another rule is changed-filter; --repair puts ours back', async () => {
    const mine = virsh('nwfilter-dumpxml', antispoof).stdout;
    const hacked = mine.replace('</filter>', "  <rule action='accept' direction='out' priority='100'>\n    <ip srcipaddr='10.66.6.6'/>\n  </rule>\n</filter>");
    writeFileSync(join(work, 'hacked.xml'), hacked);
    virsh('nwfilter-define', '--validate', join(work, 'hacked.xml'));
    const r = await audit('--json');
    expect(r.code).toBe(1);
    expect(findings(r.out)).toEqual([expect.objectContaining({ class: 'changed-filter', vm, filter: antispoof })]);
    const fixed = await audit('--repair', '--json');
    expect(fixed.code, fixed.out).toBe(0);
    expect(JSON.parse(fixed.out).repairs).toEqual([expect.objectContaining({ action: 'define-filter', target: antispoof, ok: true })]);
    expect(virsh('nwfilter-dumpxml', antispoof).stdout).not.toContain('10.66.6.6');
    expect(run('ebtables', ['-t', 'nat', '-L']).stdout).not.toContain('10.66.6.6');
  });

  it('--repair left the foreign domain and the foreign filter untouched', () => {
    expect(virsh('dumpxml', foreignDomain).stdout).toBe(foreignBefore);
    expect(virsh('nwfilter-dumpxml', foreignFilter).stdout).toBe(foreignFilterBefore);
  });

  it('an unreachable host is unreachable, not drift, and the other host is still audited', async () => {
    const r = await cli(['audit', pkg, '--host', host(), '--host', 'ssh://root@127.0.0.1:1', ...common(), '--json']);
    expect(r.code).toBe(1);
    const [ok, down] = JSON.parse(r.out).hosts;
    expect(ok).toMatchObject({ status: 'clean', vms: [{ name: vm, status: 'clean' }] });
    expect(down).toMatchObject({ host: 'ssh://root@127.0.0.1:1', status: 'unreachable', vms: [] });
  });

  it('rules the host cannot list are cannot-verify with the reason, never clean; --repair does not act on them', async () => {
    const other = `ssh://root@127.0.0.1:${cluster!.hosts[1]!.port}`;
    const r = await cli(['audit', pkg, '--host', other, ...common(), '--json']);
    expect(r.code).toBe(1);
    const h = JSON.parse(r.out).hosts[0];
    expect(h).toMatchObject({ status: 'cannot-verify', vms: [{ name: vm, status: 'cannot-verify' }] });
    expect(h.vms[0].findings).toEqual([
      expect.objectContaining({ class: 'cannot-verify', interface: tap(), filter: guard, repairable: false, detail: expect.stringMatching(/ebtables is not installed/) }),
    ]);
    const repaired = await cli(['audit', pkg, '--host', other, ...common(), '--repair', '--json']);
    expect(repaired.code).toBe(1);
    expect(JSON.parse(repaired.out).repairs).toEqual([]);
  });

  it('a stopped or missing domain: missing-domain, not clean', async () => {
    virsh('destroy', vm);
    const stopped = await audit('--json');
    expect(stopped.code).toBe(0);
    expect(JSON.parse(stopped.out).hosts[0].vms[0]).toMatchObject({ state: 'stopped', status: 'clean' });
    virsh('undefine', vm);
    const gone = await audit('--json');
    expect(gone.code).toBe(1);
    expect(findings(gone.out)).toEqual([expect.objectContaining({ class: 'missing-domain', vm })]);
    // Repaired through the normal apply path: defined again (not started: it was not running).
    const fixed = await audit('--repair', '--json');
    expect(fixed.code, fixed.out).toBe(0);
    expect(JSON.parse(fixed.out).repairs).toEqual([expect.objectContaining({ action: 'apply-domain', target: vm, ok: true, detail: 'created' })]);
    expect(virsh('domstate', vm).stdout.trim()).toBe('shut off');
  });
});
