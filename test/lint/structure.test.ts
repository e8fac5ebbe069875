import { describe, expect, it } from 'vitest';
import { runRules } from '../../src/lint/engine.js';
import { structureRules } from '../../src/lint/rules/structure/index.js';
import { parseDescriptor } from '../../src/ovf/parser.js';

const HEAD = `<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"
 xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData">`;

interface Parts {
  refs?: string;
  sections?: string;
  items?: string;
  vsExtra?: string;
}

const CPU = `<Item><rasd:InstanceID>1</rasd:InstanceID><rasd:ResourceType>3</rasd:ResourceType><rasd:VirtualQuantity>1</rasd:VirtualQuantity></Item>`;
const MEM = `<Item><rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits><rasd:InstanceID>2</rasd:InstanceID><rasd:ResourceType>4</rasd:ResourceType><rasd:VirtualQuantity>512</rasd:VirtualQuantity></Item>`;

function descriptor(p: Parts = {}): string {
  return `${HEAD}
<References>${p.refs ?? '<File ovf:id="f1" ovf:href="d.vmdk" ovf:size="10"/>'}</References>
${p.sections ?? '<DiskSection><Info>d</Info><Disk ovf:diskId="d1" ovf:fileRef="f1" ovf:capacity="1" ovf:capacityAllocationUnits="byte * 2^30"/></DiskSection><NetworkSection><Info>n</Info><Network ovf:name="lan"><Description>x</Description></Network></NetworkSection>'}
<VirtualSystem ovf:id="vm"><Info>vm</Info>
<OperatingSystemSection ovf:id="1"><Info>os</Info></OperatingSystemSection>
${p.vsExtra ?? ''}
<VirtualHardwareSection><Info>hw</Info>
${p.items ?? `${CPU}${MEM}<Item><rasd:InstanceID>3</rasd:InstanceID><rasd:ResourceType>17</rasd:ResourceType><rasd:HostResource>ovf:/disk/d1</rasd:HostResource></Item><Item><rasd:InstanceID>4</rasd:InstanceID><rasd:ResourceType>10</rasd:ResourceType><rasd:Connection>lan</rasd:Connection></Item>`}
</VirtualHardwareSection></VirtualSystem></Envelope>`;
}

function lint(xml: string) {
  const { envelope, diagnostics } = parseDescriptor(xml, 't.ovf');
  if (!envelope) return diagnostics;
  return runRules({ scope: 'descriptor', file: 't.ovf', envelope }, {}, structureRules).filter((d) => d.severity !== 'info');
}

const ids = (xml: string) => lint(xml).map((d) => `${d.ruleId}:${d.severity}`);

