/**
 * The value types of nwfilter rule attributes. Each entry says, once:
 *   - what the schema accepts (docs/schemas/nwfilter.rng "type library" and
 *     basictypes.rng) — this decides the lint verdict;
 *   - how libvirt's C parser reads it (nwfilter_conf.c: the datatype bits of
 *     the virXMLAttr2Struct entry, tried in bit order, and the validator);
 *   - a human description used in lint messages.
 * protocols.ts maps every protocol attribute to one of these ids.
 */
import type { CType, CValidatorId } from './c-values.js';

export type ValueTypeId =
  | 'macAddr'
  | 'macMask'
  | 'ipv4Addr'
  | 'ipv4Mask'
  | 'ipv6Addr'
  | 'ipv6Mask'
  | 'uint8'
  | 'uint16'
  | 'uint16Decimal'
  | 'uint32'
  | 'dscp'
  | 'macProtocolId'
  | 'vlanEncapProtocol'
  | 'vlanId'
  | 'ipProtocol'
  | 'arpOpcode'
  | 'boolean'
  | 'comment'
  | 'stateFlags'
  | 'tcpFlags'
  | 'ipsetName'
  | 'ipsetFlags'
  | 'yesNo';

export interface ValueType {
  id: ValueTypeId;
  /** What a valid value looks like, completing "must be …". */
  expected: string;
  /** The schema's verdict on a literal value (variables are handled by `rngVariables`). */
  rng(value: string): boolean;
  /** Whether the schema's choice includes variable-name-type ($VAR). */
  rngVariables: boolean;
  /** libvirt's reading: datatype bits (tried in bit order) and the "beyond-standard" validator. */
  c: { types: readonly CType[]; validator?: CValidatorId; maxLength?: number };
}

/** XSD whitespace "collapse" (int, unsignedInt, token values): trim, fold runs of space. */
export function collapseWhitespace(v: string): string {
  return v.replace(/[ \t\n\r]+/g, ' ').trim();
}

/** xsd:int with min/maxInclusive (sign and leading zeros allowed; libxml2 collapses whitespace). */
export function xsdInt(v: string, min: number, max: number): boolean {
  const s = collapseWhitespace(v);
  if (!/^[+-]?[0-9]+$/.test(s)) return false;
  const n = Number(s);
  return n >= min && n <= max;
}

/** xsd:unsignedInt as libxml2 reads it: digits only (no '+'), ≤ 4294967295. */
export function xsdUnsignedInt(v: string): boolean {
  const s = collapseWhitespace(v);
  return /^[0-9]+$/.test(s) && Number(s) <= 0xffffffff;
}

const PATTERN_SOURCES: string[] = [];

/**
 * Every pattern built by `pattern()`, anchored as it is used. These regexes are built
 * with `new RegExp`, which the linter cannot see, so a test runs the same
 * eslint-plugin-regexp linearity rules over them (test/lint/regex-linearity.test.ts).
 */
export function nwfilterPatternSources(): readonly string[] {
  return PATTERN_SOURCES;
}

/** An XSD pattern facet: the whole (unprocessed) xsd:string value must match. */
function pattern(source: string): (v: string) => boolean {
  const anchored = `^(?:${source})$`;
  PATTERN_SOURCES.push(anchored);
  const re = new RegExp(anchored);
  return (v) => re.test(v);
}

/** RELAX NG <value> without a type: the built-in token type, compared after collapsing. */
function tokens(...values: string[]): (v: string) => boolean {
  return (v) => values.includes(collapseWhitespace(v));
}

function anyOf(...tests: Array<(v: string) => boolean>): (v: string) => boolean {
  return (v) => tests.some((t) => t(v));
}

const DOTTED = '([0-2]?[0-9]?[0-9]\\.){3}[0-2]?[0-9]?[0-9]';
const IPV6 = `([a-fA-F0-9]{0,4}:){2,7}([a-fA-F0-9]*)(${DOTTED})?`;
const IPV6_MASK = '([a-fA-F0-9]{0,4}:){2,7}([a-fA-F0-9]*)';
const MAC = '([a-fA-F0-9]{1,2}:){5}[a-fA-F0-9]{1,2}';
const MAC_PROTOCOL_RNG = anyOf(pattern('0x([6-9a-fA-F][0-9a-fA-F]{2}|[0-9a-fA-F]{4})'), (v) => xsdInt(v, 1536, 65535), tokens('arp', 'rarp', 'ipv4', 'ipv6', 'vlan'));
/*
 * The schema writes these lists as (X(,X)*|NONE) and (X(,X)*|ALL|NONE), but
 * libxml2 (2.9.14, what virt-xml-validate and `nwfilter-define --validate`
 * run on Debian 12) applies the (,X)* tail to every branch: it accepts
 * "NONE,NEW" and "ALL,SYN/SYN" and rejects "NEW,NONE". The validator is the
 * oracle, so the patterns below say what it actually accepts.
 */
