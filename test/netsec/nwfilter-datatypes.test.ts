import { describe, expect, it } from 'vitest';
import { cStrToInt, cStrToUInt, formatIPv6, parseIPv4, parseIPv6, parseMacAddress, parseUuid } from '../../src/netsec/nwfilter/c-primitives.js';
import { parseValueC } from '../../src/netsec/nwfilter/c-values.js';
import { describeExpected, valueType, type ValueTypeId } from '../../src/netsec/nwfilter/datatypes.js';
import { PROTOCOLS } from '../../src/netsec/nwfilter/protocols.js';

/** libvirt's printed form of a value, or the reason it refuses it. */
function libvirt(type: ValueTypeId, raw: string): string {
  const r = parseValueC(valueType(type), raw);
  return r.ok ? r.item.text : `REJECT: ${r.reason}`;
}

describe('schema verdicts per value type', () => {
  const accepts = (type: ValueTypeId, v: string) => valueType(type).rng(v);

  it('reads integers as xsd:int (sign, leading zeros, surrounding space) and hex only with 0x', () => {
    expect(['0', '65535', '+5', ' 80 ', '007', '0xffff', '0x0'].map((v) => accepts('uint16', v))).toEqual(Array(7).fill(true));
    expect(['65536', '-1', '0x10000', 'ffff', ' 0x50', '', 'abc'].map((v) => accepts('uint16', v))).toEqual(Array(7).fill(false));
  });

  it('bounds each range: uint8, dscp 0–63, vlan id 0–4095, uint32 without a sign', () => {
    expect([accepts('uint8', '255'), accepts('uint8', '256'), accepts('uint8', '0xff'), accepts('uint8', '0x100')]).toEqual([true, false, true, false]);
    expect([accepts('dscp', '63'), accepts('dscp', '64'), accepts('dscp', '0x3f'), accepts('dscp', '0x40')]).toEqual([true, false, true, false]);
    expect([accepts('vlanId', '4095'), accepts('vlanId', '4096'), accepts('vlanId', '0xfff'), accepts('vlanId', '0x1000')]).toEqual([true, false, true, false]);
    expect([accepts('uint32', '4294967295'), accepts('uint32', '4294967296'), accepts('uint32', '+7')]).toEqual([true, false, false]);
  });

  it('takes masks as prefix lengths or dotted/colon notation', () => {
    expect([accepts('ipv4Mask', '32'), accepts('ipv4Mask', '33'), accepts('ipv4Mask', '255.255.255.0')]).toEqual([true, false, true]);
    expect([accepts('ipv6Mask', '128'), accepts('ipv6Mask', '129'), accepts('ipv6Mask', 'ffff:ffff::')]).toEqual([true, false, true]);
  });

  it('takes EtherTypes from 0x600, by number, hex or name', () => {
    expect(['arp', ' ipv6 ', '1536', '0x0800', '0x600'].every((v) => accepts('macProtocolId', v))).toBe(true);
    expect(['1535', '0x5ff', 'ARP', 'ip'].some((v) => accepts('macProtocolId', v))).toBe(false);
  });

  it('follows libxml2 on the state and TCP flag lists', () => {
    expect(['NEW', 'NEW,ESTABLISHED', 'NONE', 'NONE,NEW'].every((v) => accepts('stateFlags', v))).toBe(true);
    expect(['NEW,NONE', 'new', 'NEW, RELATED'].some((v) => accepts('stateFlags', v))).toBe(false);
    expect(['SYN/SYN', 'SYN,ACK/SYN', 'ALL/NONE', 'ALL,SYN/SYN'].every((v) => accepts('tcpFlags', v))).toBe(true);
    expect(['SYN', 'syn/syn', 'SYN,ALL/SYN'].some((v) => accepts('tcpFlags', v))).toBe(false);
  });

  it('limits ipset names to 31 characters and ipset flags to six src/dst', () => {
    expect([accepts('ipsetName', 'x'.repeat(31)), accepts('ipsetName', 'x'.repeat(32)), accepts('ipsetName', 'a b:c')]).toEqual([true, false, true]);
    expect([accepts('ipsetFlags', 'SRC,dst'), accepts('ipsetFlags', Array(7).fill('src').join(','))]).toEqual([true, false]);
  });

  it('describes what it expects, mentioning variables only where they are allowed', () => {
    expect(describeExpected(valueType('uint16'))).toMatch(/0–65535.*\$VARIABLE/);
    expect(describeExpected(valueType('uint8'))).not.toMatch(/VARIABLE/);
  });
});