describe('structure rules', () => {
  it('pass a well-formed minimal descriptor with no findings', () => {
    expect(lint(descriptor())).toEqual([]);
  });

  it('flag duplicate File ids and hrefs that escape the package', () => {
    const d = lint(descriptor({ refs: '<File ovf:id="f1" ovf:href="d.vmdk"/><File ovf:id="f1" ovf:href="../../etc/passwd"/><File ovf:id="f3" ovf:href="/etc/shadow"/>' }));
    expect(d.map((x) => x.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/used more than once/), expect.stringMatching(/not portable/), expect.stringMatching(/escapes the package/)]),
    );
    expect(d.find((x) => x.messageId === 'notPortable')?.severity).toBe('warning');
    expect(d.find((x) => x.messageId === 'unsafeHref')?.data).toMatchObject({ href: '/etc/shadow' });
    expect(d[0]!.line).toBe(3);
    expect(d[0]!.locator).toMatch(/^References\/File\[/);
  });

  it('flag a size that is not an unsigned integer', () => {
    expect(ids(descriptor({ refs: '<File ovf:id="f1" ovf:href="d.vmdk" ovf:size="-2"/>' }))).toContain('references-file:error');
  });

  it('flag a Disk whose fileRef names no File, and populatedSize beyond capacity', () => {
    const sections =
      '<DiskSection><Info>d</Info><Disk ovf:diskId="d1" ovf:fileRef="nope" ovf:capacity="1" ovf:populatedSize="5"/></DiskSection><NetworkSection><Info>n</Info><Network ovf:name="lan"/></NetworkSection>';
    const msgs = lint(descriptor({ sections })).map((d) => d.message);
    expect(msgs).toEqual(expect.arrayContaining([expect.stringMatching(/fileRef 'nope'/), expect.stringMatching(/populatedSize 5 exceeds/)]));
  });

  it('accept a capacity given as a property reference only when the property exists', () => {
    const sections = '<DiskSection><Info>d</Info><Disk ovf:diskId="d1" ovf:fileRef="f1" ovf:capacity="${size}"/></DiskSection><NetworkSection><Info>n</Info><Network ovf:name="lan"/></NetworkSection>';
    expect(ids(descriptor({ sections }))).toContain('disk-capacity:error');
    const withProp = descriptor({ sections, vsExtra: '<ProductSection><Info>p</Info><Property ovf:key="size" ovf:type="uint64" ovf:value="1024"/></ProductSection>' });
    expect(ids(withProp)).not.toContain('disk-capacity:error');
  });

  it('flag a NIC connected to a network the NetworkSection does not declare', () => {
    const items = `${CPU}${MEM}<Item><rasd:InstanceID>4</rasd:InstanceID><rasd:ResourceType>10</rasd:ResourceType><rasd:Connection>wan</rasd:Connection></Item>`;
    const d = lint(descriptor({ items }));
    expect(d).toMatchObject([{ ruleId: 'network-connection', severity: 'error', locator: 'VirtualSystem[vm]/Item[InstanceID=4]' }]);
  });

  it('flag HostResource pointing at a missing disk', () => {
    const items = `${CPU}${MEM}<Item><rasd:InstanceID>3</rasd:InstanceID><rasd:ResourceType>17</rasd:ResourceType><rasd:HostResource>ovf:/disk/ghost</rasd:HostResource></Item>`;
    expect(ids(descriptor({ items }))).toContain('host-resource:error');
  });

  it('flag duplicate InstanceIDs but allow configuration overrides and bounds', () => {
    const dup = `${CPU}${CPU}${MEM}`;
    expect(ids(descriptor({ items: dup }))).toContain('instance-id:error');
    const override = `${CPU}${CPU.replace('<Item>', '<Item ovf:configuration="big">')}${MEM}${MEM.replace('<Item>', '<Item ovf:bound="max">')}`;
    expect(ids(descriptor({ items: override })).filter((x) => x.startsWith('instance-id'))).toEqual([]);
  });

  it('flag a Parent that names no Item', () => {
    const items = `${CPU}${MEM}<Item><rasd:InstanceID>3</rasd:InstanceID><rasd:Parent>99</rasd:Parent><rasd:ResourceType>17</rasd:ResourceType></Item>`;
    expect(lint(descriptor({ items })).map((d) => d.message)).toContain("Parent '99' names no Item in this VirtualHardwareSection");
  });

  it('flag a missing or out-of-range ResourceType', () => {
    const items = `${CPU}${MEM}<Item><rasd:InstanceID>3</rasd:InstanceID></Item><Item><rasd:InstanceID>5</rasd:InstanceID><rasd:ResourceType>500</rasd:ResourceType></Item>`;
    expect(ids(descriptor({ items })).filter((x) => x.startsWith('resource-type'))).toEqual(['resource-type:error', 'resource-type:error']);
  });

  it('flag memory in units that are not bytes', () => {
    const items = `${CPU}${MEM.replace('byte * 2^20', 'hertz * 10^6')}`;
    expect(ids(descriptor({ items }))).toContain('allocation-units:error');
  });

  it('flag a section and a VirtualSystem without Info', () => {
    const xml = descriptor().replace('<Info>d</Info>', '').replace('<Info>vm</Info>', '');
    expect(
      lint(xml)
        .filter((d) => d.ruleId === 'section-info')
        .map((d) => d.message),
    ).toEqual(['DiskSection has no <Info> element', "VirtualSystem 'vm' has no <Info> element"]);
  });

  it('fail an unknown required section in the OVF namespace, warn on a required vendor section, and pass one marked ovf:required="false"', () => {
    const ovf = descriptor({ vsExtra: '<MySection><Info>m</Info></MySection>' });
    expect(ids(ovf)).toContain('required-section:error');
    const vendor = descriptor({ vsExtra: '<x:MySection xmlns:x="urn:x"><Info>m</Info></x:MySection>' });
    expect(
      lint(vendor)
        .filter((d) => d.ruleId === 'required-section')
        .map((d) => [d.severity, d.message]),
    ).toEqual([['warning', 'Vendor section x:MySection (urn:x) is marked required; ovfpipe does not read it and deploys without it (set ovf:required="false" if deployers may ignore it)']]);
    const opt = descriptor({ vsExtra: '<x:MySection xmlns:x="urn:x" ovf:required="false"><Info>m</Info></x:MySection>' });
    expect(ids(opt).filter((id) => id.startsWith('required-section'))).toEqual([]);
  });

  it('flag an Envelope with no content', () => {
    expect(ids(`${HEAD}<References/></Envelope>`)).toEqual(['content-present:error']);
  });

  it('warn about OVF elements written without a namespace', () => {
    const xml = `<ovf:Envelope xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"><References/><ovf:VirtualSystem ovf:id="a"><ovf:Info>i</ovf:Info><ovf:VirtualHardwareSection><ovf:Info>h</ovf:Info></ovf:VirtualHardwareSection></ovf:VirtualSystem></ovf:Envelope>`;
    expect(ids(xml)).toContain('element-namespace:warning');
  });
});
