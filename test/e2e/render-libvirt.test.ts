/**
 * Render against a real libvirtd: the filters of a rendered package are
 * defined with `nwfilter-define --validate` in plan order, the domain is
 * defined and started with its NIC on a test bridge and an anti-spoofing
 * filter bound to IP=${guest_ip}, and the rule is really enforced: ebtables
 * shows the resolved IP on the guest's tap. Everything is cleaned up.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { requireLibvirt, run, virsh } from './services.js';
import { testDomainType } from '../helpers/domain-type.js';

const live = requireLibvirt('render → real libvirtd test');
const tenant = `e2e${process.pid}`;
const bridge = `ovfbr${process.pid % 100000}`;
const guestIp = '10.77.0.5';
const work = mkdtempSync(join(tmpdir(), 'ovfpipe-e2e-render-'));
// Under /var/lib, not a 0700 temp dir: QEMU runs as libvirt-qemu and must reach the images.
const storage = `/var/lib/ovfpipe-e2e/render-${tenant}`;
const cleanup: Array<() => void> = [];

afterAll(() => {
  for (const step of cleanup.reverse()) {
    try {
      step();
    } catch {
      // keep cleaning
    }
  }
  rmSync(work, { recursive: true, force: true });
  rmSync(storage, { recursive: true, force: true });
});

async function cli(args: string[]) {
  let out = '';
  let err = '';
  const code = await main(args, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, env: {}, cwd: process.cwd() });
  if (code !== 0) throw new Error(`ovfpipe ${args.join(' ')} → ${code}: ${err}${out}`);
  return out;
}

describe.skipIf(!live)('rendered XML on a real libvirtd', () => {
  it('defines the filters in plan order, starts the domain, and the anti-spoofing rule is enforced', async () => {
    // A package with an anti-spoofing filter bound to IP=${guest_ip} on a bridge profile.
    const pkg = join(work, 'pkg');
    // No <bandwidth> here: this sandbox's kernel lacks the sfq qdisc libvirt's tc calls need (define-level tests cover it).
    const profile = join(work, 'bridge.yaml');
    writeFileSync(profile, 'name: lab-bridge\nmode: bridge\nsource: ${bridge}\n');
    // A filter that references another embedded one: plan order must define antispoof first.
    const guard = join(work, 'guard.xml');
    writeFileSync(guard, "<filter name='guard' chain='root'><filterref filter='antispoof'/><filterref filter='allow-arp'/></filter>");
    await cli([
      'netsec',
      'embed',
      'examples/web-appliance',
      '-o',
      pkg,
      '--filter',
      guard,
      '--filter',
      'examples/netsec/antispoof.xml',
      '--profile',
      profile,
      '--bind',
      'nic=frontend,filter=guard,profile=lab-bridge,IP=${guest_ip}',
    ]);
    const vars = join(work, 'vars.yaml');
    writeFileSync(vars, `guest_ip: ${guestIp}\nbridge: ${bridge}\nip: ${guestIp}\nadmin_password: { value: x, secret: true }\n`);
    const out = join(work, 'out');
    await cli(['render', pkg, '--tenant', tenant, '--vars', vars, '--out', out, '--storage', storage, '--domain-type', testDomainType()]);
    const plan = JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8'));

    expect(plan.filters.map((f: { name: string }) => f.name)).toEqual([`${tenant}-antispoof`, `${tenant}-guard`]);
    expect(readFileSync(join(out, plan.filters[1].file), 'utf8')).toContain(`<filterref filter='${tenant}-antispoof'/>`);
    // 1. Filters, in definition order, strictly validated.
    for (const f of plan.filters) {
      virsh('nwfilter-define', '--validate', join(out, f.file));
      cleanup.push(() => virsh('nwfilter-undefine', f.name));
    }
    // Redefining with the same stable uuid is an update, not a clash.
    virsh('nwfilter-define', '--validate', join(out, plan.filters[0].file));

    // Disks as deploy would lay them out: converted base + per-VM overlay, and the ovf-env ISO.
    for (const d of plan.disks) {
      mkdirSync(join(storage, 'images'), { recursive: true });
      mkdirSync(join(storage, 'vms', d.domain), { recursive: true });
      run('qemu-img', ['convert', '-f', d.sourceFormat, '-O', 'qcow2', join(pkg, d.href), d.basePath]);
      run('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', d.basePath, d.overlayPath]);
    }
    const dom = plan.domains[0];
    copyFileSync(join(out, dom.ovfEnv.iso), dom.ovfEnv.hostPath);

    // 2. A test bridge, then define and start.
    if (run('ip', ['link', 'show', bridge], { allowFail: true }).status !== 0) {
      run('ip', ['link', 'add', bridge, 'type', 'bridge']);
      cleanup.push(() => run('ip', ['link', 'del', bridge]));
    }
    run('ip', ['link', 'set', bridge, 'up']);
    virsh('define', join(out, dom.file));
    cleanup.push(() => virsh('undefine', dom.name));
    virsh('start', dom.name);
    cleanup.push(() => virsh('destroy', dom.name));
    expect(virsh('domstate', dom.name).stdout.trim()).toBe('running');

    // 3. The filter is really applied: the binding exists and ebtables drops other source IPs.
    expect(virsh('nwfilter-binding-list').stdout).toContain(`${tenant}-guard`);
    const ebtables = run('ebtables', ['-t', 'nat', '-L']).stdout;
    expect(ebtables).toContain(guestIp);
    expect(ebtables).toMatch(new RegExp(`--ip-src ! ${guestIp.replace(/\./g, '\\.')}`));
  });
});
