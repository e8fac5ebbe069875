/**
 * The type table against the schema itself: for every protocol element and
 * every attribute, a battery of boundary values (ranges, hex forms, signs,
 * whitespace, variables) is written as a one-rule filter, xmllint judges all
 * of them against nwfilter.rng in one run, and ovfpipe's verdict must agree
 * on each. Plus structural edge cases (token whitespace, text, namespaces).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasErrors } from '../../src/diagnostics/diagnostic.js';
import type { ValueTypeId } from '../../src/netsec/nwfilter/datatypes.js';
import { lintFilterElement } from '../../src/lint/lint-nwfilter.js';
import { PROTOCOLS } from '../../src/netsec/nwfilter/protocols.js';
import { escapeAttribute } from '../../src/xml/writer.js';
import { parseXml } from '../../src/xml/parse.js';
import { inCI } from '../helpers/corpus.js';

const SCHEMA = '/usr/share/libvirt/schemas/nwfilter.rng';
const haveXmllint = spawnSync('sh', ['-c', `command -v xmllint && test -f ${SCHEMA}`]).status === 0;

const VARIABLES = ['$A', '$A_1[2]', '$A[@1]', '$A[ @1 ] ', '$ A', '$A[@1001]', '$', '$A[x]', '$A-B', '$A[1]x'];
const COMMON = ['', ' ', 'abc', '-1', ...VARIABLES];

const VALUES: Record<ValueTypeId, string[]> = {
  macAddr: ['52:54:00:12:34:56', '1:2:3:4:5:6', 'AA:bb:cc:dd:ee:ff', '52:54:00:12:34', '52:54:00:12:34:567', '52-54-00-12-34-56', ' 1:2:3:4:5:6'],
  macMask: ['ff:ff:ff:00:00:00', 'ff:00:ff:00:00:00', '0:0:0:0:0:0', 'fff:0:0:0:0:0'],
  ipv4Addr: ['10.1.2.3', '0.0.0.0', '255.255.255.255', '299.1.1.1', '10.1.2', '010.1.2.3', '1.2.3.4 ', 'a.b.c.d'],
  ipv4Mask: ['0', '32', '33', '+8', ' 8 ', '255.255.255.0', '255.0.255.0', '08'],
  ipv6Addr: ['::', '::1', 'a:b:c::d:e:f', '::ffff:10.1.2.3', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9', 'fe80::1%eth0', ':::', 'g::1', '1::2::3'],
  ipv6Mask: ['0', '128', '129', 'ffff:ffff::', 'ffff:0:ffff::', '64 '],
  uint8: ['0', '255', '256', '0x0', '0xff', '0x100', '0xFF', 'ff', '+1', ' 7 ', '007'],
  uint16: ['0', '65535', '65536', '0x0', '0xffff', '0x10000', '+5', ' 80', ' 0x50', 'ffff'],
  uint16Decimal: ['1', '65535', '65536', '0x10'],
  uint32: ['0', '4294967295', '4294967296', '0xffffffff', '0x100000000', '+7', ' 7 ', '-0'],
  dscp: ['0', '63', '64', '0x3f', '0x40', '0x0', '0xA', '+5', '0x00'],
  macProtocolId: ['arp', 'rarp', 'ipv4', 'ipv6', 'vlan', ' arp ', 'ARP', '1536', '1535', '65535', '65536', '0x600', '0x5ff', '0x0001', '0x10000'],
  vlanEncapProtocol: ['ipv4', '1536', '60', '0x003c'],
  vlanId: ['0', '4095', '4096', '0xfff', '0x1000', '0xFFF'],
  ipProtocol: ['tcp', 'icmpv6', ' udp', 'TCP', '0', '255', '256', '0xff', '0x100', 'dccp'],
  arpOpcode: ['Request', 'request', 'REQUEST', 'Reply_Reverse', 'DRARP_error', 'InARP_Request', 'ARP_NAK', '0', '65535', '65536', '0x1'],
  boolean: ['yes', 'no', 'true', 'false', '1', '0', ' yes ', 'True', 'on'],
  comment: ['any text', 'x'.repeat(300), 'quote \' and " and <&>'],
  stateFlags: ['NEW', 'NEW,ESTABLISHED', 'NONE', 'NEW,NONE', 'NONE,NEW', 'NONE,NONE', 'new', 'NEW, RELATED', 'INVALID,RELATED,NEW'],
  tcpFlags: ['SYN/SYN', 'SYN,ACK/SYN', 'ALL/NONE', 'NONE/ALL', 'SYN', 'syn/syn', 'SYN/SYN/SYN', 'ALL,SYN/SYN', 'SYN,ALL/SYN', 'SYN/ALL,SYN'],
  ipsetName: ['test', 'a b:c.d-e+f_g', 'x'.repeat(31), 'x'.repeat(32), 'bad/name'],
  ipsetFlags: ['src', 'dst,src', 'SRC,DsT', 'src,src,src,src,src,src', 'src,src,src,src,src,src,src', 'src,', 'source'],
  yesNo: ['yes', 'no', ' no ', 'No', 'true'],
};

interface Case {
  name: string;
  xml: string;
}

function ruleFilter(inner: string, ruleAttrs = "action='accept' direction='in'"): string {
  return `<filter name='t'><rule ${ruleAttrs}>${inner}</rule></filter>`;
}

/** The full battery the first time an attribute name/type pair appears; a valid, an invalid and a variable value after that. */
function attributeCases(): Case[] {
  const cases: Case[] = [];
  const seen = new Set<string>();
  for (const p of PROTOCOLS.values()) {
    for (const a of [...p.attributes, { name: 'match', type: 'yesNo' as const, rng: true }]) {
      if (!a.rng) continue;
      const extra = a.name === 'ipset' ? " ipsetflags='src'" : a.name === 'ipsetflags' ? " ipset='s'" : '';
      const key = `${a.name}:${a.type}`;
      const values = seen.has(key) ? [VALUES[a.type][0]!, 'abc', '$A'] : [...VALUES[a.type], ...COMMON];
      seen.add(key);
      for (const v of new Set(values)) cases.push({ name: `${p.name}@${a.name}=${JSON.stringify(v)}`, xml: ruleFilter(`<${p.name} ${a.name}='${escapeAttribute(v)}'${extra}/>`) });
    }
  }
  return cases;
}

