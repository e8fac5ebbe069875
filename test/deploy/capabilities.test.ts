/**
 * Host capabilities, checked from recorded host answers (test/fixtures/hosts):
 * what a rendered domain needs, what libvirt offers, and the one-line reason
 * a VM is refused in preflight. The e2e side is test/e2e/preflight.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  capabilityKey,
  domainNeeds,
  type DomainNeeds,
  type HostCapabilities,
  nicModelsOf,
  parseDeviceNames,
  parseDomCapabilities,
  parseGuestArch,
  unsupportedReason,
} from '../../src/deploy/capabilities.js';
import { emptyHostFacts } from '../../src/deploy/facts.js';
import { planHost } from '../../src/deploy/plan.js';
import type { DiskPlanEntry } from '../../src/render/disk-plan.js';
import type { RenderedVm } from '../../src/render/render-package.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../fixtures/hosts', name), 'utf8');
const KVM_Q35 = fixture('domcaps-kvm-q35.xml');
const QEMU_PC = fixture('domcaps-qemu-pc.xml');
const DEVICES = fixture('qemu-device-help.txt');
// What virsh prints on a host without KVM (libvirt 9.0, seen on the pretend host of test/e2e/preflight.test.ts).
const NO_KVM = "error: failed to get emulator capabilities\nerror: invalid argument: the accel 'kvm' is not supported by '/usr/bin/qemu-system-x86_64' on this host\n";
const NO_MACHINE = "error: failed to get emulator capabilities\nerror: invalid argument: the machine 'pc-q35-0.1' is not supported by emulator '/usr/bin/qemu-system-x86_64'\n";

const domainXml = (o: { type?: string; machine?: string; firmware?: string; secure?: boolean; bus?: string; model?: string } = {}) =>
  `<domain type='${o.type ?? 'kvm'}'><name>t-web</name><os${o.firmware ? ` firmware='${o.firmware}'` : ''}><type arch='x86_64' machine='${o.machine ?? 'q35'}'>hvm</type>` +
  (o.secure ? `<firmware><feature enabled='yes' name='secure-boot'/></firmware>` : '') +
  `</os><devices><disk type='file' device='disk'><target dev='vda' bus='${o.bus ?? 'virtio'}'/></disk>` +
  `<interface type='bridge'><source bridge='br0'/><model type='${o.model ?? 'virtio'}'/></interface></devices></domain>`;

function caps(needs: DomainNeeds, answer: { code: number; output: string }, kvmDevice = true): HostCapabilities {
  return {
    domains: new Map([[capabilityKey(needs), parseDomCapabilities(answer.code, answer.output)]]),
    devices: new Map([['qemu-system-x86_64', parseDeviceNames(0, DEVICES)]]),
    kvmDevice,
  };
}

const reason = (xml: string, answer: { code: number; output: string }, kvmDevice = true) => {
  const n = domainNeeds(xml)!;
  return unsupportedReason(n, caps(n, answer, kvmDevice), { host: 'kvm-a' });
};

describe('what a rendered domain needs', () => {
  it('reads domain type, arch, machine, firmware, secure boot, disk buses and NIC models from the XML', () => {
    expect(domainNeeds(domainXml({ type: 'qemu', machine: 'pc', firmware: 'efi', secure: true, bus: 'sata', model: 'e1000e' }))).toEqual({
      domainType: 'qemu',
      arch: 'x86_64',
      machine: 'pc',
      emulator: undefined,
      firmware: 'efi',
      secureBoot: true,
      diskBuses: ['sata'],
      nicModels: ['e1000e'],
    });
  });

  it('is undefined for something that is not a domain', () => {
    expect(domainNeeds('<filter name="x"/>')).toBeUndefined();
    expect(domainNeeds('not xml')).toBeUndefined();
  });
});

describe('what libvirt offers (recorded domcapabilities)', () => {
  it('reads firmware, secure boot, loaders and disk buses', () => {
    const q35 = parseDomCapabilities(0, KVM_Q35);
    expect(q35).toMatchObject({ ok: true, emulator: '/usr/bin/qemu-system-x86_64', machine: 'pc-q35-7.2', firmware: ['efi'], secureBoot: true });
    expect(q35.ok && q35.diskBuses).toEqual(['fdc', 'scsi', 'virtio', 'usb', 'sata']);
    const pc = parseDomCapabilities(0, QEMU_PC);
    expect(pc.ok && pc.diskBuses).toContain('ide');
  });

  it("keeps virsh's reason when it refuses", () => {
    expect(parseDomCapabilities(1, NO_KVM)).toEqual({ ok: false, error: "the accel 'kvm' is not supported by '/usr/bin/qemu-system-x86_64' on this host" });
  });

  it('lists the NIC models of -device help as libvirt names', () => {
    expect(nicModelsOf(DEVICES)).toEqual(expect.arrayContaining(['virtio', 'e1000', 'e1000e', 'rtl8139', 'vmxnet3']));
    expect(nicModelsOf(DEVICES)).not.toContain('virtio-net-pci');
    expect(parseDeviceNames(127, '')).toBeUndefined();
  });

  it('reads the guest arch of virsh capabilities: domain types and machine aliases', () => {
    const xml = `<capabilities><host/><guest><os_type>hvm</os_type><arch name='x86_64'><emulator>/usr/bin/qemu-system-x86_64</emulator>
      <machine maxCpus='288'>pc-q35-7.2</machine><machine canonical='pc-q35-7.2' maxCpus='288'>q35</machine><domain type='qemu'/><domain type='kvm'/></arch></guest></capabilities>`;
    expect(parseGuestArch(xml, 'x86_64')).toEqual({ emulator: '/usr/bin/qemu-system-x86_64', domainTypes: ['qemu', 'kvm'], machines: ['pc-q35-7.2', 'q35'], aliases: { q35: 'pc-q35-7.2' } });
    expect(parseGuestArch(xml, 'aarch64')).toBeUndefined();
  });
});

describe('why a host cannot run a domain', () => {
  it('accepts what the host offers', () => {
    expect(reason(domainXml({ firmware: 'efi', secure: true }), { code: 0, output: KVM_Q35 })).toBeUndefined();
    expect(reason(domainXml({ machine: 'pc', bus: 'ide', model: 'e1000' }), { code: 0, output: QEMU_PC })).toBeUndefined();
  });

  it('no KVM: names the host, why, and the fix', () => {
    expect(reason(domainXml(), { code: 1, output: NO_KVM }, false)).toBe('host kvm-a has no KVM (/dev/kvm missing): pass --domain-type qemu or set defaults.domainType');
    expect(reason(domainXml(), { code: 1, output: NO_KVM }, true)).toMatch(/\(\/dev\/kvm is not usable by libvirt\)/);
  });

  it('an unknown machine type', () => {
    expect(reason(domainXml({ machine: 'pc-q35-0.1' }), { code: 1, output: NO_MACHINE })).toMatch(/^host kvm-a does not support machine type 'pc-q35-0\.1' for x86_64 .*pass --machine/);
  });

  it('firmware the host does not offer', () => {
    const noEfi = KVM_Q35.replace(/<enum name='firmware'>[\s\S]*?<\/enum>/, "<enum name='firmware'/>");
    expect(reason(domainXml({ firmware: 'efi' }), { code: 0, output: noEfi })).toMatch(/^host kvm-a offers no 'efi' firmware .*apt install ovmf/);
    const noSecure = KVM_Q35.replace(/<enum name='secure'>[\s\S]*?<\/enum>/, "<enum name='secure'><value>no</value></enum>");
    expect(reason(domainXml({ firmware: 'efi', secure: true }), { code: 0, output: noSecure })).toMatch(/no secure-boot firmware/);
  });

  it('a disk bus the machine lacks (q35 has no IDE)', () => {
    expect(reason(domainXml({ bus: 'ide' }), { code: 0, output: KVM_Q35 })).toMatch(
      /^host kvm-a does not support disk bus 'ide' on machine pc-q35-7\.2 \(supported: fdc, scsi, virtio, usb, sata\): pass --disk-bus$/,
    );
  });

  it('a NIC model the emulator lacks', () => {
    expect(reason(domainXml({ model: 'fancy9000' }), { code: 0, output: KVM_Q35 })).toBe("host kvm-a has no NIC model 'fancy9000' in qemu-system-x86_64: pass --nic-model");
  });
});

describe('planHost with VMs the host cannot run', () => {
  const vm = (name: string): RenderedVm => ({ name, xml: domainXml(), nics: [], filterrefs: [] }) as unknown as RenderedVm;
  const disk = (domain: string, sha256: string): DiskPlanEntry =>
    ({
      domain,
      device: 'disk',
      href: `${sha256}.vmdk`,
      sha256,
      fileSize: 1000,
      storedPath: `/s/images/${sha256}.vmdk`,
      basePath: `/s/images/${sha256}.qcow2`,
      overlayPath: `/s/vms/${domain}/d.qcow2`,
    }) as unknown as DiskPlanEntry;
  const facts = emptyHostFacts('/s');

  it('refuses only that VM, with the reason, and sends nothing for it', () => {
    const plan = planHost({ filters: [], vms: [vm('a'), vm('b')], disks: [disk('a', 'aa'), disk('b', 'bb')] }, facts, { unsupported: new Map([['a', 'host h has no KVM']]) });
    expect(plan.vms.map((v) => [v.vm.name, v.action, v.reason])).toEqual([
      ['a', 'refuse', 'preflight: host h has no KVM'],
      ['b', 'create', undefined],
    ]);
    expect(plan.images.map((i) => i.sha256)).toEqual(['bb']);
    expect(plan.bytesToSend).toBe(1000);
  });
});
