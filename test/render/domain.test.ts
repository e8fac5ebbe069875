import { describe, expect, it } from 'vitest';
import { OvfpipeError } from '../../src/diagnostics/errors.js';
import { DOMAIN_METADATA_NS, renderDomain, renderDomainXml } from '../../src/render/domain.js';
import { renderOptions } from '../../src/render/options.js';
import { attr, child, childText } from '../../src/xml/element.js';
import { writeXml } from '../../src/xml/writer.js';
import { attrs, cpu, descriptor, devices, drive, input, item, mem, render, targets, type Spec } from './domain-fixtures.js';

describe('renderDomain: memory and vCPUs', () => {
  it.each([
    ['byte * 2^20', '777', 795648],
    ['byte*2^20', '512', 524288],
    ['byte * 2^30', '2', 2 * 1024 * 1024],
    ['byte*2^30', '8', 8 * 1024 * 1024],
    ['byte * 2^10', '2048', 2048],
    ['byte * 1024^2', '256', 262144],
    ['byte * 10^6', '1000', 976563], // 10^9 bytes is 976562.5 KiB: rounded up
    ['byte', '1073741824', 1048576],
    ['bytes', '1048576', 1024],
    ['KiloBytes', '4096', 4096],
    ['MegaBytes', '512', 524288],
    ['MB', '64', 65536],
    ['GigaBytes', '4', 4194304],
    ['GB', '1', 1048576],
    [undefined, '1024', 1048576], // no units: megabytes
  ])('reads AllocationUnits %j with VirtualQuantity %s as %d KiB', (units, quantity, kib) => {
    const { dom, notes } = render({ items: [cpu('1'), mem(quantity, units)] });
    expect(childText(dom, 'memory')).toBe(String(kib));
    expect(attr(child(dom, 'memory')!, 'unit')).toBe('KiB');
    expect(childText(dom, 'currentMemory')).toBe(String(kib));
    expect(notes).toEqual([]);
  });

  it('prefers VirtualQuantityUnits over AllocationUnits (DSP1041)', () => {
    const m = item({ InstanceID: '2', ResourceType: '4', VirtualQuantity: '2', VirtualQuantityUnits: 'byte * 2^30', AllocationUnits: 'byte * 2^20' });
    expect(childText(render({ items: [cpu('1'), m] }).dom, 'memory')).toBe(String(2 * 1024 * 1024));
  });

  it.each([
    ['units that are not bytes', mem('512', 'hertz * 10^6')],
    ['a quantity that is not a number', mem('${mem}')],
    ['a zero quantity', mem('0')],
  ])('falls back to 1 GiB with a note for %s', (_, memItem) => {
    const { dom, notes } = render({ items: [cpu('2'), memItem] });
    expect(childText(dom, 'memory')).toBe('1048576');
    expect(notes.join('\n')).toMatch(/Item\[InstanceID=2\]: memory .* not usable; using 1048576 KiB/);
  });

  it('takes the vCPU count from the processor Item', () => {
    const { dom } = render({ items: [cpu('3'), mem('512')] });
    expect(childText(dom, 'vcpu')).toBe('3');
    expect(attr(child(dom, 'vcpu')!, 'placement')).toBe('static');
  });

  it('renders a system with no hardware at all as 1 vCPU and 1 GiB, with notes', () => {
    const { dom, notes } = render({ items: [] });
    expect(childText(dom, 'vcpu')).toBe('1');
    expect(childText(dom, 'memory')).toBe('1048576');
    expect(notes).toEqual(['VirtualSystem[web]: no memory Item; using 1048576 KiB', 'VirtualSystem[web]: no processor Item; using 1 vCPU']);
  });

  it('uses 1 vCPU with a note for a zero or unreadable count', () => {
    for (const n of ['0', 'four', '70000']) {
      const { dom, notes } = render({ items: [cpu(n), mem('512')] });
      expect(childText(dom, 'vcpu')).toBe('1');
      expect(notes[0]).toContain(`processor count '${n}' is not usable`);
    }
  });
});

