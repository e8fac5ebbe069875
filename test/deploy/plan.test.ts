/**
 * planHost and the compile of a HostPlan into remote steps, from host facts
 * recorded on a real libvirtd (test/e2e/record-host-facts.test.ts): the
 * two-tier example (two VMs sharing one vmdk, three filters of which one
 * references another) on an empty host, after it was deployed, and for a
 * tenant whose web domain and antispoof filter exist but are not ovfpipe's.
 * Pure: no host, no package.
 */
import { describe, expect, it } from 'vitest';
import type { HostFacts } from '../../src/deploy/facts.js';
import { planHost, type HostPlan } from '../../src/deploy/plan.js';
import { withDiskMode } from '../../src/deploy/deploy.js';
import { convertSteps, hostPlanSteps, type RemoteStep, vmApplySteps } from '../../src/deploy/steps.js';
import { type Desired, loadDesired, loadFacts } from './recorded-facts.js';

const URI = 'qemu:///system';
const ROOT = '/var/lib/ovfpipe-e2e/recorded-facts';
const SHA = '3f8c4b6dc7f69238e1070fae0e12a745dd22caca9ee6f08054ad98347d58ca30';
const VMDK = `${ROOT}/images/${SHA}.vmdk`;
const BASE = `${ROOT}/images/${SHA}.qcow2`;

const rec = () => loadDesired('desired-two-tier-rec.json');
const recx = () => loadDesired('desired-two-tier-recx.json');
const empty = () => loadFacts('host-facts-empty.json');
const deployed = () => loadFacts('host-facts-deployed.json');
const foreign = () => loadFacts('host-facts-foreign.json');

const ids = (steps: readonly RemoteStep[]) => steps.map((s) => s.id);
const actions = (p: HostPlan) => ({ filters: p.filters.map((f) => [f.filter.name, f.action]), vms: p.vms.map((v) => [v.vm.name, v.action]) });
const vm = (p: HostPlan, name: string) => p.vms.find((v) => v.vm.name === name)!;

describe('recorded facts', () => {
  it('are what gatherFacts returned on a real host', () => {
    const f = deployed();
    expect(f.images).toEqual(new Set([`${SHA}.qcow2`]));
    expect([...f.domains.keys()].sort()).toEqual(['rec-db', 'rec-web']);
    expect(f.filterNames.has('clean-traffic')).toBe(true);
    expect(f.links).toEqual(new Set(['ovfrec0', 'ovfrec1']));
    expect(f.problems).toEqual([]);
  });
});

