/** Firmware, disks and network mappings of real-world appliance forms, through renderPackage and the CLI. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { virtualSystems } from '../../src/ovf/model.js';
import { packageFirmware } from '../../src/ovf/firmware.js';
import { parseDescriptor } from '../../src/ovf/parser.js';
import { renderSettings, type RenderSettings } from '../../src/render/option-table.js';
import { renderPackage } from '../../src/render/render-package.js';
import { tempDir } from '../helpers/archives.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/appliances');
const tmp = tempDir('ovfpipe-appliances-');
afterAll(() => tmp.cleanup());

function descriptor(file: string, edit: (text: string) => string = (t) => t) {
  const path = tmp.file(file);
  writeFileSync(path, edit(readFileSync(join(FIXTURES, file), 'utf8')));
  return { path, envelope: parseDescriptor(readFileSync(path), path).envelope! };
}

function render(file: string, settings: RenderSettings = {}, edit?: (text: string) => string) {
  const { envelope } = descriptor(file, edit);
  const { options, configuration } = renderSettings(settings);
  return renderPackage({ envelope, packageName: file, tenant: 't', storageRoot: '/s', options, configuration, digests: new Map() });
}

async function cli(args: string[]) {
  let err = '';
  const code = await main(args, { stdout: { write: () => undefined }, stderr: { write: (s: string) => (err += s) }, env: {}, cwd: process.cwd() });
  return { code, err };
}

describe('firmware', () => {
  it('reads VMware vmw:Config and VirtualBox Firmware', () => {
    const vmw = [...virtualSystems(descriptor('vmware-uefi.ovf').envelope.content)][0]!;
    expect(packageFirmware(vmw)).toMatchObject({ firmware: 'efi', secureBoot: true });
    const vbox = [...virtualSystems(descriptor('vbox-efi.ovf').envelope.content)][0]!;
    expect(packageFirmware(vbox)).toMatchObject({ firmware: 'efi', source: 'vbox:Machine Firmware type=EFI' });
  });

  it('lets --firmware override the package', () => {
    expect(render('vmware-uefi.ovf', { firmware: 'bios' }).domains[0]!.xml).not.toMatch(/firmware='efi'|<smm/);
    const efi = render('xenserver-rt19.ovf', { firmware: 'efi' }).domains[0]!;
    expect([efi.firmware, efi.xml.includes("<os firmware='efi'>"), efi.xml.includes("<feature enabled='no' name='secure-boot'/>"), efi.xml.includes('<smm')]).toEqual(['efi', true, true, false]);
  });

  it('warns about an unknown firmware value, with its location, and renders BIOS', () => {
    const r = render('vmware-uefi.ovf', {}, (t) => t.replace('vmw:value="efi"', 'vmw:value="coreboot"'));
    expect(r.diagnostics).toEqual([expect.objectContaining({ ruleId: 'render-firmware', severity: 'warning', line: 69, locator: 'VirtualSystem[photon]' })]);
    expect(r.diagnostics[0]!.message).toMatch(/unknown firmware 'coreboot'/);
    expect(r.domains[0]!.firmware).toBe('bios');
  });
});

describe('every disk or an error', () => {
  it('fails render (exit 1) with file:line:col and the Item locator when a HostResource names no Disk', async () => {
    const { path } = descriptor('xenserver-rt19.ovf', (t) => t.replace('<rasd:HostResource>ovf:/disk/b5d7c0a4-disk0', '<rasd:HostResource>ovf:/disk/gone'));
    const out = tmp.file('rt19-out');
    const r = await cli(['render', path, '--descriptor-only', '--tenant', 't', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      `${path}:55:7: error: VirtualSystem[debian-xs]/Item[InstanceID=4]: disk cannot be rendered: HostResource 'ovf:/disk/gone' names no Disk or File in the package [render-disk]`,
    );
  });
});

describe('network mapping', () => {
  it('maps OVF networks to a libvirt network or a bridge', () => {
    const [vm] = render('vbox-efi.ovf', { network: { NAT: 'lab-net' } }).domains;
    expect(vm!.xml).toContain("<source network='lab-net'/>");
    const [br] = render('vbox-efi.ovf', { bridge: { NAT: 'br0' } }).domains;
    expect(br!.xml).toContain("<interface type='bridge'>");
    expect(br!.xml).toContain("<source bridge='br0'/>");
  });

  it('refuses a mapping naming a network the package does not have, listing its networks', async () => {
    expect(() => render('vmware-uefi.ovf', { network: { 'VM Netwrk': 'x' } })).toThrow("network mapping names 'VM Netwrk', which the package does not have; its networks: VM Network");
    const r = await cli(['render', join(FIXTURES, 'vbox-efi.ovf'), '--descriptor-only', '--tenant', 't', '--out', tmp.file('x'), '--bridge', 'LAN=br0']);
    expect([r.code, r.err]).toEqual([2, expect.stringContaining('its networks: NAT')]);
  });

  it('refuses one OVF network mapped both ways', () => {
    expect(() => renderSettings({ network: { NAT: 'a' }, bridge: { NAT: 'b' } })).toThrow(/both --network and --bridge/);
  });
});

describe('configurations', () => {
  it('refuses an unknown --configuration, also for a package with no DeploymentOptionSection', () => {
    expect(() => render('multi-config.ovf', { configuration: 'huge' })).toThrow('the package declares: small, medium, large');
    expect(() => render('vbox-efi.ovf', { configuration: 'small' })).toThrow('the package declares none');
  });
});

describe('inspect', () => {
  it("reports the default configuration's hardware, the others where they differ, and the firmware", async () => {
    const { inspectPackage } = await import('../../src/actions/inspect.js');
    const r = await inspectPackage(join(FIXTURES, 'multi-config.ovf'));
    const [vs] = r.envelope!.virtualSystems;
    expect([vs!.configuration, vs!.cpus, vs!.memoryBytes, vs!.disks.length, vs!.firmware]).toEqual(['medium', 2, 4 * 2 ** 30, 1, 'bios']);
    expect(vs!.otherConfigurations).toEqual([
      { configuration: 'small', cpus: 1, memoryBytes: 2 ** 30, nics: 1, disks: 1 },
      { configuration: 'large', cpus: 8, memoryBytes: 16 * 2 ** 30, nics: 1, disks: 2 },
    ]);
    const uefi = await inspectPackage(join(FIXTURES, 'vmware-uefi.ovf'));
    expect(uefi.envelope!.virtualSystems[0]!.firmware).toBe('efi-secure');
  });
});

describe('firmware forms', () => {
  it('reads ovf:key / ovf:value spellings and vmw:ExtraConfig', () => {
    const forms = [
      (t: string) => t.replace('vmw:key="firmware" vmw:value="efi"', 'ovf:key="firmware" ovf:value="efi"'),
      (t: string) =>
        t
          .replace('<vmw:Config ovf:required="false" vmw:key="firmware"', '<vmw:ExtraConfig ovf:required="false" vmw:key="firmware"')
          .replace('vmw:key="uefi.secureBoot.enabled" vmw:value="true"', 'vmw:key="uefi.secureBoot.enabled" vmw:value="false"'),
    ];
    expect(forms.map((edit) => render('vmware-uefi.ovf', {}, edit).domains[0]!.firmware)).toEqual(['efi-secure', 'efi']);
  });
});
