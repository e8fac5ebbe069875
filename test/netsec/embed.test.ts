import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runRules } from '../../src/lint/engine.js';
import { netsecRules } from '../../src/lint/rules/netsec/index.js';
import { parseBindingSpec } from '../../src/netsec/binding-spec.js';
import { embedIntoDescriptor, type EmbedAdditions } from '../../src/netsec/embed.js';
import type { PortProfile } from '../../src/netsec/model.js';
import { readNetworkSecurity } from '../../src/netsec/read-section.js';
import { netsecReport } from '../../src/netsec/show.js';
import { parseDescriptor } from '../../src/ovf/parser.js';
import { parseXml } from '../../src/xml/parse.js';

const OVF = readFileSync(new URL('../../examples/web-appliance/web-appliance.ovf', import.meta.url), 'utf8');

function filterFrom(path: string) {
  const r = parseXml(readFileSync(new URL(path, import.meta.url)));
  if (!r.ok) throw new Error(r.problem.message);
  return { name: r.root.attributes.find((a) => a.local === 'name')!.value, element: r.root };
}

const VEPA: PortProfile = {
  name: 'tenant-vepa',
  mode: 'direct',
  sourceMode: 'vepa',
  source: '${uplink}',
  virtualport: { type: '802.1Qbg', parameters: { managerid: '12', typeid: '0x123456', typeidversion: '1', instanceid: '${instanceid}' } },
};

function embed(add: Partial<EmbedAdditions>, vs?: string, text = OVF) {
  const env = parseDescriptor(text, 'web.ovf').envelope!;
  const out = embedIntoDescriptor(text, env, { filters: [], profiles: [], bindings: [], ...add }, { virtualSystemId: vs });
  const parsed = parseDescriptor(out, 'web.ovf');
  expect(parsed.diagnostics).toEqual([]);
  return { text: out, env: parsed.envelope! };
}

const lintAll = (env: ReturnType<typeof embed>['env']) => runRules({ scope: 'descriptor', file: 'web.ovf', envelope: env }, {}, netsecRules);
/** Everything but the reminders that vars must supply a macro (covered by its own test). */
const lint = (env: ReturnType<typeof embed>['env']) => lintAll(env).filter((d) => d.ruleId !== 'macro-source');

describe('embedding network security metadata', () => {
  it('adds a package-level section that reads back, keeping the rest byte for byte', () => {
    const { text, env } = embed({ filters: [filterFrom('../../examples/netsec/web-ingress.xml')], bindings: [parseBindingSpec('nic=frontend,filter=web-ingress,IP=${ip}')] });
    expect(text.replace(/<nsec:NetworkSecuritySection[\s\S]*<\/nsec:NetworkSecuritySection>\n\s*/, '')).toBe(OVF);
    expect(text).toContain("ovf:required='false'");
    expect(text).toContain("<filter xmlns='' name='web-ingress' chain='root'>");
    const { sections, diagnostics } = readNetworkSecurity(env);
    expect(diagnostics).toEqual([]);
    expect(sections).toHaveLength(1);
    expect(sections[0]!.filters[0]!.element.ns).toBe('');
    expect(sections[0]!.bindings[0]).toMatchObject({ nic: 'frontend', filter: 'web-ingress', parameters: [{ name: 'IP', value: '${ip}' }] });
    expect(lint(env)).toEqual([]);
    expect(netsecReport(env).bindings).toMatchObject([{ virtualSystem: 'web', nic: '5', network: 'frontend', filter: 'web-ingress', origin: 'package-binding' }]);
  });

  it('merges a second embed into the existing section instead of adding another', () => {
    const first = embed({ filters: [filterFrom('../../examples/netsec/antispoof.xml')], bindings: [parseBindingSpec('nic=5,filter=antispoof,IP=${ip}')] });
    const second = embed({ profiles: [VEPA], bindings: [parseBindingSpec('nic=5,profile=tenant-vepa')] }, undefined, first.text);
    const { sections } = readNetworkSecurity(second.env);
    expect(sections).toHaveLength(1);
    expect(sections[0]!.filters.map((f) => f.name)).toEqual(['antispoof']);
    expect(sections[0]!.profiles[0]).toMatchObject({ name: 'tenant-vepa', mode: 'direct', sourceMode: 'vepa', virtualport: { type: '802.1Qbg' } });
    expect(sections[0]!.bindings).toHaveLength(1); // same NIC: replaced
  });

  it('puts the section inside a VirtualSystem on request, where it wins over package bindings', () => {
    const pkg = embed({ filters: [filterFrom('../../examples/netsec/antispoof.xml')], bindings: [parseBindingSpec('nic=5,filter=antispoof')] });
    const vs = embed({ bindings: [parseBindingSpec('nic=5,filter=clean-traffic')] }, 'web', pkg.text);
    expect(readNetworkSecurity(vs.env).sections.map((s) => s.scope)).toEqual(['package', 'virtual-system']);
    expect(netsecReport(vs.env).bindings).toMatchObject([{ filter: 'clean-traffic', origin: 'vs-binding' }]);
  });

  it('escapes hostile values instead of breaking the XML', () => {
    const { env } = embed({ bindings: [{ nic: '5', filter: 'x\'<&"y', parameters: [{ name: 'IP', value: "1.2.3.4'/><evil/>" }] }] });
    const b = readNetworkSecurity(env).sections[0]!.bindings[0]!;
    expect(b.filter).toBe('x\'<&"y');
    expect(b.parameters[0]!.value).toBe("1.2.3.4'/><evil/>");
  });
});