describe('planHost on an empty host', () => {
  const plan = planHost(rec(), empty(), {});

  it('creates every VM and defines every filter', () => {
    expect(actions(plan)).toEqual({
      filters: [
        ['rec-web-ingress', 'define'],
        ['rec-antispoof', 'define'],
        ['rec-db-guard', 'define'],
      ],
      vms: [
        ['rec-web', 'create'],
        ['rec-db', 'create'],
      ],
    });
    expect(plan.problems).toEqual([]);
  });

  it('keeps the filters in definition order: a referenced filter before the one referencing it', () => {
    const names = plan.filters.map((f) => f.filter.name);
    for (const f of plan.filters) for (const ref of f.filter.references) if (names.includes(ref)) expect(names.indexOf(ref)).toBeLessThan(names.indexOf(f.filter.name));
    expect(plan.filters.find((f) => f.filter.name === 'rec-db-guard')!.filter.references).toEqual(['rec-antispoof']);
  });

  it('uploads the image the two VMs share once, to be converted into its qcow2 base', () => {
    expect(plan.images).toEqual([{ sha256: SHA, href: 'app-disk1.vmdk', sourceFormat: 'vmdk', bytes: 131072, storedPath: VMDK, basePath: BASE, upload: true, convert: true }]);
    expect(plan.bytesToSend).toBe(131072);
    expect(plan.vms.flatMap((v) => v.disks.map((d) => d.createOverlay))).toEqual([true, true]);
  });

  it('compiles each VM into one step list: its directory, its overlay, its definition', () => {
    const steps = hostPlanSteps(plan, URI, 'u1');
    expect(steps.images).toEqual([]); // uploaded and converted by the put, not by steps
    expect(steps.vms.map((v) => [v.name, ids(v.steps)])).toEqual([
      ['rec-web', ['vm-dir', 'overlay:web-disk.qcow2', 'define']],
      ['rec-db', ['vm-dir', 'overlay:db-disk.qcow2', 'define']],
    ]);
    const [dir, overlay, define] = steps.vms[0]!.steps as [RemoteStep, RemoteStep, RemoteStep];
    expect(dir.argv).toEqual(['mkdir', '-p', '--', `${ROOT}/vms/rec-web`]);
    expect(overlay.argv).toEqual(['qemu-img', 'create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', BASE, '--', `${ROOT}/vms/rec-web/web-disk.qcow2`]);
    expect(overlay.undo!.map((u) => u.argv)).toEqual([['rm', '-f', '--', `${ROOT}/vms/rec-web/web-disk.qcow2`]]);
    expect(define.argv).toEqual(['virsh', '-c', URI, 'define', '/dev/stdin']);
    expect(define.input).toBe(vm(plan, 'rec-web').vm.xml);
    // A domain this run creates is stopped (start may have worked) and undefined again on rollback.
    expect(define.undo!.map((u) => [u.id, u.argv, u.mayFail ?? false])).toEqual([
      ['undo:define:stop', ['virsh', '-c', URI, 'destroy', '--', 'rec-web'], true],
      ['undo:define', ['virsh', '-c', URI, 'undefine', '--', 'rec-web'], false],
    ]);
    // Only the definition reads stdin: the runner gives the exec's stdin to one step.
    expect(steps.vms.every((v) => v.steps.filter((s) => s.input !== undefined).length === 1)).toBe(true);
  });

  it('adds start and autostart when asked, with nothing of their own to undo', () => {
    const started = planHost(rec(), empty(), { start: true });
    const steps = vmApplySteps(vm(started, 'rec-db'), URI);
    expect(ids(steps)).toEqual(['vm-dir', 'overlay:db-disk.qcow2', 'define', 'start', 'autostart']);
    expect(steps.slice(3).map((s) => [s.argv, s.undo])).toEqual([
      [['virsh', '-c', URI, 'start', '--', 'rec-db'], undefined],
      [['virsh', '-c', URI, 'autostart', '--', 'rec-db'], undefined],
    ]);
  });

  it('refuses to plan images that do not fit: the upload and its conversion need twice its size', () => {
    const tight: HostFacts = { ...empty(), freeBytes: 200_000 };
    expect(planHost(rec(), tight, {}).problems).toEqual([`not enough space in ${ROOT}: 200000 bytes free, 262144 needed (images and their conversion)`]);
  });
});