describe("libvirt's reading and printing of values", () => {
  it('keeps decimal as decimal and prints hex as lowercase 0x', () => {
    expect(libvirt('uint16', '0x1A2b')).toBe('0x1a2b');
    expect(libvirt('uint16', '400')).toBe('400');
    expect(libvirt('uint16', 'ff')).toBe('0xff'); // base 10 fails, base 16 succeeds
    expect(libvirt('uint16', '65536')).toMatch(/REJECT/);
    expect(libvirt('uint16Decimal', '0x10')).toMatch(/REJECT/); // connlimit-above is decimal only in C
    expect(libvirt('uint32', '0x11223344')).toBe('0x11223344');
  });

  it('prints masks as prefix lengths and rejects non-contiguous ones', () => {
    expect(libvirt('ipv4Mask', '255.255.255.255')).toBe('32');
    expect(libvirt('ipv4Mask', '255.255.255.128')).toBe('25');
    expect(libvirt('ipv4Mask', '255.0.255.0')).toMatch(/REJECT/);
    expect(libvirt('ipv4Mask', '33')).toMatch(/REJECT/);
    expect(libvirt('ipv6Mask', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:8000')).toBe('113');
    expect(libvirt('macMask', 'ff:ff:ff:ff:ff:80')).toBe('ff:ff:ff:ff:ff:80');
    expect(libvirt('macMask', 'ff:00:ff:00:00:00')).toMatch(/REJECT/);
  });

  it('canonicalises addresses as glibc does', () => {
    expect(libvirt('macAddr', '1:2:3:A:b:c')).toBe('01:02:03:0a:0b:0c');
    expect(libvirt('ipv4Addr', '10.1')).toBe('10.0.0.1'); // inet_aton shorthand
    expect(libvirt('ipv4Addr', '010.0.0.1')).toBe('8.0.0.1'); // octal
    expect(libvirt('ipv4Addr', '299.1.1.1')).toMatch(/REJECT/);
    expect(libvirt('ipv6Addr', 'A:B:C:0:0:0:D:E')).toBe('a:b:c::d:e');
    expect(libvirt('ipv6Addr', '::ffff:10.1.2.3')).toBe('::ffff:10.1.2.3');
    expect(libvirt('ipv6Addr', '0:0:0:0:0:0:10.1.2.3')).toBe('::10.1.2.3');
    expect(libvirt('ipv6Addr', '1::2::3')).toMatch(/REJECT/);
  });

  it('maps protocol numbers to names and names to their canonical spelling', () => {
    expect(libvirt('ipProtocol', '6')).toBe('tcp');
    expect(libvirt('ipProtocol', 'UDP')).toBe('udp');
    expect(libvirt('ipProtocol', '0x12')).toBe('0x12');
    expect(libvirt('ipProtocol', '18')).toBe('18');
    expect(libvirt('macProtocolId', '2048')).toBe('ipv4');
    expect(libvirt('macProtocolId', '0x1234')).toBe('0x1234');
    expect(libvirt('macProtocolId', '15')).toMatch(/REJECT: must be at least 0x600/);
    expect(libvirt('vlanEncapProtocol', '60')).toBe('60'); // C's lower bound for encap-protocol is 0x3c
    expect(libvirt('arpOpcode', 'request')).toBe('Request');
    expect(libvirt('arpOpcode', '0x20')).toBe('32');
  });

  it('orders and folds flag lists', () => {
    expect(libvirt('stateFlags', 'RELATED,NEW')).toBe('NEW,RELATED');
    expect(libvirt('stateFlags', 'NEW,NONE')).toBe('NONE');
    expect(libvirt('tcpFlags', 'ACK,SYN/SYN')).toBe('SYN,ACK/SYN');
    expect(libvirt('tcpFlags', 'FIN,SYN,RST,PSH,ACK,URG/NONE')).toBe('ALL/NONE');
    expect(libvirt('ipsetFlags', 'SRC,dSt')).toBe('src,dst');
    expect(libvirt('boolean', 'yes')).toBe('true');
    expect(libvirt('boolean', 'whatever')).toBe('false');
  });

  it('cuts comments at 256 bytes and reads a leading $ as a variable everywhere', () => {
    const r = parseValueC(valueType('comment'), 'x'.repeat(300));
    expect(r.ok && [r.item.text.length, r.item.truncated]).toEqual([256, true]);
    expect(libvirt('comment', '$note')).toBe('$note');
    expect(libvirt('comment', '$ note')).toMatch(/REJECT/);
  });
});

describe('C helpers', () => {
  it('parse integers as virStrToLong does', () => {
    expect([cStrToUInt(' 12', 10), cStrToUInt('12 ', 10), cStrToUInt('-1', 10), cStrToUInt('0x1f', 16), cStrToUInt('0x', 16)]).toEqual([12, undefined, 4294967295, 31, undefined]);
    expect([cStrToInt('-1000'), cStrToInt('2147483648'), cStrToInt('+5')]).toEqual([-1000, undefined, 5]);
  });

  it('parse MACs, IPs and UUIDs leniently where libvirt does', () => {
    expect(parseMacAddress('1:2:3:4:5:6 trailing')).toEqual(new Uint8Array([1, 2, 3, 4, 5, 6]));
    expect(parseMacAddress('1:2:3:4:5')).toBeUndefined();
    expect(parseIPv4('1.2.3.4.5')).toBeUndefined();
    expect(formatIPv6(parseIPv6('1:0:0:2:0:0:0:3')!)).toBe('1:0:0:2::3');
    expect(formatIPv6(parseIPv6('::')!)).toBe('::');
    expect(parseUuid(' 5c6d49af b071-6127b4ec-6f8ed4b55335 ')).toBe('5c6d49af-b071-6127-b4ec-6f8ed4b55335');
    expect(parseUuid('5c6d49af')).toBeUndefined();
  });
});

describe('the protocol table', () => {
  it('has every protocol element of libvirt, each with a comment attribute', () => {
    expect([...PROTOCOLS.keys()].sort()).toEqual(
      [
        'ah',
        'ah-ipv6',
        'all',
        'all-ipv6',
        'arp',
        'esp',
        'esp-ipv6',
        'icmp',
        'icmpv6',
        'igmp',
        'ip',
        'ipv6',
        'mac',
        'rarp',
        'sctp',
        'sctp-ipv6',
        'stp',
        'tcp',
        'tcp-ipv6',
        'udp',
        'udp-ipv6',
        'udplite',
        'udplite-ipv6',
        'vlan',
      ].sort(),
    );
    for (const p of PROTOCOLS.values()) expect(p.attributes.find((a) => a.name === 'comment')?.rng, p.name).toBe(true);
  });

  it('records where the schema and the C parser differ', () => {
    const attrs = (p: string) => new Map(PROTOCOLS.get(p)!.attributes.map((a) => [a.name, a]));
    expect(attrs('tcp').get('option')).toMatchObject({ rng: false, c: true });
    expect(attrs('tcp-ipv6').get('flags')).toMatchObject({ rng: true, c: false });
    expect(attrs('udp-ipv6').get('state')).toMatchObject({ rng: false, c: true });
    expect(attrs('arp').get('arpsrcipmask')).toMatchObject({ rng: false, c: true });
    expect(attrs('all-ipv6').get('dstipto')).toMatchObject({ type: 'ipv6Addr', cType: 'ipv4Addr' });
    expect(PROTOCOLS.get('all')!.ipsetFixup).toBe(false);
  });
});
