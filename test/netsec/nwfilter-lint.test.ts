import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/diagnostics/diagnostic.js';
import { lintFilterElement } from '../../src/lint/lint-nwfilter.js';
import { nwfilterRules } from '../../src/lint/rules/nwfilter/index.js';
import { parseXml } from '../../src/xml/parse.js';

function lint(xml: string, config = {}): Diagnostic[] {
  const p = parseXml(xml);
  if (!p.ok) throw new Error(p.problem.message);
  return lintFilterElement(p.root, 'f.xml', config);
}

const rule = (body: string, attrs = "action='accept' direction='in'") => `<filter name='web'><rule ${attrs}>${body}</rule></filter>`;
const brief = (ds: Diagnostic[]) => ds.map((d) => `${d.severity} ${d.ruleId} ${d.locator}`);

describe('nwfilter lint rules', () => {
  it('accepts a clean filter with no diagnostics', () => {
    const xml = `<filter name='web' chain='ipv4' priority='-700'>
  <uuid>5c6d49af-b071-6127-b4ec-6f8ed4b55335</uuid>
  <filterref filter='clean-traffic'><parameter name='IP' value='10.0.0.5'/></filterref>
  <rule action='accept' direction='in' priority='100'><tcp dstportstart='22' srcipaddr='$ALLOWED[@1]'/></rule>
  <rule action='drop' direction='inout' priority='1000'/>
</filter>`;
    expect(lint(xml)).toEqual([]);
  });

  it('points at the attribute with line, column and a locator by meaning', () => {
    const d = lint(`<filter name='web'>\n  <rule action='accept' direction='in'>\n    <tcp dstportstart='70000'/>\n  </rule>\n</filter>`);
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ ruleId: 'nwfilter-attribute-value', severity: 'error', file: 'f.xml', line: 3, column: 10, locator: 'filter[web]/rule[1]/tcp@dstportstart' });
    expect(d[0]!.message).toBe("dstportstart='70000' on <tcp> must be a number 0–65535 or hex 0x0–0xffff, or a $VARIABLE");
  });

  it('reports unknown elements and attributes, missing required attributes and extra protocol elements', () => {
    const d = lint(`<filter><bogus/><rule action='drop' foo='1'><tcp bar='1'/><udp/></rule></filter>`);
    expect(brief(d)).toEqual([
      'error nwfilter-structure filter[]',
      'error nwfilter-structure filter[]/bogus',
      'error nwfilter-structure filter[]/rule[1]',
      'error nwfilter-structure filter[]/rule[1]@foo',
      'error nwfilter-structure filter[]/rule[1]/tcp@bar',
      'error nwfilter-structure filter[]/rule[1]/udp',
    ]);
    expect(d.map((x) => x.message)).toContain("<filter> requires attribute 'name'");
  });

  it('says when libvirt reads an attribute the schema does not allow', () => {
    const [d] = lint(rule("<tcp option='5'/>"));
    expect(d).toMatchObject({ ruleId: 'nwfilter-structure', messageId: 'attributeNotInSchema', data: { attribute: 'option', element: 'tcp' } });
  });

  it('checks priorities of filters and rules against -1000..1000', () => {
    expect(brief(lint(rule('', "action='drop' direction='in' priority='1001'")))).toEqual(['error nwfilter-priority filter[web]/rule[1]@priority']);
    expect(lint(`<filter name='f' chain='mac' priority='-5000'/>`)[0]!.message).toBe('filter priority -5000 is outside -1000..1000');
    expect(lint(`<filter name='f' chain='mac' priority='high'/>`)[0]).toMatchObject({ messageId: 'priorityNotInteger', data: { value: 'high', element: 'filter' } });
    expect(lint(rule('', "action='drop' direction='in' priority=' -1000 '"))).toEqual([]);
  });

  it.each([
    ['root', true],
    ['mac', true],
    ['stp-xyz', true],
    ['arp-testme', true],
    ['ipv4_x', true],
    ['ipv6-123456', true],
    ['macfoo', true],
    ['vlan-1234567', true],
    ['vlan-12345678', false],
    ['rootx', false],
    ['tcp', false],
    ['ipv4 x', false],
  ])('judges chain name %s (valid: %s)', (chain, valid) => {
    const d = lint(`<filter name='f' chain='${chain}'/>`).filter((x) => x.severity === 'error');
    expect(d.length === 0).toBe(valid);
    if (!valid) expect(d[0]!.ruleId).toBe('nwfilter-chain');
  });

  it('checks action, direction and statematch', () => {
    const d = lint(rule('', "action='allow' direction='both' statematch='true'"));
    expect(d.map((x) => [x.ruleId, x.messageId, x.data?.['value']])).toEqual([
      ['nwfilter-action-direction', 'invalidAction', 'allow'],
      ['nwfilter-action-direction', 'invalidDirection', 'both'],
      ['nwfilter-action-direction', 'invalidStatematch', 'true'],
    ]);
    // The rendered messages (nwfilter-action-direction).
    expect(d.map((x) => x.message)).toEqual([
      "action 'allow' must be one of drop, accept, reject, continue, return",
      "direction 'both' must be one of in, out, inout",
      "statematch 'true' must be 'false' (any case) or '0'; leave it out to match state",
    ]);
  });

  it('checks variable syntax, and where variables are allowed at all', () => {
    const d = lint(rule("<icmp type='$T' srcipaddr='$IP[x]'/>"));
    expect(brief(d)).toEqual(['error nwfilter-variable-syntax filter[web]/rule[1]/icmp@type', 'error nwfilter-variable-syntax filter[web]/rule[1]/icmp@srcipaddr']);
    expect(d[0]).toMatchObject({ messageId: 'variableNotAllowed', data: { attribute: 'type', element: 'icmp', value: '$T' } });
    expect(d[1]).toMatchObject({ messageId: 'malformedVariable', data: { attribute: 'srcipaddr', value: '$IP[x]' } });
  });

  it('checks filterref names and parameters; an unknown filter is only a warning, a self-reference an error', () => {
    const d = lint(`<filter name='web'>
  <filterref filter='web'/>
  <filterref filter='site-base'><parameter name='NET' value='10.0.0.0/24'/></filterref>
  <filterref filter='clean-traffic'/>
</filter>`);
    expect(brief(d)).toEqual([
      'error nwfilter-filterref filter[web]/filterref[web]@filter',
      'warning nwfilter-filterref filter[web]/filterref[site-base]@filter',
      'error nwfilter-filterref filter[web]/filterref[site-base]/parameter[NET]@value',
    ]);
    expect(d[2]!.message).toMatch(/CIDR/);
    const known = lint(`<filter name='web'><filterref filter='site-base'/></filter>`, { rules: { 'nwfilter-filterref': ['error', { knownFilters: ['site-base'] }] } });
    expect(known).toEqual([]);
  });

  it('warns where libvirt silently changes a schema-valid filter', () => {
    const d = lint(`<filter name='web' priority='-500'>
  <rule action='accept' direction='in'><tcp match='no' dstportstart='22'/></rule>
  <rule action='accept' direction='in'><tcp ipset='blocked' ipsetflags='src'/></rule>
  <rule action='accept' direction='in'><udp comment='${'x'.repeat(300)}'/></rule>
  <rule action='accept' direction='in'><tcp-ipv6 flags='SYN/SYN'/></rule>
</filter>`);
    expect(d.every((x) => x.severity === 'warning' && x.ruleId === 'nwfilter-libvirt-parser')).toBe(true);
    expect(d.map((x) => x.message)).toEqual([
      "libvirt ignores priority='-500' because the filter has no chain attribute (it goes into the root chain with priority 0)",
      "match='no' does not apply to dstportstart on <tcp>: libvirt takes its negation from srcportstart, which is not negated here",
      'libvirt drops ipset and ipsetflags on <tcp> when both are given (only <all> keeps them)',
      'libvirt keeps only the first 256 bytes of this 300-byte comment',
      'libvirt ignores flags on <tcp-ipv6>: the schema allows it but the parser never reads it',
    ]);
  });

  it("warns where libvirt's parser rejects what the schema accepts", () => {
    const d = lint(rule("<ip srcportstart='80' srcipaddr='10.0.0.299' dstipaddr='$ DST'/>", "action=' accept ' direction='in'"));
    expect(d.map((x) => `${x.severity}: ${x.message}`)).toEqual([
      "warning: libvirt's parser rejects action=' accept ': unknown rule action attribute value (the schema accepts it, but nwfilter-define would fail)",
      "warning: libvirt's parser rejects <ip> with ports: a rule with port attributes needs protocol tcp, udp, dccp (33) or sctp (132) (the schema accepts it, but nwfilter-define would fail)",
      "warning: libvirt's parser rejects srcipaddr='10.0.0.299' on <ip>: illegal value (the schema accepts it, but nwfilter-define would fail)",
      "warning: libvirt's parser rejects dstipaddr='$ DST' on <ip>: malformed variable (the schema accepts it, but nwfilter-define would fail)",
    ]);
  });

  it('warns about values only the schema accepts: IPv6 dstipto, hex connlimit-above, short EtherTypes', () => {
    const rules = ["<all-ipv6 dstipfrom='::1' dstipto='::9'/>", "<tcp connlimit-above='0x10'/>", "<mac protocolid='0x0001'/>"];
    const d = lint(`<filter name='web'>${rules.map((r) => `<rule action='accept' direction='in'>${r}</rule>`).join('')}</filter>`);
    expect(d.map((x) => `${x.severity} ${x.locator}`)).toEqual([
      'warning filter[web]/rule[1]/all-ipv6@dstipto',
      'warning filter[web]/rule[2]/tcp@connlimit-above',
      'warning filter[web]/rule[3]/mac@protocolid',
    ]);
  });

  it('honours rule levels from the config', () => {
    const xml = rule("<tcp dstportstart='70000'/>");
    expect(lint(xml, { rules: { 'nwfilter-attribute-value': 'off' } })).toEqual([]);
    expect(lint(xml, { rules: { 'nwfilter-attribute-value': 'warning' } })[0]!.severity).toBe('warning');
  });

  it('rejects a root that is not <filter> without throwing', () => {
    expect(brief(lint('<domain/>'))).toEqual(['error nwfilter-structure domain']);
    expect(brief(lint("<filter xmlns='urn:x' name='a'/>"))).toEqual(['error nwfilter-structure filter']);
  });
});

describe('the nwfilter rule registry', () => {
  const dir = join(import.meta.dirname, '../../src/lint/rules/nwfilter');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && f !== 'index.ts')
    .map((f) => f.replace(/\.ts$/, ''));

  it('registers every rule file under its file name, in the nwfilter family and scope', () => {
    expect(nwfilterRules.map((r) => r.meta.id).sort()).toEqual(files.sort());
    for (const r of nwfilterRules) expect([r.meta.family, r.scope]).toEqual(['nwfilter', 'nwfilter']);
  });

  it('documents every rule in docs/rules/<id>.md', () => {
    for (const id of files) expect(existsSync(join(import.meta.dirname, '../../docs/rules', `${id}.md`)), id).toBe(true);
  });
});
