import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { virtualSystems } from '../../src/ovf/model.js';
import { parseDescriptor } from '../../src/ovf/parser.js';
import { byteUnitMultiplier } from '../../src/ovf/units.js';
import { corpusPath } from '../helpers/corpus.js';

const EXAMPLE = join(import.meta.dirname, '../../examples/web-appliance/web-appliance.ovf');

describe('OVF parser', () => {
  it('reads the example package into the model with locations', () => {
    const { envelope, diagnostics } = parseDescriptor(readFileSync(EXAMPLE), 'web-appliance.ovf');
    expect(diagnostics).toEqual([]);
    expect(envelope!.version).toBe('1.x');
    expect(envelope!.references[0]).toMatchObject({ id: 'file1', href: 'web-disk1.vmdk', size: 131072 });
    expect(envelope!.disks[0]).toMatchObject({ diskId: 'disk1', capacityBytes: 64 * 2 ** 20 });
    const [vs] = [...virtualSystems(envelope!.content)];
    expect(vs!.id).toBe('web');
    expect(vs!.virtualHardware[0]!.transport).toEqual(['iso']);
    const nic = vs!.virtualHardware[0]!.items.find((i) => i.resourceType === 10)!;
    expect(nic).toMatchObject({ instanceId: '5', connection: ['frontend'], resourceSubType: 'VmxNet3' });
    expect(nic.loc.line).toBeGreaterThan(80);
    const props = vs!.productSections[0]!.properties;
    expect(props.map((p) => p.key)).toEqual(['hostname', 'ip', 'admin_password']);
    expect(props[2]!.password).toBe(true);
    expect(props[0]!.category).toBe('Network');
  });

  it('reads OVF 0.9 typed sections and InstanceId spelling', () => {
    const dir = corpusPath('cot');
    if (!dir) return;
    const { envelope } = parseDescriptor(readFileSync(join(dir, 'v0.9.ovf')), 'v0.9.ovf');
    expect(envelope!.version).toBe('0.9');
    expect(envelope!.disks).toHaveLength(1);
    const [vs] = [...virtualSystems(envelope!.content)];
    expect(vs!.operatingSystem?.osType).toBe('other26xLinux64Guest');
    expect(vs!.virtualHardware[0]!.items.map((i) => i.instanceId)).toContain('8');
  });

  it('reads OVF 2.x EthernetPortItem and StorageItem', () => {
    const xml = `<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/2" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/2"
      xmlns:epasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_EthernetPortAllocationSettingData">
      <References/>
      <NetworkSection><Info>n</Info><Network ovf:name="net"><Description>d</Description><NetworkPortProfileURI>http://x/p</NetworkPortProfileURI></Network></NetworkSection>
      <VirtualSystem ovf:id="vm"><Info>i</Info><VirtualHardwareSection><Info>h</Info>
        <EthernetPortItem><epasd:Connection>net</epasd:Connection><epasd:InstanceID>9</epasd:InstanceID>
          <epasd:NetworkPortProfileID>profile-a</epasd:NetworkPortProfileID></EthernetPortItem>
      </VirtualHardwareSection></VirtualSystem></Envelope>`;
    const { envelope } = parseDescriptor(xml, 'v2.ovf');
    expect(envelope!.version).toBe('2.x');
    expect(envelope!.networks[0]!.portProfileUris).toEqual(['http://x/p']);
    const [vs] = [...virtualSystems(envelope!.content)];
    expect(vs!.virtualHardware[0]!.items[0]).toMatchObject({ element: 'EthernetPortItem', instanceId: '9', networkPortProfileId: 'profile-a' });
  });

  it('reads nested VirtualSystemCollections, deployment options and per-configuration values', () => {
    const xml = `<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1">
      <References/>
      <DeploymentOptionSection><Info>c</Info>
        <Configuration ovf:id="small" ovf:default="true"><Label>S</Label><Description>s</Description></Configuration>
        <Configuration ovf:id="large"><Label>L</Label><Description>l</Description></Configuration>
      </DeploymentOptionSection>
      <VirtualSystemCollection ovf:id="app"><Info>i</Info>
        <ProductSection><Info>p</Info><Property ovf:key="n" ovf:type="uint8" ovf:value="1"><Value ovf:value="4" ovf:configuration="large"/></Property></ProductSection>
        <VirtualSystemCollection ovf:id="tier"><Info>i</Info>
          <VirtualSystem ovf:id="a"><Info>i</Info></VirtualSystem>
          <VirtualSystem ovf:id="b"><Info>i</Info></VirtualSystem>
        </VirtualSystemCollection>
      </VirtualSystemCollection></Envelope>`;
    const { envelope } = parseDescriptor(xml, 'c.ovf');
    expect(envelope!.configurations.map((c) => [c.id, c.isDefault])).toEqual([
      ['small', true],
      ['large', false],
    ]);
    expect([...virtualSystems(envelope!.content)].map((v) => v.id)).toEqual(['a', 'b']);
    const prop = envelope!.content!.productSections[0]!.properties[0]!;
    expect(prop.values).toMatchObject([{ value: '4', configuration: 'large' }]);
  });

  it('marks unknown sections required unless ovf:required is false', () => {
    const xml = `<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" xmlns:x="urn:x">
      <References/><x:ASection><Info>a</Info></x:ASection><x:BSection ovf:required="false"><Info>b</Info></x:BSection>
      <VirtualSystem ovf:id="a"><Info>i</Info></VirtualSystem></Envelope>`;
    const { envelope } = parseDescriptor(xml, 'u.ovf');
    expect(envelope!.unknownSections.map((u) => [u.local, u.required])).toEqual([
      ['ASection', true],
      ['BSection', false],
    ]);
  });

  it('reports a root that is not an OVF Envelope', () => {
    expect(parseDescriptor('<html/>', 'x').diagnostics[0]).toMatchObject({ ruleId: 'ovf-envelope', line: 1 });
    expect(parseDescriptor('<Envelope xmlns="urn:other"/>', 'x').diagnostics[0]!.message).toMatch(/unknown OVF envelope namespace/);
  });

  it('understands every AllocationUnits form', () => {
    expect(byteUnitMultiplier('byte * 2^20')).toBe(2 ** 20);
    expect(byteUnitMultiplier('byte*2^30')).toBe(2 ** 30);
    expect(byteUnitMultiplier('byte * 2 ^ 30')).toBe(2 ** 30);
    expect(byteUnitMultiplier('MegaBytes')).toBe(2 ** 20);
    expect(byteUnitMultiplier('GigaBytes')).toBe(2 ** 30);
    expect(byteUnitMultiplier('KB')).toBe(1024);
    expect(byteUnitMultiplier('byte * 1024^2')).toBe(2 ** 20);
    expect(byteUnitMultiplier('bytes')).toBe(1);
    expect(byteUnitMultiplier('hertz * 10^6')).toBeUndefined();
    expect(byteUnitMultiplier('furlongs')).toBeUndefined();
  });
});
