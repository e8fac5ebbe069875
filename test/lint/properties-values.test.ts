/** Property rules, part 2: qualifiers and values (DSP0243 §9.5, DSP0004 qualifiers). */
import { describe, expect, it } from 'vitest';
import { descriptor, findings, lineOf, lint, product } from '../fixtures/properties/lint-descriptor.js';

/** One property with the given attributes, linted alone; returns `ruleId:severity` of each finding. */
function one(attrs: string, children = '', config = {}): string[] {
  const xml = descriptor(product(`<Property ovf:key="p" ${attrs}>${children}</Property>`));
  return lint(xml, config).map((d) => `${d.ruleId}:${d.severity}`);
}

function messages(attrs: string, children = ''): string[] {
  return lint(descriptor(product(`<Property ovf:key="p" ${attrs}>${children}</Property>`))).map((d) => d.message);
}

const q = (s: string) => s.replace(/"/g, '&quot;');

describe('property-qualifiers', () => {
  it.each([
    ['string', 'MinLen(1),MaxLen(253)', 'abc'],
    ['string', `ValueMap{${q('"a", "b,c", "d\\"e"')}}`, 'b,c'],
    ['uint16', 'MinValue(1),MaxValue(65535)', '80'],
    ['uint8', `ValueMap{${q('"1..5","9"')}}`, '9'],
    ['sint32', `ValueMap{${q('"..-1","10..",".."')}}`, '3'],
    ['real64', 'MinValue(0),MaxValue(1.5)', '0.5'],
    ['string', '  MinLen( 2 ) ,  MaxLen(3)  ', 'ab'],
  ])('accepts %s with %s', (type, qualifiers, value) => {
    expect(one(`ovf:type="${type}" ovf:qualifiers="${qualifiers}" ovf:value="${value}"`)).toEqual([]);
  });

  it.each([
    ['uint8', 'MinLen(1)', 'does not apply'],
    ['boolean', `ValueMap{${q('"true"')}}`, 'does not apply'],
    ['string', 'MinValue(1)', 'does not apply'],
    ['string', 'MinLen(abc)', 'non-negative integer'],
    ['string', 'MinLen', 'number in parentheses'],
    ['string', `ValueMap(${q('"a"')})`, 'list in braces'],
    ['string', `ValueMap{${q('"a"')}`, "no closing '}'"],
    ['string', 'ValueMap{}', 'non-empty'],
    ['string', 'MinLen(1),', 'trailing comma'],
    ['string', 'MinLen(8),MaxLen(4)', 'no value can satisfy both'],
    ['uint8', 'MinValue(9),MaxValue(2)', 'no value can satisfy both'],
    ['uint8', 'MinValue(1.5)', 'must be an integer'],
    ['uint8', `ValueMap{${q('"x"')}}`, 'integer range'],
    ['string', 'MinLen(1)x', "unexpected 'x'"],
  ])('reports %s with %s as an error (%s)', (type, qualifiers, text) => {
    const ds = lint(descriptor(product(`<Property ovf:key="p" ovf:type="${type}" ovf:qualifiers="${qualifiers}" ovf:userConfigurable="true"/>`)));
    expect(ds.map((d) => `${d.ruleId}:${d.severity}`)).toEqual(['property-qualifiers:error']);
    expect(ds[0]!.message).toContain(text);
  });

  it.each([
    ['string', 'Ip', 'Unknown qualifier'],
    ['uint16', 'MinValue(1) MaxValue(10)', 'separated by whitespace'],
    ['uint8', 'ValueMap{1, 2}', 'not a quoted string'],
    ['string', 'MinLen(1),MinLen(2)', 'more than once'],
    ['uint8', 'MaxValue(300)', 'outside the range of uint8'],
  ])('warns on %s with %s (%s)', (type, qualifiers, text) => {
    const ds = lint(descriptor(product(`<Property ovf:key="p" ovf:type="${type}" ovf:qualifiers="${qualifiers}" ovf:userConfigurable="true"/>`)));
    expect(ds.map((d) => `${d.ruleId}:${d.severity}`)).toEqual(['property-qualifiers:warning']);
    expect(ds[0]!.message).toContain(text);
  });

  it('accepts vendor qualifiers named in the allow option', () => {
    expect(one('ovf:type="string" ovf:qualifiers="Ip(Management),MinLen(1)" ovf:value="x"', '', { rules: { 'property-qualifiers': ['error', { allow: ['Ip'] }] } })).toEqual([]);
  });

  it('still reads whitespace-separated qualifiers, so values are checked against them', () => {
    expect(one('ovf:type="uint16" ovf:qualifiers="MinValue(10) MaxValue(20)" ovf:value="30"')).toEqual(['property-qualifiers:warning', 'property-value:error']);
  });
});

describe('property-value: types', () => {
  it.each([
    ['uint8', '255'],
    ['uint8', '0'],
    ['sint8', '-128'],
    ['uint64', '18446744073709551615'],
    ['sint64', '-9223372036854775808'],
    ['boolean', 'True'],
    ['boolean', 'false'],
    ['real32', '-1.5e10'],
    ['real64', '.5'],
    ['char16', 'x'],
    ['string', ''],
  ])('accepts %s %s', (type, value) => {
    expect(one(`ovf:type="${type}" ovf:value="${value}"`)).toEqual([]);
  });

  it.each([
    ['uint8', '256', 'outside the uint8 range 0..255'],
    ['uint8', '-1', 'outside the uint8 range'],
    ['sint8', '-129', 'outside the sint8 range -128..127'],
    ['uint64', '18446744073709551616', 'outside the uint64 range'],
    ['uint16', '0x10', 'not a valid uint16'],
    ['uint16', '1.0', 'not a valid uint16'],
    ['boolean', 'yes', 'not a valid boolean'],
    ['real32', '1e39', 'outside the real32 range'],
    ['real64', 'NaN', 'not a valid real64'],
    ['char16', 'ab', 'not a valid char16'],
  ])('reports %s %s as an error', (type, value, text) => {
    const ds = lint(descriptor(product(`<Property ovf:key="p" ovf:type="${type}" ovf:value="${value}"/>`)));
    expect(ds.map((d) => `${d.ruleId}:${d.severity}`)).toEqual(['property-value:error']);
    expect(ds[0]!.message).toContain(text);
  });

  it('warns about whitespace around a number and checks the trimmed value', () => {
    expect(one('ovf:type="uint8" ovf:value=" 42 "')).toEqual(['property-value:warning']);
    expect(one('ovf:type="uint8" ovf:value=" 420 "')).toEqual(['property-value:warning', 'property-value:error']);
  });
});

describe('property-value: qualifiers', () => {
  it.each([
    [`ovf:type="string" ovf:qualifiers="MinLen(3)" ovf:value="ab"`, 'fewer than MinLen(3)'],
    [`ovf:type="string" ovf:qualifiers="MaxLen(2)" ovf:value="abc"`, 'more than MaxLen(2)'],
    [`ovf:type="string" ovf:qualifiers="ValueMap{${q('"a","b"')}}" ovf:value="c"`, 'not in the property'],
    [`ovf:type="uint8" ovf:qualifiers="ValueMap{${q('"1..5","9"')}}" ovf:value="7"`, 'not in the property'],
    [`ovf:type="sint16" ovf:qualifiers="MinValue(-5)" ovf:value="-6"`, 'below MinValue(-5)'],
    [`ovf:type="real64" ovf:qualifiers="MaxValue(1.5)" ovf:value="1.6"`, 'above MaxValue(1.5)'],
  ])('reports %s', (attrs, text) => {
    const ds = lint(descriptor(product(`<Property ovf:key="p" ${attrs}/>`)));
    expect(ds.map((d) => `${d.ruleId}:${d.severity}`)).toEqual(['property-value:error']);
    expect(ds[0]!.message).toContain(text);
  });

  it('counts characters, not UTF-16 units, for MaxLen', () => {
    expect(one('ovf:type="string" ovf:qualifiers="MaxLen(2)" ovf:value="😀😀"')).toEqual([]);
  });
});

describe('property-value: empty and missing values', () => {
  it('accepts an empty value on a user-configurable property (forces a prompt, §9.5)', () => {
    expect(one('ovf:type="uint8" ovf:userConfigurable="true" ovf:value=""')).toEqual([]);
    expect(one('ovf:type="string" ovf:qualifiers="MinLen(1)" ovf:userConfigurable="true"')).toEqual([]);
  });

  it('warns on an empty or missing value of a property the user cannot change', () => {
    expect(one('ovf:type="uint8" ovf:value=""')).toEqual(['property-value:warning']);
    expect(one('ovf:type="uint8"')).toEqual(['property-value:warning']);
    expect(one('ovf:type="string" ovf:qualifiers="MinLen(1)" ovf:value=""')).toEqual(['property-value:warning']);
    expect(one('ovf:type="string"')).toEqual([]);
  });

  it('does not ask for a default when per-configuration Values supply it', () => {
    const xml = descriptor(
      product('<Property ovf:key="p" ovf:type="uint8"><Value ovf:configuration="a" ovf:value="1"/></Property>'),
      '<DeploymentOptionSection><Info>d</Info><Configuration ovf:id="a"><Label>a</Label><Description>a</Description></Configuration></DeploymentOptionSection>',
    );
    expect(findings(xml)).toEqual([]);
  });
});

describe('property-value: per-configuration values and secrets', () => {
  it('checks each Value, at its own line, with the configuration in the locator', () => {
    const xml = descriptor(
      product('<Property ovf:key="size" ovf:type="uint16" ovf:value="10">\n<Value ovf:configuration="large" ovf:value="big"/>\n</Property>'),
      '<DeploymentOptionSection><Info>d</Info><Configuration ovf:id="large"><Label>l</Label><Description>l</Description></Configuration></DeploymentOptionSection>',
    );
    const ds = lint(xml);
    expect(findings(xml)).toEqual([`property-value:error@${lineOf(xml, '<Value')}`]);
    expect(ds[0]!.locator).toBe('VirtualSystem[web]/ProductSection/Property[key=size]/Value[configuration=large]');
    expect(ds[0]!.message).toBe("Value for configuration 'large' 'big' is not a valid uint16");
  });

  it('never prints the value of a password property', () => {
    const msgs = [...messages('ovf:type="string" ovf:password="true" ovf:qualifiers="MaxLen(4)" ovf:value="hunter22"'), ...messages('ovf:type="uint8" ovf:password="true" ovf:value=" s3cret "')];
    expect(msgs.length).toBe(3);
    for (const m of msgs) {
      expect(m).toContain('***');
      expect(m).not.toMatch(/hunter|s3cret/);
    }
  });
});
