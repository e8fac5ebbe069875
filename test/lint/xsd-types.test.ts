/**
 * Rule xsd-types evaluates the XSD constraint table (src/ovf/xsd-constraints.ts):
 * one test per kind of row, located reports, the 0.9 dialect, and the rows delegated
 * to older rules (reported there, exactly once).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runRules } from '../../src/lint/engine.js';
import { allRules } from '../../src/lint/rules/index.js';
import { parseDescriptor } from '../../src/ovf/parser.js';
import { XSD_CONSTRAINTS } from '../../src/ovf/xsd-constraints.js';
import { checkXsdValue } from '../../src/ovf/xsd-values.js';

const HEAD = `<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"
 xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData">`;

interface Parts {
  file?: string;
  disk?: string;
  network?: string;
  product?: string;
  os?: string;
  item?: string;
  extra?: string;
  vsAttrs?: string;
}

/** A descriptor that lints clean; each part can be replaced to break one row. */
function descriptor(p: Parts = {}): string {
  return `${HEAD}
<References>${p.file ?? '<File ovf:id="f1" ovf:href="d.vmdk" ovf:size="10"/>'}</References>
<DiskSection><Info>d</Info>${p.disk ?? '<Disk ovf:diskId="d1" ovf:fileRef="f1" ovf:capacity="1" ovf:capacityAllocationUnits="byte * 2^30"/>'}</DiskSection>
<NetworkSection><Info>n</Info>${p.network ?? '<Network ovf:name="lan"><Description>x</Description></Network>'}</NetworkSection>
${p.extra ?? ''}
<VirtualSystem ${p.vsAttrs ?? 'ovf:id="vm"'}><Info>vm</Info>
${p.product ?? ''}
${p.os ?? '<OperatingSystemSection ovf:id="1"><Info>os</Info></OperatingSystemSection>'}
<VirtualHardwareSection><Info>hw</Info>
<Item><rasd:InstanceID>1</rasd:InstanceID><rasd:ResourceType>3</rasd:ResourceType><rasd:VirtualQuantity>1</rasd:VirtualQuantity></Item>
<Item><rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits><rasd:InstanceID>2</rasd:InstanceID><rasd:ResourceType>4</rasd:ResourceType><rasd:VirtualQuantity>512</rasd:VirtualQuantity></Item>
${p.item ?? '<Item><rasd:InstanceID>3</rasd:InstanceID><rasd:ResourceType>17</rasd:ResourceType><rasd:HostResource>ovf:/disk/d1</rasd:HostResource></Item>'}
<Item><rasd:InstanceID>4</rasd:InstanceID><rasd:ResourceType>10</rasd:ResourceType><rasd:Connection>lan</rasd:Connection></Item>
</VirtualHardwareSection></VirtualSystem></Envelope>`;
}

function lint(xml: string) {
  const { envelope, diagnostics } = parseDescriptor(xml, 't.ovf');
  if (!envelope) return diagnostics;
  return runRules({ scope: 'descriptor', file: 't.ovf', envelope }, {}, allRules).filter((d) => d.severity !== 'info');
}

const xsd = (xml: string) => lint(xml).filter((d) => d.ruleId === 'xsd-types');
const summary = (xml: string) => xsd(xml).map((d) => `${d.messageId}:${d.severity}:${String(d.data?.['element'])}@${String(d.data?.['attribute'])}`);