describe('planHost after the deploy', () => {
  it('changes nothing and sends nothing', () => {
    const plan = planHost(rec(), deployed(), {});
    expect(actions(plan)).toEqual({
      filters: [
        ['rec-web-ingress', 'unchanged'],
        ['rec-antispoof', 'unchanged'],
        ['rec-db-guard', 'unchanged'],
      ],
      vms: [
        ['rec-web', 'unchanged'],
        ['rec-db', 'unchanged'],
      ],
    });
    expect(plan.images).toEqual([expect.objectContaining({ sha256: SHA, upload: false, convert: false })]);
    expect(plan.bytesToSend).toBe(0);
    expect(hostPlanSteps(plan, URI, 'u1').vms.map((v) => v.steps)).toEqual([[], []]);
  });

  it('starts a defined VM that is not running, in one step list of start and autostart', () => {
    const plan = planHost(rec(), deployed(), { start: true });
    expect(plan.vms.map((v) => [v.action, v.start])).toEqual([
      ['unchanged', true],
      ['unchanged', true],
    ]);
    expect(hostPlanSteps(plan, URI, 'u1').vms.map((v) => ids(v.steps))).toEqual([
      ['start', 'autostart'],
      ['start', 'autostart'],
    ]);
  });

  it('updates a VM whose desired definition changed, keeps its overlay, and never undefines it on rollback', () => {
    const desired: Desired = rec();
    const web = desired.vms.find((v) => v.name === 'rec-web')!;
    web.xml = web.xml.replace(/digest='[^']+'/, "digest='sha256:changed'");
    expect(web.xml).toContain("digest='sha256:changed'");
    const plan = planHost(desired, deployed(), {});
    expect(actions(plan).vms).toEqual([
      ['rec-web', 'update'],
      ['rec-db', 'unchanged'],
    ]);
    const steps = vmApplySteps(vm(plan, 'rec-web'), URI);
    expect(ids(steps)).toEqual(['vm-dir', 'define']);
    expect(steps[1]!.undo).toBeUndefined();
  });

  it('re-creates an overlay that went missing (the VM is updated, the overlay undone on rollback)', () => {
    const facts = deployed();
    facts.existing.delete(`${ROOT}/vms/rec-db/db-disk.qcow2`);
    const plan = planHost(rec(), facts, {});
    expect(actions(plan).vms).toEqual([
      ['rec-web', 'unchanged'],
      ['rec-db', 'update'],
    ]);
    expect(ids(vmApplySteps(vm(plan, 'rec-db'), URI))).toEqual(['vm-dir', 'overlay:db-disk.qcow2', 'define']);
  });

  it('marks an upload whose partial (a cut transfer of the same sha256) is in the store, and only that one', () => {
    const facts = empty();
    facts.images = new Set([`${BASE.split('/').pop()}.ovfpipe-part-${'0'.repeat(64)}`]);
    expect(planHost(rec(), facts, {}).images[0]!.partial).toBeUndefined();
    facts.images.add(`${BASE.split('/').pop()}.ovfpipe-part-${SHA}`);
    expect(planHost(rec(), facts, {}).images).toEqual([expect.objectContaining({ upload: true, convert: true, partial: true })]);
  });

  it('converts a raw image an earlier version left in the store, in checked steps to a temporary name owned by this run', () => {
    const facts = deployed();
    facts.images = new Set([`${SHA}.vmdk`]);
    const plan = planHost(rec(), facts, {});
    expect(plan.images).toEqual([expect.objectContaining({ upload: false, convert: true })]);
    expect(plan.bytesToSend).toBe(0);
    const [image] = hostPlanSteps(plan, URI, 'abc123').images;
    expect(image!.sha256).toBe(SHA);
    expect(ids(image!.steps)).toEqual(['check-image', 'convert', 'install', 'sync']);
    const tmp = `${BASE}.ovfpipe-tmp-convert-abc123`;
    const [check, convert, install, sync] = convertSteps(plan.images[0]!, 'abc123') as [RemoteStep, RemoteStep, RemoteStep, RemoteStep];
    expect(check.argv.slice(3)).toEqual(['ovfpipe-check-image', 'vmdk', VMDK]);
    expect(convert.argv).toEqual(['qemu-img', 'convert', '-q', '-f', 'vmdk', '-O', 'qcow2', '--', VMDK, tmp]);
    // The temporary file is this run's alone: removed even when the conversion itself failed half-way.
    expect([convert.undoOnFailure, convert.undo!.map((u) => u.argv)]).toEqual([true, [['rm', '-f', '--', tmp]]]);
    expect(install.argv).toEqual(['mv', '-f', '-T', '--', tmp, BASE]);
    expect(sync.argv).toEqual(['sync', '--', `${ROOT}/images`]);
  });
});

describe('planHost where the names are taken', () => {
  it('refuses a domain and a filter ovfpipe did not create, and creates the rest with the image already stored', () => {
    const plan = planHost(recx(), foreign(), {});
    expect(actions(plan)).toEqual({
      filters: [
        ['recx-web-ingress', 'define'],
        ['recx-antispoof', 'refuse'],
        ['recx-db-guard', 'define'],
      ],
      vms: [
        ['recx-web', 'refuse'],
        ['recx-db', 'create'],
      ],
    });
    expect(vm(plan, 'recx-web').reason).toBe('domain recx-web exists and was not created by ovfpipe; use --force to replace it');
    expect(plan.filters[1]!.reason).toBe("filter recx-antispoof exists with uuid 0b0c0d0e-1111-4222-8333-944455556666, not ovfpipe's; use --force to replace it");
    expect(plan.images).toEqual([expect.objectContaining({ upload: false, convert: false })]);
    expect(hostPlanSteps(plan, URI, 'u1').vms.map((v) => [v.name, ids(v.steps)])).toEqual([
      ['recx-web', []],
      ['recx-db', ['vm-dir', 'overlay:db-disk.qcow2', 'define']],
    ]);
  });

  it('replaces them with --force: the domain is updated (never undefined on rollback), the filter updated', () => {
    const plan = planHost(recx(), foreign(), { force: true });
    expect(actions(plan)).toEqual({
      filters: [
        ['recx-web-ingress', 'define'],
        ['recx-antispoof', 'update'],
        ['recx-db-guard', 'define'],
      ],
      vms: [
        ['recx-web', 'update'],
        ['recx-db', 'create'],
      ],
    });
    const steps = vmApplySteps(vm(plan, 'recx-web'), URI);
    expect(ids(steps)).toEqual(['vm-dir', 'overlay:web-disk.qcow2', 'define']);
    expect(steps[2]!.undo).toBeUndefined();
  });

  it('refuses a domain of another tenant even though ovfpipe created it', () => {
    const facts = deployed();
    const desired = rec();
    for (const v of desired.vms) v.tenant = 'other';
    const plan = planHost(desired, facts, {});
    expect(plan.vms.map((v) => [v.action, v.reason])).toEqual([
      ['refuse', "domain rec-web belongs to tenant 'rec'"],
      ['refuse', "domain rec-db belongs to tenant 'rec'"],
    ]);
  });
});

