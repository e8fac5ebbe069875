/**
 * Property rules, part 1: keys, types, ProductSection class/instance pairs,
 * and the rule table itself (every rule file registered and documented).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { propertiesRules } from '../../src/lint/rules/properties/index.js';
import { descriptor, findings, lineOf, lint, product } from '../fixtures/properties/lint-descriptor.js';

const ROOT = join(import.meta.dirname, '../..');

describe('property rule table', () => {
  it('registers every rule file of the properties folder, each id named after its file', () => {
    const files = readdirSync(join(ROOT, 'src/lint/rules/properties'))
      .filter((f) => f.endsWith('.ts') && f !== 'index.ts')
      .map((f) => f.replace(/\.ts$/, ''))
      .sort();
    expect(propertiesRules.map((r) => r.meta.id).sort()).toEqual(files);
  });

  it('documents every rule in docs/rules/<id>.md', () => {
    for (const r of propertiesRules) expect(existsSync(join(ROOT, 'docs/rules', `${r.meta.id}.md`)), r.meta.id).toBe(true);
  });

  it('declares every rule for descriptors, in the properties family', () => {
    for (const r of propertiesRules) expect([r.scope, r.meta.family]).toEqual(['descriptor', 'properties']);
  });
});

describe('property-key', () => {
  it('accepts unique keys, and the same key in different class scopes', () => {
    const xml = descriptor(
      `${product('<Property ovf:key="ip" ovf:type="string"/>\n<Property ovf:key="mask" ovf:type="string"/>', 'com.x')}\n${product('<Property ovf:key="ip" ovf:type="string"/>', 'com.y')}`,
    );
    expect(findings(xml)).toEqual([]);
  });

  it('reports a missing key', () => {
    const xml = descriptor(product('<Property ovf:type="string"/>'));
    expect(findings(xml)).toEqual([`property-key:error@${lineOf(xml, '<Property')}`]);
    expect(lint(xml)[0]!.locator).toBe('VirtualSystem[web]/ProductSection/Property[#1]');
  });

  it('reports the second of two equal keys in one section, with a locator by meaning', () => {
    const xml = descriptor(product('<Property ovf:key="ip" ovf:type="string"/>\n<Property ovf:key="ip" ovf:type="string" ovf:value="b"/>', 'com.x'));
    const [d] = lint(xml);
    expect(findings(xml)).toEqual([`property-key:error@${lineOf(xml, 'ovf:value="b"')}`]);
    expect(d!.locator).toBe('VirtualSystem[web]/ProductSection[class=com.x]/Property[key=ip]');
    expect(d!.message).toContain(`line ${lineOf(xml, 'ovf:key="ip"')}`);
  });

  it("reports ':' as an error and '.' and whitespace as warnings", () => {
    const xml = descriptor(product('<Property ovf:key="a:b" ovf:type="string"/>\n<Property ovf:key="guestinfo.x" ovf:type="string"/>\n<Property ovf:key="a b" ovf:type="string"/>'));
    expect(findings(xml)).toEqual([`property-key:error@${lineOf(xml, 'a:b')}`, `property-key:warning@${lineOf(xml, 'guestinfo.x')}`, `property-key:warning@${lineOf(xml, '"a b"')}`]);
  });

  it("reports '.' at the rule's severity with allowPeriod: false", () => {
    const xml = descriptor(product('<Property ovf:key="guestinfo.x" ovf:type="string"/>'));
    expect(findings(xml, { rules: { 'property-key': ['error', { allowPeriod: false }] } })).toEqual([`property-key:error@${lineOf(xml, 'guestinfo')}`]);
  });

  it('reports two keys that get the same OVF environment name through dotted class and key', () => {
    const xml = descriptor(`${product('<Property ovf:key="c" ovf:type="string"/>', 'a.b')}\n${product('<Property ovf:key="b.c" ovf:type="string"/>', 'a')}`);
    const ds = lint(xml).filter((d) => d.severity === 'error');
    expect(ds.map((d) => `${d.ruleId}@${d.line}`)).toEqual([`property-key@${lineOf(xml, '"b.c"')}`]);
    expect(ds[0]!.message).toContain("'a.b.c'");
  });

  it('judges keys per VirtualSystem: two systems may share a key', () => {
    const xml = descriptor('', '').replace(
      '<VirtualSystem ovf:id="web">\n<Info>web</Info>\n\n</VirtualSystem>',
      `<VirtualSystemCollection ovf:id="app"><Info>a</Info>
<VirtualSystem ovf:id="a"><Info>a</Info>${product('<Property ovf:key="ip" ovf:type="string"/>')}</VirtualSystem>
<VirtualSystem ovf:id="b"><Info>b</Info>${product('<Property ovf:key="ip" ovf:type="string"/>\n<Property ovf:key="ip" ovf:type="string"/>')}</VirtualSystem>
</VirtualSystemCollection>`,
    );
    const ds = lint(xml);
    expect(ds.map((d) => d.locator)).toEqual(['VirtualSystemCollection[app]/VirtualSystem[b]/ProductSection/Property[key=ip]']);
  });
});

describe('property-type', () => {
  it('accepts every DSP0243 property type', () => {
    const types = ['uint8', 'sint8', 'uint16', 'sint16', 'uint32', 'sint32', 'uint64', 'sint64', 'boolean', 'string', 'char16', 'real32', 'real64'];
    const props = types.map((t, i) => `<Property ovf:key="k${i}" ovf:type="${t}" ovf:userConfigurable="true"/>`).join('\n');
    expect(findings(descriptor(product(props)))).toEqual([]);
  });

  it('reports missing, unknown and password types as errors', () => {
    const xml = descriptor(
      product('<Property ovf:key="a" ovf:userConfigurable="true"/>\n<Property ovf:key="b" ovf:type="integer" ovf:userConfigurable="true"/>\n<Property ovf:key="c" ovf:type="password"/>'),
    );
    const ds = lint(xml);
    expect(ds.map((d) => `${d.ruleId}:${d.severity}@${d.line}`)).toEqual([
      `property-type:error@${lineOf(xml, 'key="a"')}`,
      `property-type:error@${lineOf(xml, 'key="b"')}`,
      `property-type:error@${lineOf(xml, 'key="c"')}`,
    ]);
    expect(ds[2]!.message).toContain('ovf:password="true"');
  });

  it('warns on VMware type names and on wrong case, and checks values with the implied type', () => {
    const xml = descriptor(product('<Property ovf:key="a" ovf:type="int" ovf:value="x"/>\n<Property ovf:key="b" ovf:type="Boolean" ovf:value="True"/>'));
    expect(findings(xml)).toEqual([`property-type:warning@${lineOf(xml, 'key="a"')}`, `property-value:error@${lineOf(xml, 'key="a"')}`, `property-type:warning@${lineOf(xml, 'key="b"')}`]);
  });
});

describe('product-section-class', () => {
  it('accepts distinct class/instance pairs, and the same class in different systems', () => {
    const body = `<ProductSection ovf:class="com.x" ovf:instance="1"><Info>a</Info></ProductSection>
<ProductSection ovf:class="com.x" ovf:instance="2"><Info>b</Info></ProductSection>
<ProductSection><Info>c</Info></ProductSection>`;
    expect(findings(descriptor(body))).toEqual([]);
  });

  it('reports a second section with the same pair, and two sections without class', () => {
    const body = `<ProductSection ovf:class="com.x"><Info>a</Info></ProductSection>
<ProductSection ovf:class="com.x"><Info>dup</Info></ProductSection>
<ProductSection><Info>c</Info></ProductSection>
<ProductSection><Info>dup2</Info></ProductSection>`;
    const xml = descriptor(body);
    const ds = lint(xml);
    expect(findings(xml)).toEqual([`product-section-class:error@${lineOf(xml, 'dup<')}`, `product-section-class:error@${lineOf(xml, 'dup2')}`]);
    expect(ds[0]!.message).toBe(`VirtualSystem[web] has a second ProductSection class 'com.x' (the first is at line ${lineOf(xml, 'com.x')})`);
    expect(ds[0]!.locator).toBe('VirtualSystem[web]/ProductSection[class=com.x]');
    expect(ds[1]!.message).toContain('without ovf:class or ovf:instance');
  });

  it('also reports the keys the duplicate sections share', () => {
    const xml = descriptor(`${product('<Property ovf:key="ip" ovf:type="string"/>', 'com.x')}\n${product('<Property ovf:key="ip" ovf:type="string"/>', 'com.x')}`);
    expect(
      lint(xml)
        .map((d) => d.ruleId)
        .sort(),
    ).toEqual(['product-section-class', 'property-key']);
  });
});