const STATE_LIST = '(NEW|ESTABLISHED|RELATED|INVALID|NONE)(,(NEW|ESTABLISHED|RELATED|INVALID))*';
const TCP_FLAG_LIST = '(SYN|ACK|URG|PSH|FIN|RST|ALL|NONE)(,(SYN|ACK|URG|PSH|FIN|RST))*';
const SRC_DST = '([Ss][Rr][Cc]|[Dd][Ss][Tt])';

const TABLE: readonly ValueType[] = [
  { id: 'macAddr', expected: 'a MAC address such as 52:54:00:12:34:56', rng: pattern(MAC), rngVariables: true, c: { types: ['MACADDR'] } },
  { id: 'macMask', expected: 'a MAC mask such as ff:ff:ff:00:00:00', rng: pattern(MAC), rngVariables: true, c: { types: ['MACMASK'] } },
  { id: 'ipv4Addr', expected: 'a dotted IPv4 address', rng: pattern(DOTTED), rngVariables: true, c: { types: ['IPADDR'] } },
  {
    id: 'ipv4Mask',
    expected: 'an IPv4 prefix length 0–32 or a dotted netmask',
    rng: anyOf((v) => xsdInt(v, 0, 32), pattern(DOTTED)),
    rngVariables: true,
    c: { types: ['IPMASK'] },
  },
  { id: 'ipv6Addr', expected: 'an IPv6 address', rng: pattern(IPV6), rngVariables: true, c: { types: ['IPV6ADDR'] } },
  {
    id: 'ipv6Mask',
    expected: 'an IPv6 prefix length 0–128 or a netmask in IPv6 notation',
    rng: anyOf((v) => xsdInt(v, 0, 128), pattern(IPV6_MASK)),
    rngVariables: true,
    c: { types: ['IPV6MASK'] },
  },
  {
    id: 'uint8',
    expected: 'a number 0–255 or hex 0x0–0xff',
    rng: anyOf(pattern('0x[0-9a-fA-F]{1,2}'), (v) => xsdInt(v, 0, 255)),
    rngVariables: false,
    c: { types: ['UINT8', 'UINT8_HEX'] },
  },
  {
    id: 'uint16',
    expected: 'a number 0–65535 or hex 0x0–0xffff',
    rng: anyOf(pattern('0x[0-9a-fA-F]{1,4}'), (v) => xsdInt(v, 0, 65535)),
    rngVariables: true,
    c: { types: ['UINT16', 'UINT16_HEX'] },
  },
  {
    // connlimit-above: the schema says uint16range, but the C table has DATATYPE_UINT16 only (no hex).
    id: 'uint16Decimal',
    expected: 'a number 0–65535',
    rng: anyOf(pattern('0x[0-9a-fA-F]{1,4}'), (v) => xsdInt(v, 0, 65535)),
    rngVariables: true,
    c: { types: ['UINT16'] },
  },
  {
    id: 'uint32',
    expected: 'a number 0–4294967295 or hex 0x0–0xffffffff',
    rng: anyOf(pattern('0x[0-9a-fA-F]{1,8}'), xsdUnsignedInt),
    rngVariables: true,
    c: { types: ['UINT32', 'UINT32_HEX'] },
  },
  {
    id: 'dscp',
    expected: 'a DSCP value 0–63 or hex 0x0–0x3f',
    rng: anyOf(pattern('0x([0-3][0-9a-fA-F]|[0-9a-fA-F])'), (v) => xsdInt(v, 0, 63)),
    rngVariables: true,
    c: { types: ['UINT8', 'UINT8_HEX'], validator: 'dscp' },
  },
  {
    id: 'macProtocolId',
    expected: 'an EtherType ≥ 1536 (0x600), hex 0x600–0xffff, or one of arp, rarp, ipv4, ipv6, vlan',
    rng: MAC_PROTOCOL_RNG,
    rngVariables: true,
    c: { types: ['UINT16', 'UINT16_HEX', 'STRING'], validator: 'macProtocolId' },
  },
  {
    // Same schema type as protocolid; the C validator's lower bound is 0x3c instead of 0x600.
    id: 'vlanEncapProtocol',
    expected: 'an EtherType ≥ 1536 (0x600), hex 0x600–0xffff, or one of arp, rarp, ipv4, ipv6, vlan',
    rng: MAC_PROTOCOL_RNG,
    rngVariables: true,
    c: { types: ['UINT16', 'UINT16_HEX', 'STRING'], validator: 'vlanProtocolId' },
  },
  {
    id: 'vlanId',
    expected: 'a VLAN id 0–4095 or hex 0x0–0xfff',
    rng: anyOf(pattern('0x([0-9a-fA-F]{1,3})'), (v) => xsdInt(v, 0, 4095)),
    rngVariables: true,
    c: { types: ['UINT16', 'UINT16_HEX'], validator: 'vlanId' },
  },
  {
    id: 'ipProtocol',
    expected: 'an IP protocol number 0–255, hex 0x0–0xff, or one of tcp, udp, udplite, esp, ah, icmp, igmp, sctp, icmpv6',
    rng: anyOf(pattern('0x[0-9a-fA-F]{1,2}'), (v) => xsdInt(v, 0, 255), tokens('tcp', 'udp', 'udplite', 'esp', 'ah', 'icmp', 'igmp', 'sctp', 'icmpv6')),
    rngVariables: true,
    c: { types: ['UINT8', 'UINT8_HEX', 'STRING'], validator: 'ipProtocol' },
  },
  {
    id: 'arpOpcode',
    expected: 'an ARP opcode 0–65535 or a name such as Request, Reply, Request_Reverse, DRARP_Request, InARP_Request, ARP_NAK',
    rng: anyOf((v) => xsdInt(v, 0, 65535), pattern('([Rr]eply|[Rr]equest|[Rr]equest_[Rr]everse|[Rr]eply_[Rr]everse|DRARP_[Rr]equest|DRARP_[Rr]eply|DRARP_[Ee]rror|InARP_[Rr]equest|ARP_NAK)')),
    rngVariables: true,
    c: { types: ['UINT16', 'UINT16_HEX', 'STRING'], validator: 'arpOpcode' },
  },
  {
    id: 'boolean',
    expected: 'one of yes, no, true, false, 1, 0',
    rng: tokens('yes', 'no', 'true', 'false', '1', '0'),
    rngVariables: false,
    c: { types: ['BOOLEAN'] },
  },
  // comment-type is plain xsd:string; libvirt keeps at most MAX_COMMENT_LENGTH (256) bytes.
  { id: 'comment', expected: 'any text', rng: () => true, rngVariables: false, c: { types: ['STRINGCOPY'], maxLength: 256 } },
  {
    id: 'stateFlags',
    expected: 'NONE or a comma-separated list of NEW, ESTABLISHED, RELATED, INVALID',
    rng: pattern(STATE_LIST),
    rngVariables: false,
    c: { types: ['STRING'], validator: 'state' },
  },
  {
    id: 'tcpFlags',
    expected: 'mask/flags, each ALL, NONE or a comma-separated list of SYN, ACK, URG, PSH, FIN, RST (e.g. SYN,ACK/SYN)',
    rng: pattern(`(${TCP_FLAG_LIST})/(${TCP_FLAG_LIST})`),
    rngVariables: false,
    c: { types: ['STRING'], validator: 'tcpFlags' },
  },
  {
    id: 'ipsetName',
    expected: 'an ipset name of 1–31 characters from letters, digits, space and _ . : - +',
    rng: pattern('[a-zA-Z0-9_\\.:\\-\\+ ]{1,31}'),
    rngVariables: true,
    c: { types: ['IPSETNAME'], validator: 'ipset' },
  },
  {
    id: 'ipsetFlags',
    expected: 'a comma-separated list of 1–6 src/dst',
    rng: pattern(`${SRC_DST}(,${SRC_DST}){0,5}`),
    rngVariables: false,
    c: { types: ['IPSETFLAGS'], validator: 'ipsetFlags' },
  },
  { id: 'yesNo', expected: 'yes or no', rng: tokens('yes', 'no'), rngVariables: false, c: { types: [] } },
];

export const VALUE_TYPES: ReadonlyMap<ValueTypeId, ValueType> = new Map(TABLE.map((t) => [t.id, t]));

export function valueType(id: ValueTypeId): ValueType {
  return VALUE_TYPES.get(id)!;
}

/** The full description for messages, mentioning variables where the schema allows them. */
export function describeExpected(t: ValueType): string {
  return t.rngVariables ? `${t.expected}, or a $VARIABLE` : t.expected;
}