const STRUCTURE: Array<[string, string]> = [
  ['action with spaces (token)', "<filter name='t'><rule action=' drop ' direction='in'/></filter>"],
  ['priority with spaces', "<filter name='t'><rule action='drop' direction='in' priority=' 5 '/></filter>"],
  ['priority +5 and -0010', "<filter name='t' chain='mac' priority='-0010'><rule action='drop' direction='in' priority='+5'/></filter>"],
  ['priority 1001', "<filter name='t'><rule action='drop' direction='in' priority='1001'/></filter>"],
  ['empty priority', "<filter name='t'><rule action='drop' direction='in' priority=''/></filter>"],
  ['uuid with space', "<filter name='t'><uuid> 5c6d49af-b071-6127-b4ec-6f8ed4b55335</uuid></filter>"],
  ['uuid 32 hex', "<filter name='t'><uuid>5c6d49afb0716127b4ec6f8ed4b55335</uuid></filter>"],
  ['two uuids', "<filter name='t'><uuid>5c6d49afb0716127b4ec6f8ed4b55335</uuid><uuid>5c6d49afb0716127b4ec6f8ed4b55335</uuid></filter>"],
  ['name with spaces', "<filter name=' foo '/>"],
  ['empty name', "<filter name=''/>"],
  ['name with colon', "<filter name='a:b'/>"],
  ['name starting with digit', "<filter name='1a'/>"],
  ['no name', '<filter/>'],
  ['chain root with spaces', "<filter name='t' chain=' root '/>"],
  ['chain mac with trailing space', "<filter name='t' chain='mac '/>"],
  ['chain rootx', "<filter name='t' chain='rootx'/>"],
  ['chain mac-123456789', "<filter name='t' chain='mac-12345678'/>"],
  ['chain mac-1234567890', "<filter name='t' chain='mac-123456789'/>"],
  ['chain macfoo', "<filter name='t' chain='macfoo'/>"],
  ['chain ipv4_x', "<filter name='t' chain='ipv4_x'/>"],
  ['chain foo', "<filter name='t' chain='foo'/>"],
  ['text in filter', "<filter name='t'>hello</filter>"],
  ['text in rule', "<filter name='t'><rule action='drop' direction='in'>x</rule></filter>"],
  ['whitespace in rule', "<filter name='t'><rule action='drop' direction='in'>  \n </rule></filter>"],
  ['text in protocol', ruleFilter('<tcp>x</tcp>')],
  ['child of protocol', ruleFilter('<tcp><x/></tcp>')],
  ['two protocols', ruleFilter('<tcp/><udp/>')],
  ['unknown attribute on rule', "<filter name='t'><rule action='drop' direction='in' foo='1'/></filter>"],
  ['missing direction', "<filter name='t'><rule action='drop'/></filter>"],
  ['statematch FALSE', "<filter name='t'><rule action='drop' direction='in' statematch='FALSE'/></filter>"],
  ['statematch true', "<filter name='t'><rule action='drop' direction='in' statematch='true'/></filter>"],
  ['namespaced attribute', "<filter xmlns:x='urn:x' x:foo='1' name='t'/>"],
  ['namespaced root', "<filter xmlns='urn:x' name='t'/>"],
  ['tcp option (C only)', ruleFilter("<tcp option='5'/>")],
  ['arp arpsrcipmask (C only)', ruleFilter("<arp arpsrcipmask='24'/>")],
  ['tcp-ipv6 state (C only)', ruleFilter("<tcp-ipv6 state='NEW'/>")],
  ['ipset alone', ruleFilter("<tcp ipset='foo'/>")],
  ['ipsetflags alone', ruleFilter("<all ipsetflags='src'/>")],
  ['filterref child', "<filter name='t'><filterref filter='x'><foo/></filterref></filter>"],
  ['filterref without filter', "<filter name='t'><filterref/></filter>"],
  ['parameter empty value', "<filter name='t'><filterref filter='x'><parameter name='A' value=''/></filterref></filter>"],
  ['parameter CIDR', "<filter name='t'><filterref filter='x'><parameter name='A' value='10.0.0.0/24'/></filterref></filter>"],
  ['parameter bad name', "<filter name='t'><filterref filter='x'><parameter name='A-B' value='1'/></filterref></filter>"],
  ['parameter missing value', "<filter name='t'><filterref filter='x'><parameter name='A'/></filterref></filter>"],
  ['filterref bad name', "<filter name='t'><filterref filter='a b'/></filter>"],
  ['comment and PI', "<filter name='t'><!-- c --><?pi x?></filter>"],
];