describe('network security lint rules', () => {
  it('flag a binding whose NIC does not exist, with a locator', () => {
    const { env } = embed({ bindings: [parseBindingSpec('nic=99,filter=clean-traffic')] });
    expect(lint(env)).toMatchObject([{ ruleId: 'binding-nic', severity: 'error', locator: 'Binding[nic=99]' }]);
  });

  it('flag an unknown filter or profile but know the libvirt built-ins', () => {
    const { env } = embed({ bindings: [parseBindingSpec('nic=5,filter=nope,profile=ghost')] });
    expect(lint(env).map((d) => d.message)).toEqual([
      "NIC 5 is bound to filter 'nope', which is neither embedded in the package nor a libvirt built-in",
      "NIC 5 is bound to port profile 'ghost', which no NetworkSecuritySection defines",
    ]);
    expect(lint(embed({ bindings: [parseBindingSpec('nic=5,filter=no-ip-spoofing')] }).env)).toEqual([]);
  });

  it('warn that libvirt ignores a filter on a direct (VEPA) NIC', () => {
    const { env } = embed({ profiles: [VEPA], bindings: [parseBindingSpec('nic=5,filter=clean-traffic,profile=tenant-vepa')] });
    expect(lint(env)).toMatchObject([{ ruleId: 'binding-direct-filterref', severity: 'warning' }]);
  });

  it('lint embedded filters with the nwfilter rules, keeping their rule ids', () => {
    const bad = parseXml("<filter name='bad' chain='ipv4' priority='5000'><rule action='explode' direction='in'/></filter>");
    if (!bad.ok) throw new Error('fixture');
    const { env } = embed({ filters: [{ name: 'bad', element: bad.root }], bindings: [parseBindingSpec('nic=5,filter=bad')] });
    const ids = lint(env).map((d) => d.ruleId);
    expect(ids.some((id) => id.startsWith('nwfilter-'))).toBe(true);
    expect(lint(env).every((d) => d.line > 0)).toBe(true);
  });

  it('refuse a section that other OVF tools would have to understand', () => {
    const text = OVF.replace('<VirtualSystem ', '<n:NetworkSecuritySection xmlns:n="http://ovfpipe.dev/schema/netsec/1"><n:Binding nic="5"/></n:NetworkSecuritySection>\n  <VirtualSystem ');
    const env = parseDescriptor(text, 'web.ovf').envelope!;
    const section = lint(env).filter((d) => d.ruleId === 'netsec-section');
    expect(section.map((d) => [d.messageId, d.data])).toEqual([
      ['notOptional', { section: 'NetworkSecuritySection' }],
      ['noInfo', { section: 'NetworkSecuritySection' }],
      ['bindingEmpty', { nic: '5' }],
    ]);
    // The rendered message (netsec-section).
    expect(section[0]!.message).toBe('NetworkSecuritySection must carry ovf:required="false" so that other OVF tools can skip it');
  });

  it('remind that a macro without a default in the package must come from vars, and accept generated ones', () => {
    const { env } = embed({ profiles: [VEPA], bindings: [parseBindingSpec('nic=5,profile=tenant-vepa')] });
    const msgs = lintAll(env).filter((d) => d.ruleId === 'macro-source');
    expect(msgs.map((d) => [d.severity, d.locator])).toEqual([['warning', 'PortProfile[tenant-vepa]@source']]);
    expect(msgs[0]).toMatchObject({ messageId: 'noDefault', data: { name: 'uplink', field: 'PortProfile[tenant-vepa]@source' } });
    // The rendered message (macro-source).
    expect(msgs[0]!.message).toMatch(/\$\{uplink\}.*every deployment must set it in vars/);
    const withDefault = OVF.replace('ovf:qualifiers="MaxLen(15)"', 'ovf:qualifiers="MaxLen(15)" ovf:value="10.0.0.0/24"');
    const bad = embed({ bindings: [parseBindingSpec('nic=5,filter=clean-traffic,IP=${ip}')] }, undefined, withDefault);
    expect(lintAll(bad.env)).toMatchObject([{ ruleId: 'macro-type', severity: 'error', messageId: 'illTyped', data: { name: 'ip', value: "'10.0.0.0/24'" } }]);
    expect(lintAll(bad.env)[0]!.data?.['source']).toMatch(/OVF property/);
  });

  it('reject a literal CIDR as a filter parameter', () => {
    const { env } = embed({ bindings: [parseBindingSpec('nic=5,filter=clean-traffic,IP=10.0.0.0/24')] });
    expect(lint(env)).toMatchObject([{ ruleId: 'binding-parameter', severity: 'error' }]);
  });

  it('enforce the NIC policy only when enabled', () => {
    const env = parseDescriptor(OVF, 'web.ovf').envelope!;
    expect(lint(env)).toEqual([]);
    const on = runRules({ scope: 'descriptor', file: 'web.ovf', envelope: env }, { rules: { 'policy-nic-protected': 'error' } }, netsecRules);
    expect(on).toMatchObject([{ ruleId: 'policy-nic-protected', message: 'NIC 5 on network frontend carries neither a filter nor a port profile' }]);
  });

  it('parse binding specs with macros and lists, and reject bad ones', () => {
    expect(parseBindingSpec('nic=5,filter=f,IP=${ip},IP=10.0.0.6,profile=p')).toEqual({
      nic: '5',
      filter: 'f',
      profile: 'p',
      parameters: [
        { name: 'IP', value: '${ip}' },
        { name: 'IP', value: '10.0.0.6' },
      ],
    });
    expect(() => parseBindingSpec('filter=f')).toThrow(/nic=/);
    expect(() => parseBindingSpec('nic=5')).toThrow(/filter=/);
    expect(() => parseBindingSpec('nic=5,filter=f,bad-name=1')).toThrow(/parameter name/);
  });
});