describe('renderDomain: deployment configurations (DSP0243 §9.8)', () => {
  const sized: Spec = {
    configurations: [{ id: 'small' }, { id: 'large', default: true }],
    disks: ['d1', 'd2'],
    items: [
      cpu('1', '1'),
      cpu('8', '1', { configuration: 'large' }), // same InstanceID: overrides the unconfigured Item
      mem('1024', 'byte * 2^20', '2', { configuration: 'small' }),
      mem('8', 'byte * 2^30', '3', { configuration: 'large' }),
      drive('10', '17', undefined, '0', 'ovf:/disk/d1'),
      drive('11', '17', undefined, '1', 'ovf:/disk/d2', { configuration: 'large' }),
    ],
  };
  const disks = [
    { instanceId: '10', overlayPath: '/s/vms/acme-web/d1.qcow2' },
    { instanceId: '11', overlayPath: '/s/vms/acme-web/d2.qcow2' },
  ];

  it('renders the default configuration when none is asked for', () => {
    const { dom } = render(sized, { disks });
    expect([childText(dom, 'vcpu'), childText(dom, 'memory')]).toEqual(['8', String(8 * 1024 * 1024)]);
    expect(devices(dom, 'disk')).toHaveLength(2);
    expect(attr(child(child(dom, 'metadata')!, 'source')!, 'configuration')).toBe('large');
  });

  it('applies the overrides of the configuration asked for', () => {
    const { dom, notes } = render(sized, { disks, configuration: 'small' });
    expect([childText(dom, 'vcpu'), childText(dom, 'memory')]).toEqual(['1', '1048576']);
    expect(targets(dom).map((t) => t.source)).toEqual(['/s/vms/acme-web/d1.qcow2']);
    expect(notes).toEqual(['VirtualSystem[web]/Item[InstanceID=10]: disk on no controller → virtio bus']);
  });

  it('takes the first configuration as default when none is marked', () => {
    const { dom } = render({ ...sized, configurations: [{ id: 'small' }, { id: 'large' }] }, { disks });
    expect(childText(dom, 'vcpu')).toBe('1');
  });

  it('refuses a configuration the package does not declare', () => {
    const { env, vs } = descriptor(sized);
    expect(() => renderDomain(vs, env, input({ configuration: 'huge' }))).toThrow(OvfpipeError);
    expect(() => renderDomain(vs, env, input({ configuration: 'huge' }))).toThrow(/unknown configuration 'huge'; the package declares: small, large/);
  });

  it('ignores ovf:bound min/max Items', () => {
    const { dom } = render({ items: [cpu('16', '1', { bound: 'max' }), cpu('2', '1', { bound: 'normal' }), mem('512')] });
    expect(childText(dom, 'vcpu')).toBe('2');
  });
});