describe('planHost with --disk-mode backing', () => {
  const backing = (d: Desired): Desired => ({ ...d, disks: withDiskMode(d.disks, 'backing') });

  it('uploads the image once as it is, converts nothing, and lays each overlay on the upload in its own format', () => {
    const plan = planHost(backing(rec()), empty(), {});
    expect(plan.images).toEqual([{ sha256: SHA, href: 'app-disk1.vmdk', sourceFormat: 'vmdk', bytes: 131072, storedPath: VMDK, basePath: VMDK, upload: true, convert: false }]);
    const overlay = hostPlanSteps(plan, URI, 'u1').vms[0]!.steps.find((s) => s.id.startsWith('overlay:'))!;
    expect(overlay.argv).toEqual(['qemu-img', 'create', '-q', '-f', 'qcow2', '-F', 'vmdk', '-b', VMDK, '--', `${ROOT}/vms/rec-web/web-disk.qcow2`]);
  });

  it('sends an image wanted both ways (one deployment backing, one converting) once: the kept upload first, then a conversion of the stored file', () => {
    const mixed: Desired = { ...rec(), disks: [...withDiskMode(rec().disks.slice(0, 1), 'backing'), ...rec().disks.slice(1)] };
    const plan = planHost(mixed, empty(), {});
    expect(plan.images.map((i) => [i.basePath, i.upload, i.convert])).toEqual([
      [VMDK, true, false],
      [BASE, false, true],
    ]);
    expect(plan.bytesToSend).toBe(131072);
    // The conversion reads the stored upload (steps.ts convertSteps), after the upload placed it.
    expect(ids(hostPlanSteps(plan, URI, 'u1').images[0]!.steps)).toEqual(['check-image', 'convert', 'install', 'sync']);
  });

  it('plans nothing to send once the upload is in the store', () => {
    const facts: HostFacts = { ...empty(), images: new Set([`${SHA}.vmdk`]) };
    expect(planHost(backing(rec()), facts, {}).images.map((i) => [i.upload, i.convert])).toEqual([[false, false]]);
  });
});

describe('planHost when the disk mode changed after a deploy', () => {
  it('sends and converts nothing for VMs whose overlays exist on the other form of the image', () => {
    // Deployed in convert mode (the store holds <sha256>.qcow2, the overlays exist), now planned in backing mode.
    const plan = planHost({ ...rec(), disks: withDiskMode(rec().disks, 'backing') }, deployed(), {});
    expect(actions(plan).vms).toEqual([
      ['rec-web', 'unchanged'],
      ['rec-db', 'unchanged'],
    ]);
    expect(plan.images.map((i) => [i.basePath, i.upload, i.convert])).toEqual([[VMDK, false, false]]);
    expect(plan.bytesToSend).toBe(0);
  });

  it('still sends the image when an overlay is to be made on it', () => {
    const facts = deployed();
    facts.existing.delete(`${ROOT}/vms/rec-db/db-disk.qcow2`);
    const plan = planHost({ ...rec(), disks: withDiskMode(rec().disks, 'backing') }, facts, {});
    expect(plan.images.map((i) => [i.basePath, i.upload, i.convert])).toEqual([[VMDK, true, false]]);
  });
});
