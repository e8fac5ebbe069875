import { describe, expect, it } from 'vitest';
import { renderOptions } from '../../src/render/options.js';
import { letters } from '../../src/render/storage.js';
import { attr, child } from '../../src/xml/element.js';
import { attrs, cpu, ctrl, descriptor, devices, drive, mem, render, targets, type Spec } from './domain-fixtures.js';
import { placementsFor, planDisks } from '../../src/render/disk-plan.js';

const place = (instanceId: string, name = instanceId) => ({ instanceId, overlayPath: `/s/vms/acme-web/${name}.qcow2` });
/** Notes other than the 1 vCPU / 1 GiB fallbacks of fixtures without sizing Items. */
const deviceNotes = (notes: string[]) => notes.filter((n) => !/no (memory|processor) Item/.test(n));
const controllers = (spec: Spec, options = renderOptions()) => devices(render(spec, { options }).dom, 'controller').map(attrs);

describe('renderDomain: controllers', () => {
  it('maps every VMware SCSI subtype to virtio-scsi, with a note', () => {
    const spec: Spec = { items: ['lsilogic', 'buslogic', 'VirtualSCSI', 'lsilogicsas'].map((s, i) => ctrl(String(3 + i), '6', s)) };
    const { dom, notes } = render(spec);
    expect(devices(dom, 'controller').map(attrs)).toEqual([0, 1, 2, 3].map((index) => ({ type: 'scsi', index: String(index), model: 'virtio-scsi' })));
    expect(notes).toContain('VirtualSystem[web]/Item[InstanceID=3]: SCSI controller lsilogic → virtio-scsi');
  });

  it('lets options.scsiModelMap keep an emulated model', () => {
    expect(controllers({ items: [ctrl('3', '6', 'lsilogic')] }, renderOptions({ scsiModelMap: { lsilogic: 'lsilogic' } }))).toEqual([{ type: 'scsi', index: '0', model: 'lsilogic' }]);
  });

  it('leaves IDE controllers out on q35, with a note, and renders SATA (20/AHCI) controllers', () => {
    const { dom, notes } = render({ items: [ctrl('3', '5', undefined, '0'), ctrl('4', '20', 'AHCI')] });
    expect(devices(dom, 'controller').map(attrs)).toEqual([{ type: 'sata', index: '0' }]);
    expect(deviceNotes(notes)).toEqual(['VirtualSystem[web]/Item[InstanceID=3]: IDE controller omitted: q35 has no IDE bus; its drives move to other buses']);
  });

  it('collapses USB controllers into one qemu-xhci', () => {
    const { dom, notes } = render({ items: [ctrl('3', '23', 'vmware.usb.ehci'), ctrl('4', '23', 'vmware.usb.xhci')] });
    expect(devices(dom, 'controller').map(attrs)).toEqual([{ type: 'usb', index: '0', model: 'qemu-xhci' }]);
    expect(deviceNotes(notes)).toEqual([
      'VirtualSystem[web]/Item[InstanceID=3]: USB controller (vmware.usb.ehci) → qemu-xhci',
      'VirtualSystem[web]/Item[InstanceID=4]: second USB controller omitted; one qemu-xhci controller serves every port',
    ]);
  });

  it('notes storage controllers it cannot map (NVMe as 20, FC HBA)', () => {
    const { dom, notes } = render({ items: [ctrl('3', '20', 'vmware.nvme.controller'), ctrl('4', '7')] });
    expect(devices(dom, 'controller')).toEqual([]);
    expect(deviceNotes(notes)).toEqual([
      'VirtualSystem[web]/Item[InstanceID=3]: storage controller (ResourceType 20, vmware.nvme.controller) not rendered; its drives use the default bus',
      'VirtualSystem[web]/Item[InstanceID=4]: storage controller (ResourceType 7) not rendered; its drives use the default bus',
    ]);
  });
});