describe('xsd-types (the XSD constraint table)', () => {
  it('passes a descriptor whose every attribute has its XSD type', () => {
    expect(lint(descriptor())).toEqual([]);
  });

  it('byte counts (File ovf:chunkSize, xs:long): non-numeric, negative, past 2^53, past the type', () => {
    const file = (chunk: string) => descriptor({ file: `<File ovf:id="f1" ovf:href="d.vmdk" ovf:size="10" ovf:chunkSize="${chunk}"/>` });
    expect(summary(file('ten'))).toEqual(['type:error:File@chunkSize']);
    expect(summary(file('-1'))).toEqual(['negative:error:File@chunkSize']);
    expect(summary(file('9223372036854775807'))).toEqual(['inexact:error:File@chunkSize']);
    expect(summary(file('9223372036854775808'))).toEqual(['range:error:File@chunkSize']);
    // XML Schema reads the value after collapsing whitespace; a sign and leading zeros are lexically valid.
    expect(summary(file(' +0010 '))).toEqual([]);
    expect(xsd(file('ten'))[0]!.data).toMatchObject({ value: 'ten', type: 'long', name: 'ovf:chunkSize' });
  });

  it('unsignedShort: out of range is a warning where consumers accept it (vCenter writes OperatingSystemSection ovf:id="-100")', () => {
    expect(summary(descriptor({ os: '<OperatingSystemSection ovf:id="-100"><Info>os</Info></OperatingSystemSection>' }))).toEqual(['range:warning:OperatingSystemSection@id']);
    expect(summary(descriptor({ os: '<OperatingSystemSection ovf:id="70000"><Info>os</Info></OperatingSystemSection>' }))).toEqual(['range:warning:OperatingSystemSection@id']);
  });

  it('booleans ovfpipe would misread are errors: Property flags, section and Item ovf:required, Configuration default', () => {
    const product = '<ProductSection><Info>p</Info><Property ovf:key="pw" ovf:type="string" ovf:password="True" ovf:userConfigurable="yes"/></ProductSection>';
    expect(summary(descriptor({ product }))).toEqual(['type:error:Property@password', 'type:error:Property@userConfigurable']);
    expect(summary(descriptor({ os: '<OperatingSystemSection ovf:id="1" ovf:required="no"><Info>os</Info></OperatingSystemSection>' }))).toEqual(['type:error:OperatingSystemSection@required']);
    expect(
      summary(
        descriptor({ item: '<Item ovf:required="maybe"><rasd:InstanceID>3</rasd:InstanceID><rasd:ResourceType>17</rasd:ResourceType><rasd:HostResource>ovf:/disk/d1</rasd:HostResource></Item>' }),
      ),
    ).toEqual(['type:error:Item@required']);
    const options = '<DeploymentOptionSection><Info>o</Info><Configuration ovf:id="small" ovf:default="TRUE"><Label>s</Label><Description>s</Description></Configuration></DeploymentOptionSection>';
    expect(summary(descriptor({ extra: options }))).toEqual(['type:error:Configuration@default']);
  });

  it('enumerations: a bad ovf:bound is an error, a StartupSection stopAction only a warning', () => {
    const item = '<Item ovf:bound="maximum"><rasd:InstanceID>3</rasd:InstanceID><rasd:ResourceType>17</rasd:ResourceType><rasd:HostResource>ovf:/disk/d1</rasd:HostResource></Item>';
    const d = xsd(descriptor({ item }));
    expect(d.map((x) => `${x.messageId}:${x.severity}`)).toEqual(['enumeration:error']);
    expect(d[0]!.message).toBe("Item ovf:bound 'maximum' is not one of 'min', 'max', 'normal'");
    const startup = `<VirtualSystemCollection ovf:id="app"><Info>c</Info><StartupSection><Info>s</Info><Item ovf:id="vm" ovf:order="1" ovf:stopAction="suspend"/></StartupSection>`;
    const collection = descriptor().replace('<VirtualSystem ', `${startup}<VirtualSystem `).replace('</Envelope>', '</VirtualSystemCollection></Envelope>');
    expect(summary(collection)).toEqual(['enumeration:warning:Item@stopAction']);
  });

  it('anyURI: an href with a bare % is only a warning (ovftool takes it as the file name)', () => {
    expect(summary(descriptor({ file: '<File ovf:id="f1" ovf:href="url%24encoded%a-1.vmdk" ovf:size="10"/>' }))).toEqual(['type:warning:File@href']);
  });

  it('CIM fields of an Item: types as warnings (ovfpipe does not deploy them), xsi:nil allowed, memory/CPU quantities left to allocation-units', () => {
    const nic = (fields: string) =>
      descriptor({
        item: `<Item><rasd:Connection>lan</rasd:Connection>${fields}<rasd:InstanceID>3</rasd:InstanceID><rasd:ResourceType>17</rasd:ResourceType><rasd:HostResource>ovf:/disk/d1</rasd:HostResource></Item>`,
      });
    expect(summary(nic('<rasd:AutomaticAllocation>yes</rasd:AutomaticAllocation><rasd:Reservation>-5</rasd:Reservation><rasd:Weight>heavy</rasd:Weight>'))).toEqual([
      'type:warning:Item@AutomaticAllocation',
      'range:warning:Item@Reservation',
      'type:warning:Item@Weight',
    ]);
    expect(summary(nic('<rasd:VirtualQuantity>some</rasd:VirtualQuantity>'))).toEqual(['type:warning:Item@VirtualQuantity']);
    expect(summary(nic('<rasd:Limit xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:nil="true"/>'))).toEqual([]);
    expect(xsd(descriptor().replace('<rasd:VirtualQuantity>512<', '<rasd:VirtualQuantity>lots<'))).toEqual([]);
    // rasd:ElementName is required by the CIM XSD, and deliberately not reported (a tolerance: consumers read fields by name).
    expect(XSD_CONSTRAINTS.find((r) => r.attribute === 'ElementName')?.tolerated).toBe(true);
  });

  it('child elements the XSD requires: Configuration Label/Description, Annotation, License (warnings: display text)', () => {
    const options = '<DeploymentOptionSection><Info>o</Info><Configuration ovf:id="small"><Label>s</Label></Configuration></DeploymentOptionSection>';
    expect(summary(descriptor({ extra: options }))).toEqual(['missing:warning:Configuration@Description']);
    expect(summary(descriptor({ product: '<AnnotationSection><Info>a</Info></AnnotationSection><EulaSection><Info>e</Info></EulaSection>' }))).toEqual([
      'missing:warning:AnnotationSection@Annotation',
      'missing:warning:EulaSection@License',
    ]);
    expect(xsd(descriptor({ extra: options }))[0]!.message).toBe('Configuration has no <Description>, which the OVF XSD requires');
  });

  it('required attributes the XSD asks for and no other rule checks', () => {
    const product = '<ProductSection><Info>p</Info><Property ovf:key="k" ovf:type="string" ovf:value="a"><Value ovf:configuration="small"/></Property></ProductSection>';
    expect(summary(descriptor({ product }))).toContain('missing:error:Value@value');
    expect(summary(descriptor({ os: '<OperatingSystemSection><Info>os</Info></OperatingSystemSection>' }))).toEqual(['missing:warning:OperatingSystemSection@id']);
  });

  it('OVF 2.x sections ovfpipe does not deploy: ScaleOutSection, PlacementGroupSection, SharedDiskSection (warnings)', () => {
    const xml = `<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/2" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/2">
<References/>
<SharedDiskSection><Info>s</Info><SharedDisk ovf:diskId="s1" ovf:capacity="1" ovf:readOnly="no"/></SharedDiskSection>
<VirtualSystemCollection ovf:id="app"><Info>c</Info>
<ScaleOutSection ovf:id="web"><Info>s</Info><InstanceCount ovf:default="-1" ovf:maximum="many"/></ScaleOutSection>
<PlacementGroupSection ovf:id="g"><Info>p</Info></PlacementGroupSection>
<VirtualSystem ovf:id="web"><Info>vm</Info></VirtualSystem></VirtualSystemCollection></Envelope>`;
    expect(summary(xml)).toEqual(['type:warning:SharedDisk@readOnly', 'range:warning:InstanceCount@default', 'type:warning:InstanceCount@maximum', 'missing:warning:PlacementGroupSection@policy']);
  });

  it('reports at the attribute, with a locator by meaning', () => {
    const item = '<Item ovf:bound="x"><rasd:InstanceID>3</rasd:InstanceID><rasd:ResourceType>17</rasd:ResourceType><rasd:HostResource>ovf:/disk/d1</rasd:HostResource></Item>';
    const xml = descriptor({ item });
    const [d] = xsd(xml);
    const lines = xml.split('\n');
    const line = lines.findIndex((l) => l.includes('ovf:bound')) + 1;
    expect(d).toMatchObject({ line, column: lines[line - 1]!.indexOf('ovf:bound') + 1, locator: 'VirtualSystem[vm]/Item[InstanceID=3]' });
    expect(xsd(descriptor({ file: '<File ovf:id="f1" ovf:href="d.vmdk" ovf:chunkSize="x"/>' }))[0]!.locator).toBe('References/File[f1]');
  });

  it('reads VMware 0.9 typed sections, whatever the XSI prefix', () => {
    const xml = `<Envelope xmlns="http://www.vmware.com/schema/ovf/1/envelope" xmlns:ovf="http://www.vmware.com/schema/ovf/1/envelope" xmlns:xsi-namespace="http://www.w3.org/2001/XMLSchema-instance">
<References><File ovf:id="f1" ovf:href="d.vmdk" ovf:chunkSize="-5"/></References>
<Section xsi-namespace:type="ovf:DiskSection_Type" ovf:required="ja"><Info>d</Info><Disk ovf:diskId="d1" ovf:fileRef="f1" ovf:capacity="1" ovf:populatedSize="big"/></Section>
<Content xsi-namespace:type="ovf:VirtualSystem_Type" ovf:id="vm"><Info>vm</Info></Content></Envelope>`;
    const d = xsd(xml);
    expect(d.map((x) => `${x.messageId}:${String(x.data?.['element'])}@${String(x.data?.['attribute'])}:${x.locator}`)).toEqual([
      'negative:File@chunkSize:References/File[f1]',
      'type:DiskSection@required:DiskSection',
    ]);
  });

  it('never reports what the rule a row delegates to reports: each such row is reported once, by that rule', () => {
    const cases: Record<string, string> = {
      'References/File@id': descriptor({ file: '<File ovf:href="d.vmdk" ovf:size="10"/>' }),
      'References/File@href': descriptor({ file: '<File ovf:id="f1" ovf:size="10"/>' }),
      'References/File@size': descriptor({ file: '<File ovf:id="f1" ovf:href="d.vmdk" ovf:size="-2"/>' }),
      'DiskSection/Disk@populatedSize': descriptor({ disk: '<Disk ovf:diskId="d1" ovf:fileRef="f1" ovf:capacity="1" ovf:populatedSize="1.5"/>' }),
      'References/File@compression': descriptor({ file: '<File ovf:id="f1" ovf:href="d.vmdk" ovf:size="10" ovf:compression="zip"/>' }),
      'VirtualSystem@id': descriptor({ vsAttrs: '' }),
      'VirtualSystemCollection@id': descriptor().replace('<VirtualSystem ', '<VirtualSystemCollection><Info>c</Info><VirtualSystem ').replace('</Envelope>', '</VirtualSystemCollection></Envelope>'),
      'DiskSection/Disk@diskId': descriptor({ disk: '<Disk ovf:fileRef="f1" ovf:capacity="1"/>' }),
      'DiskSection/Disk@capacity': descriptor({ disk: '<Disk ovf:diskId="d1" ovf:fileRef="f1"/>' }),
      'DiskSection/Disk@capacityAllocationUnits': descriptor({ disk: '<Disk ovf:diskId="d1" ovf:fileRef="f1" ovf:capacity="1" ovf:capacityAllocationUnits="gallons"/>' }),
      'NetworkSection/Network@name': descriptor({ network: '<Network ovf:name="lan"/><Network/>' }),
      'ProductSection/Property@key': descriptor({ product: '<ProductSection><Info>p</Info><Property ovf:type="string" ovf:value="a"/></ProductSection>' }),
      'ProductSection/Property@type': descriptor({ product: '<ProductSection><Info>p</Info><Property ovf:key="k" ovf:value="a"/></ProductSection>' }),
      'DeploymentOptionSection/Configuration@id': descriptor({
        extra: '<DeploymentOptionSection><Info>o</Info><Configuration><Label>s</Label><Description>s</Description></Configuration></DeploymentOptionSection>',
      }),
    };
    const item = (fields: string) => descriptor({ item: `<Item>${fields}</Item>` });
    cases['VirtualHardwareSection/Item@InstanceID'] = item('<rasd:ResourceType>17</rasd:ResourceType><rasd:HostResource>ovf:/disk/d1</rasd:HostResource>');
    cases['VirtualHardwareSection/Item@ResourceType'] = item('<rasd:InstanceID>3</rasd:InstanceID><rasd:ResourceType>disk</rasd:ResourceType>');
    // Partly delegated: memory and processor quantities belong to allocation-units (other Items are xsd-types', below).
    cases['VirtualHardwareSection/Item@VirtualQuantity'] = descriptor().replace('<rasd:VirtualQuantity>512<', '<rasd:VirtualQuantity>lots<');
    cases['Section@Info'] = descriptor({ os: '<OperatingSystemSection ovf:id="1"></OperatingSystemSection>' });
    // EthernetPortItem and StorageItem exist only in 2.x descriptors; their rows are the Item rows again.
    const delegated = XSD_CONSTRAINTS.filter((r) => r.reportedBy !== undefined && !/EthernetPortItem|StorageItem/.test(r.element));
    expect(delegated.map((r) => `${r.element}@${r.attribute}`).sort()).toEqual(Object.keys(cases).sort());
    for (const row of delegated) {
      const d = lint(cases[`${row.element}@${row.attribute}`]!);
      expect(
        d.map((x) => x.ruleId),
        `${row.element}@${row.attribute}`,
      ).toContain(row.reportedBy);
      expect(
        d.filter((x) => x.ruleId === 'xsd-types'),
        `${row.element}@${row.attribute}`,
      ).toEqual([]);
    }
  });

  it('table: every delegated row names a registered rule, and the doc page lists every row', () => {
    const ids = new Set(allRules.map((r) => r.meta.id));
    const page = readFileSync(join(import.meta.dirname, '../../docs/rules/xsd-types.md'), 'utf8');
    for (const row of XSD_CONSTRAINTS) {
      if (row.reportedBy !== undefined) expect(ids.has(row.reportedBy), row.reportedBy).toBe(true);
      const name = row.in === undefined ? `ovf:${row.attribute}` : row.in === 'rasd' ? `rasd:${row.attribute}` : `<${row.attribute}>`;
      expect(page, `${row.element}@${row.attribute}`).toContain(`| ${row.element} | \`${name}\` | ${row.type === 'enumeration' ? 'one of' : row.type}`);
    }
  });

  it('value checks follow XML Schema lexical rules', () => {
    expect(checkXsdValue({ type: 'boolean' }, ' 1 ')).toBeUndefined();
    expect(checkXsdValue({ type: 'boolean' }, 'TRUE')).toBe('type');
    expect(checkXsdValue({ type: 'unsignedShort' }, '+65535')).toBeUndefined();
    expect(checkXsdValue({ type: 'unsignedShort' }, '65536')).toBe('range');
    expect(checkXsdValue({ type: 'long' }, '-9223372036854775809')).toBe('range');
    expect(checkXsdValue({ type: 'unsignedLong' }, '1'.repeat(100_000))).toBe('range');
    expect(checkXsdValue({ type: 'anyURI' }, 'disk%201.vmdk')).toBeUndefined();
    expect(checkXsdValue({ type: 'anyURI' }, 'disk%2.vmdk')).toBe('type');
  });
});