describe('renderDomain: identity, metadata and fixed parts', () => {
  const nasty = `O'Brien <web> & "co"`;

  it.each([nasty, 'it’s ünïcødé ✓', 'a]]>b'])('escapes %j in name, title and description so it round-trips', (value) => {
    const { dom, xml } = render({ name: value, info: value, annotation: `${value} again`, items: [cpu('1'), mem('64')] }, { name: value, tenant: value, packageName: value });
    expect(childText(dom, 'name')).toBe(value);
    expect(childText(dom, 'title')).toBe(value);
    expect(child(dom, 'description')!.text).toBe(`${value}\n\n${value} again`);
    expect(attr(child(child(dom, 'metadata')!, 'source')!, 'tenant')).toBe(value);
    if (value.includes('<')) expect(xml).toContain('O&apos;Brien &lt;web&gt; &amp; &quot;co&quot;');
  });

  it('keeps the title on one line (libvirt allows no newline in <title>)', () => {
    expect(childText(render({ name: 'two\nlines', items: [] }).dom, 'title')).toBe('two lines');
  });

  it('records package, virtual system and tenant in its own metadata namespace', () => {
    const { dom } = render({ items: [] }, { packageName: 'web.ova', tenant: 'acme' });
    const source = child(child(dom, 'metadata')!, 'source', DOMAIN_METADATA_NS)!;
    expect(source.qname).toBe('ovfpipe:source');
    expect(source.ns).toBe(DOMAIN_METADATA_NS);
    expect(attrs(source)).toEqual({ package: 'web.ova', virtualSystem: 'web', tenant: 'acme' });
  });

  it("writes a q35 KVM guest with QEMU's default CPU (which starts under nested KVM), UTC clock and lifecycle actions", () => {
    const { dom } = render({ items: [cpu('1'), mem('64')] });
    expect(attr(dom, 'type')).toBe('kvm');
    expect(attrs(child(child(dom, 'os')!, 'type'))).toEqual({ arch: 'x86_64', machine: 'q35' });
    expect(attr(child(child(dom, 'os')!, 'boot')!, 'dev')).toBe('hd');
    expect(child(dom, 'features')!.children.map((c) => c.local)).toEqual(['acpi', 'apic']);
    expect(child(dom, 'cpu')).toBeUndefined();
    expect(attr(child(dom, 'clock')!, 'offset')).toBe('utc');
    expect(['on_poweroff', 'on_reboot', 'on_crash'].map((n) => childText(dom, n))).toEqual(['destroy', 'restart', 'destroy']);
    expect(devices(dom, 'memballoon').map(attrs)).toEqual([{ model: 'virtio' }]);
    expect(childText(devices(dom, 'rng')[0]!, 'backend')).toBe('/dev/urandom');
    expect(attrs(devices(dom, 'graphics')[0])).toEqual({ type: 'vnc', port: '-1', autoport: 'yes', listen: '127.0.0.1' });
    expect(attr(child(devices(dom, 'video')[0]!, 'model')!, 'type')).toBe('virtio');
  });

  it('follows the options: TCG, no <cpu>, SPICE or no graphics, an emulator', () => {
    const { dom } = render({ items: [] }, { options: renderOptions({ domainType: 'qemu', cpuMode: 'default', graphics: 'none', emulator: '/usr/bin/qemu-system-x86_64' }) });
    expect(attr(dom, 'type')).toBe('qemu');
    expect(child(dom, 'cpu')).toBeUndefined();
    expect(devices(dom, 'graphics')).toEqual([]);
    expect(devices(dom, 'video')).toEqual([]);
    expect(childText(child(dom, 'devices')!, 'emulator')).toBe('/usr/bin/qemu-system-x86_64');
    expect(attr(devices(render({ items: [] }, { options: renderOptions({ graphics: 'spice' }) }).dom, 'graphics')[0]!, 'type')).toBe('spice');
  });

  it('gives each serial port a pty and the first one the console', () => {
    const { dom } = render({ items: [item({ InstanceID: '7', ResourceType: '21' }), item({ InstanceID: '8', ResourceType: '21' })] });
    expect(devices(dom, 'serial').map((s) => attr(child(s, 'target')!, 'port'))).toEqual(['0', '1']);
    expect(attrs(child(devices(dom, 'console')[0]!, 'target'))).toEqual({ type: 'serial', port: '0' });
  });

  it('notes Items it does not render', () => {
    const { notes } = render({ items: [item({ InstanceID: '8', ResourceType: '35', ResourceSubType: 'ensoniq1371', ElementName: 'sound' })] });
    expect(notes).toContain('VirtualSystem[web]/Item[InstanceID=8]: sound (ResourceType 35, ensoniq1371) not rendered');
  });

  it('renderDomainXml writes the same tree as text', () => {
    const { env, vs } = descriptor({ items: [cpu('1'), mem('64')] });
    expect(renderDomainXml(vs, env, input())).toBe(writeXml(renderDomain(vs, env, input()).node));
  });
});

describe('renderDomain: odd descriptors still render', () => {
  it('renders Items without InstanceID or ResourceType, dangling Parents, duplicate InstanceIDs and garbage HostResources', () => {
    const { dom, notes, problems } = render({
      disks: ['d'],
      items: [
        item({ ResourceType: '3', VirtualQuantity: '2' }),
        item({ InstanceID: '2', ResourceType: 'memory', VirtualQuantity: '512' }),
        item({ InstanceID: '2', ResourceType: '4', VirtualQuantity: '256' }),
        drive('5', '17', '99', 'x', 'http://example.com/disk.vmdk'),
        drive('6', '15', '99'),
        item({ InstanceID: '7', ResourceType: '32768', ElementName: 'vendor thing' }),
      ],
    });
    expect(childText(dom, 'vcpu')).toBe('2');
    expect(childText(dom, 'memory')).toBe('262144'); // duplicate unconfigured InstanceIDs are both kept
    expect(targets(dom)).toEqual([{ device: 'cdrom', dev: 'sda', bus: 'sata', source: undefined }]);
    // The document still renders; the disk it cannot place is an error that keeps the VM from deploying.
    expect(problems).toEqual(["VirtualSystem[web]/Item[InstanceID=5]: disk cannot be rendered: HostResource 'http://example.com/disk.vmdk' names no Disk or File in the package"]);
    expect(notes).toContain('VirtualSystem[web]/Item[InstanceID=7]: vendor thing (ResourceType 32768) not rendered');
    expect(notes).toContain('VirtualSystem[web]/Item[InstanceID=2]: Item (memory) not rendered');
  });
});