const cases: Case[] = [...attributeCases(), ...STRUCTURE.map(([name, xml]) => ({ name, xml }))];

describe.skipIf(!haveXmllint && !inCI)('the type table agrees with nwfilter.rng on boundary values', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ovfpipe-nwfilter-'));
  const verdicts = new Map<string, boolean>();
  beforeAll(() => {
    const files = cases.map((c, i) => {
      const f = join(dir, `${i}.xml`);
      writeFileSync(f, c.xml);
      return f;
    });
    const r = spawnSync('xmllint', ['--noout', '--relaxng', SCHEMA, ...files], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    for (const line of r.stderr.split('\n')) {
      const m = /([0-9]+)\.xml (validates|fails to validate)$/.exec(line);
      if (m) verdicts.set(cases[Number(m[1])]!.name, m[2] === 'validates');
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has a schema verdict for every case', () => {
    expect(haveXmllint, 'xmllint and nwfilter.rng are required in CI').toBe(true);
    expect(verdicts.size).toBe(cases.length);
  });

  it(`gives the schema's verdict on all ${cases.length} cases`, () => {
    const disagreements: string[] = [];
    for (const c of cases) {
      const parsed = parseXml(c.xml);
      const oursValid = parsed.ok && !hasErrors(lintFilterElement(parsed.root, 'case.xml'));
      if (oursValid !== verdicts.get(c.name)) disagreements.push(`${c.name}: schema ${verdicts.get(c.name) ? 'valid' : 'invalid'}, ours ${oursValid ? 'valid' : 'invalid'}`);
    }
    expect(disagreements).toEqual([]);
  });
});