describe('renderDomain: disks', () => {
  const twoDisks: Spec = {
    disks: ['system', 'data'],
    items: [cpu('1'), mem('512'), ctrl('3', '6', 'lsilogic'), drive('9', '17', '3', '1', 'ovf:/disk/data'), drive('8', '17', '3', '0', 'ovf:/disk/system')],
  };

  it('puts hard disks on virtio as vda, vdb… in AddressOnParent order, with qcow2 overlays', () => {
    const { dom, notes } = render(twoDisks, { disks: [place('9', 'data'), place('8', 'system')] });
    expect(targets(dom)).toEqual([
      { device: 'disk', dev: 'vda', bus: 'virtio', source: '/s/vms/acme-web/system.qcow2' },
      { device: 'disk', dev: 'vdb', bus: 'virtio', source: '/s/vms/acme-web/data.qcow2' },
    ]);
    expect(attrs(child(devices(dom, 'disk')[0]!, 'driver'))).toEqual({ name: 'qemu', type: 'qcow2' });
    expect(notes).toContain('VirtualSystem[web]/Item[InstanceID=8]: disk on SCSI controller → virtio bus');
  });

  it.each([
    ['sata', ['sda', 'sdb'], ['scsi', 'sata']],
    ['scsi', ['sda', 'sdb'], ['scsi']],
    ['ide', ['sda', 'sdb'], ['scsi']], // no IDE on q35: SATA
  ] as const)('uses diskBus %s', (diskBus, devs, controllerTypes) => {
    const spec: Spec = { ...twoDisks, items: [...twoDisks.items, ...(diskBus === 'sata' ? [ctrl('4', '20', 'AHCI')] : [])] };
    const { dom } = render(spec, { disks: [place('8'), place('9')], options: renderOptions({ diskBus }) });
    expect(targets(dom).map((t) => t.dev)).toEqual(devs);
    expect(targets(dom).map((t) => t.bus)).toEqual(Array(2).fill(diskBus === 'ide' ? 'sata' : diskBus));
    expect(devices(dom, 'controller').map((c) => attr(c, 'type'))).toEqual(controllerTypes);
  });

  it('adds a virtio-scsi controller when disks go on SCSI and the OVF has none', () => {
    const { dom } = render({ disks: ['d'], items: [drive('8', '17', undefined, '0', 'ovf:/disk/d')] }, { disks: [place('8')], options: renderOptions({ diskBus: 'scsi' }) });
    expect(devices(dom, 'controller').map(attrs)).toEqual([{ type: 'scsi', index: '0', model: 'virtio-scsi' }]);
  });

  it('orders drives by controller (rasd:Address), then AddressOnParent', () => {
    const spec: Spec = {
      disks: ['a', 'b', 'c'],
      items: [
        ctrl('4', '5', undefined, '1'),
        ctrl('5', '5', undefined, '0'),
        drive('10', '17', '4', '0', 'ovf:/disk/c'),
        drive('11', '17', '5', '1', 'ovf:/disk/b'),
        drive('12', '17', '5', '0', 'ovf:/disk/a'),
      ],
    };
    const { dom } = render(spec, { disks: [place('10', 'c'), place('11', 'b'), place('12', 'a')] });
    expect(targets(dom).map((t) => `${t.dev}=${t.source}`)).toEqual(['vda=/s/vms/acme-web/a.qcow2', 'vdb=/s/vms/acme-web/b.qcow2', 'vdc=/s/vms/acme-web/c.qcow2']);
  });

  it('reports each disk drive it cannot render as an error, and says why', () => {
    const spec: Spec = {
      disks: ['d'],
      items: [drive('8', '17', undefined, '0', 'ovf:/disk/d'), drive('9', '17', undefined, '1', 'ovf:/disk/nope'), drive('10', '17'), drive('11', '17', undefined, '2', 'ovf:/file/f-d')],
    };
    const { dom, problems } = render(spec);
    expect(devices(dom, 'disk')).toEqual([]);
    expect(problems).toEqual([
      "VirtualSystem[web]/Item[InstanceID=8]: disk cannot be rendered: no DiskPlacement for Disk 'd'",
      "VirtualSystem[web]/Item[InstanceID=9]: disk cannot be rendered: HostResource 'ovf:/disk/nope' names no Disk or File in the package",
      "VirtualSystem[web]/Item[InstanceID=11]: disk cannot be rendered: no DiskPlacement for File 'f-d'",
      'VirtualSystem[web]/Item[InstanceID=10]: disk cannot be rendered: it has no HostResource', // no AddressOnParent: last
    ]);
  });

  it('warns, located, about a CD-ROM whose HostResource names nothing, and keeps the drive empty', () => {
    const { dom, problems } = render({ items: [drive('8', '15', undefined, '0', 'ovf:/file/gone')] });
    expect(targets(dom)).toEqual([{ device: 'cdrom', dev: 'sda', bus: 'sata', source: undefined }]);
    expect(problems).toEqual(["VirtualSystem[web]/Item[InstanceID=8]: CD-ROM left empty: HostResource 'ovf:/file/gone' names no Disk or File in the package"]);
  });

  it('attaches a floppy image the package names (ovf:/file/) read-only and raw, planned like a CD-ROM image', () => {
    const spec: Spec = { disks: ['d'], items: [drive('8', '14', undefined, '0', 'ovf:/file/f-d')] };
    const { env, vs } = descriptor(spec);
    const plan = planDisks(env, vs, 'acme-web', '/s', new Map([['d.vmdk', 'ab'.repeat(32)]]));
    expect(plan).toEqual([expect.objectContaining({ device: 'floppy', action: 'attach-image', storedPath: `/s/images/${'ab'.repeat(32)}.img`, sourceFormat: 'raw' })]);
    const { dom } = render(spec, { disks: placementsFor(plan) });
    expect(targets(dom)).toEqual([{ device: 'floppy', dev: 'fda', bus: 'fdc', source: `/s/images/${'ab'.repeat(32)}.img` }]);
    expect(attr(child(devices(dom, 'disk')[0]!, 'driver')!, 'type')).toBe('raw');
  });

  it('renders a XenServer Storage Extent (ResourceType 19) naming a Disk as a disk', () => {
    const { dom, problems } = render({ disks: ['d'], items: [drive('8', '19', undefined, '0', 'ovf:/disk/d')] }, { disks: [place('8')] });
    expect(problems).toEqual([]);
    expect(targets(dom)).toEqual([{ device: 'disk', dev: 'vda', bus: 'virtio', source: '/s/vms/acme-web/8.qcow2' }]);
  });

  it('renders a disk whose placement is raw with a raw driver', () => {
    const { dom } = render({ disks: ['d'], items: [drive('8', '17', undefined, '0', 'ovf:/disk/d')] }, { disks: [{ ...place('8'), format: 'raw' }] });
    expect(attr(child(devices(dom, 'disk')[0]!, 'driver')!, 'type')).toBe('raw');
  });

  it('names targets past z as libvirt does: aa, ab…', () => {
    expect([0, 1, 25, 26, 27, 51, 52, 701, 702].map(letters)).toEqual(['a', 'b', 'z', 'aa', 'ab', 'az', 'ba', 'zz', 'aaa']);
  });
});

