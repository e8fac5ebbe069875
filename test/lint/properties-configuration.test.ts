/** property-configuration: DeploymentOptionSection (DSP0243 §9.8) and every ovf:configuration reference. */
import { describe, expect, it } from 'vitest';
import { descriptor, findings, lineOf, lint, OVF2, product } from '../fixtures/properties/lint-descriptor.js';

function configurations(...specs: string[]): string {
  const items = specs.map((s) => {
    const [id, def] = s.split('*');
    return `<Configuration ovf:id="${id}"${def !== undefined ? ' ovf:default="true"' : ''}><Label>${id}</Label><Description>${id}</Description></Configuration>`;
  });
  return `<DeploymentOptionSection><Info>sizes</Info>\n${items.join('\n')}\n</DeploymentOptionSection>`;
}

const hardware = (items: string) => `<VirtualHardwareSection><Info>hw</Info>\n${items}\n</VirtualHardwareSection>`;
const cpu = (id: number, cfg: string) => `<Item ovf:configuration="${cfg}"><rasd:InstanceID>${id}</rasd:InstanceID><rasd:ResourceType>3</rasd:ResourceType></Item>`;

describe('property-configuration: declarations', () => {
  it('accepts unique configurations with one default, and references to them', () => {
    const xml = descriptor(
      `${product('<Property ovf:key="n" ovf:type="uint8" ovf:value="1"><Value ovf:configuration="large" ovf:value="4"/></Property>')}\n${hardware(`${cpu(1, 'small')}\n${cpu(2, 'large')}`)}`,
      configurations('small*', 'large'),
    );
    expect(findings(xml)).toEqual([]);
  });

  it('reports every default after the first', () => {
    const xml = descriptor('', configurations('small*', 'medium*', 'large*'));
    expect(findings(xml)).toEqual([`property-configuration:error@${lineOf(xml, '"medium"')}`, `property-configuration:error@${lineOf(xml, '"large"')}`]);
    expect(lint(xml)[0]!.locator).toBe('DeploymentOptionSection/Configuration[medium]');
  });

  it('notes (info) that the first configuration is the default when none is marked', () => {
    const xml = descriptor('', configurations('small', 'large'));
    const ds = lint(xml);
    expect(findings(xml)).toEqual([`property-configuration:info@${lineOf(xml, '"small"')}`]);
    expect(ds[0]!.message).toContain("the first, 'small'");
    expect(findings(descriptor('', configurations('only')))).toEqual([]);
  });

  it('reports duplicate and missing configuration ids', () => {
    const xml = descriptor('', configurations('a*', 'a', '').replace('ovf:id=""', ''));
    expect(findings(xml)).toEqual([`property-configuration:error@${lineOf(xml, '"a"', 2)}`, `property-configuration:error@${lineOf(xml, '<Label></Label>')}`]);
  });

  it('warns on a DeploymentOptionSection without configurations', () => {
    const xml = descriptor('', '<DeploymentOptionSection><Info>none</Info></DeploymentOptionSection>');
    expect(findings(xml)).toEqual([`property-configuration:warning@${lineOf(xml, '<DeploymentOptionSection')}`]);
  });
});

describe('property-configuration: references', () => {
  it('reports an Item naming an undeclared configuration, once per unknown id in the list', () => {
    const xml = descriptor(hardware(`${cpu(1, 'small')}\n${cpu(2, 'small medium')}`), configurations('small*'));
    const ds = lint(xml);
    expect(findings(xml)).toEqual([`property-configuration:error@${lineOf(xml, 'small medium')}`]);
    expect(ds[0]!.message).toContain("'medium'");
    expect(ds[0]!.locator).toBe('VirtualSystem[web]/Item[InstanceID=2]');
  });

  it('reports a Value naming an undeclared configuration', () => {
    const xml = descriptor(product('<Property ovf:key="n" ovf:type="uint8" ovf:value="1">\n<Value ovf:configuration="larg" ovf:value="4"/>\n</Property>'), configurations('large*'));
    const ds = lint(xml);
    expect(findings(xml)).toEqual([`property-configuration:error@${lineOf(xml, 'larg"')}`]);
    expect(ds[0]!.locator).toBe('VirtualSystem[web]/ProductSection/Property[key=n]/Value[configuration=larg]');
  });

  it('says so when there is no DeploymentOptionSection at all', () => {
    const xml = descriptor(hardware(cpu(1, 'small')));
    const ds = lint(xml);
    expect(ds.map((d) => `${d.ruleId}:${d.severity}`)).toEqual(['property-configuration:error']);
    expect(ds[0]!.message).toContain('no DeploymentOptionSection');
  });

  it('checks OVF 2.x references on Property and EthernetPortItem too', () => {
    const body = `${product('<Property ovf:key="n" ovf:type="uint8" ovf:value="1" ovf:configuration="huge"/>')}
<VirtualHardwareSection><Info>hw</Info>
<EthernetPortItem ovf:configuration="tiny"><epasd:InstanceID xmlns:epasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_EthernetPortAllocationSettingData">9</epasd:InstanceID></EthernetPortItem>
</VirtualHardwareSection>`;
    const xml = descriptor(body, configurations('small*'), OVF2);
    expect(lint(xml).map((d) => d.locator)).toEqual(['VirtualSystem[web]/ProductSection/Property[key=n]', 'VirtualSystem[web]/EthernetPortItem[InstanceID=9]']);
  });

  it('checks OVF 0.9 descriptors, whose sections are typed with xsi:type', () => {
    const xml = `<Envelope xmlns="http://www.vmware.com/schema/ovf/1/envelope" xmlns:ovf="http://www.vmware.com/schema/ovf/1/envelope" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<References/>
<Section xsi:type="ovf:DeploymentOptionSection_Type"><Info>d</Info><Configuration ovf:id="a" ovf:default="true"><Label>a</Label><Description>a</Description></Configuration></Section>
<Content xsi:type="ovf:VirtualSystem_Type" ovf:id="old"><Info>vm</Info>
<Section xsi:type="ovf:ProductSection_Type" ovf:class="c"><Info>p</Info>
<Property ovf:key="k" ovf:type="string" ovf:value="x"><Value ovf:configuration="b" ovf:value="y"/></Property>
</Section>
</Content>
</Envelope>`;
    expect(lint(xml).map((d) => d.locator)).toEqual(['VirtualSystem[old]/ProductSection[class=c]/Property[key=k]/Value[configuration=b]']);
  });
});

describe('property-configuration: Values', () => {
  it('warns on a Value without configuration and on a repeated configuration', () => {
    const xml = descriptor(
      product('<Property ovf:key="n" ovf:type="uint8" ovf:value="1">\n<Value ovf:value="2"/>\n<Value ovf:configuration="a" ovf:value="3"/>\n<Value ovf:configuration="a" ovf:value="4"/>\n</Property>'),
      configurations('a*'),
    );
    expect(findings(xml)).toEqual([`property-configuration:warning@${lineOf(xml, 'value="2"')}`, `property-configuration:warning@${lineOf(xml, 'value="4"')}`]);
  });
});