describe('renderDomain: CD-ROM, floppy and the ovf-env ISO', () => {
  const withCd: Spec = { transport: 'iso', items: [ctrl('4', '5', undefined, '1'), drive('7', '15', '4', '0'), drive('6', '14', undefined, '0')] };

  it('puts CD-ROMs on SATA (read-only, raw) and keeps the floppy on q35 (libvirt adds an isa-fdc)', () => {
    const { dom, notes } = render({ ...withCd, transport: undefined });
    expect(targets(dom)).toEqual([
      { device: 'floppy', dev: 'fda', bus: 'fdc', source: undefined },
      { device: 'cdrom', dev: 'sda', bus: 'sata', source: undefined },
    ]);
    const cd = devices(dom, 'disk')[1]!;
    expect(child(cd, 'readonly')).toBeDefined();
    expect(attr(child(cd, 'driver')!, 'type')).toBe('raw');
    expect(notes).toContain('VirtualSystem[web]/Item[InstanceID=7]: CD-ROM on IDE controller → sata bus');
  });

  it('keeps IDE CD-ROMs and floppies on an i440fx (pc) machine', () => {
    const { dom } = render({ ...withCd, transport: undefined }, { options: renderOptions({ machine: 'pc' }) });
    expect(targets(dom).map((t) => `${t.device}:${t.dev}:${t.bus}`)).toEqual(['floppy:fda:fdc', 'cdrom:hda:ide']);
  });

  it('moves drives to SATA once the single i440fx IDE controller (4 drives) is full', () => {
    const spec: Spec = {
      disks: ['a', 'b', 'c'],
      items: [
        drive('8', '17', undefined, '0', 'ovf:/disk/a'),
        drive('9', '17', undefined, '1', 'ovf:/disk/b'),
        drive('10', '17', undefined, '2', 'ovf:/disk/c'),
        drive('11', '15', undefined, '3'),
        drive('12', '16', undefined, '4'),
      ],
    };
    const { dom, notes } = render(spec, { disks: [place('8'), place('9'), place('10')], options: renderOptions({ machine: 'pc', diskBus: 'ide' }) });
    expect(targets(dom).map((t) => `${t.device}:${t.dev}:${t.bus}`)).toEqual(['disk:hda:ide', 'disk:hdb:ide', 'disk:hdc:ide', 'cdrom:hdd:ide', 'cdrom:sda:sata']);
    expect(notes).toContain('VirtualSystem[web]/Item[InstanceID=12]: the IDE bus is full; drive moved to SATA');
  });

  it('attaches the ovf-env ISO to the first empty CD-ROM when the package asks for the iso transport', () => {
    const { dom, notes } = render(withCd, { ovfEnvIso: '/s/vms/acme-web/ovf-env.iso' });
    expect(targets(dom).filter((t) => t.device === 'cdrom')).toEqual([{ device: 'cdrom', dev: 'sda', bus: 'sata', source: '/s/vms/acme-web/ovf-env.iso' }]);
    expect(devices(dom, 'disk')[1]!.children.map((c) => c.local)).toEqual(['driver', 'source', 'target', 'readonly']);
    expect(notes).toContain('VirtualSystem[web]: ovf-env ISO attached to the first empty CD-ROM drive');
  });

  it('adds a CD-ROM for the ovf-env ISO after the disks when there is none free', () => {
    const spec: Spec = { transport: 'iso', disks: ['d'], items: [drive('8', '17', undefined, '0', 'ovf:/disk/d')] };
    const { dom, notes } = render(spec, { disks: [place('8')], ovfEnvIso: '/iso/env.iso', options: renderOptions({ diskBus: 'sata' }) });
    expect(targets(dom).map((t) => `${t.device}:${t.dev}:${t.source}`)).toEqual(['disk:sda:/s/vms/acme-web/8.qcow2', 'cdrom:sdb:/iso/env.iso']);
    expect(notes).toContain('VirtualSystem[web]: CD-ROM drive added for the ovf-env ISO');
  });

  it('does not attach the ISO when the package does not ask for it, and notes each mismatch', () => {
    const a = render({ items: [] }, { ovfEnvIso: '/iso/env.iso' });
    expect(devices(a.dom, 'disk')).toEqual([]);
    expect(a.notes).toContain('VirtualSystem[web]: ovf-env ISO not attached: the package does not request the iso transport');
    const b = render({ transport: 'com.vmware.guestInfo iso', items: [] });
    expect(b.notes).toContain("VirtualSystem[web]: OVF environment transport 'com.vmware.guestInfo' is not supported; only 'iso' is");
    expect(b.notes).toContain('VirtualSystem[web]: the package requests the iso transport but no ovf-env ISO was given');
  });

  it('uses a CD-ROM placement (an ISO from the package) as its source', () => {
    const { dom } = render({ items: [drive('7', '15')] }, { disks: [{ instanceId: '7', overlayPath: '/s/images/tools.iso', format: 'raw' }] });
    expect(targets(dom)[0]!.source).toBe('/s/images/tools.iso');
  });
});
