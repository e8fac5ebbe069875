/**
 * The one attribute table: every protocol element of an nwfilter <rule>,
 * its attributes in libvirt's order, and each attribute's value type.
 * Validation (validate.ts), libvirt's reading and output format
 * (libvirt-parser.ts, normalize.ts) and the lint messages all come from it.
 *
 * Sources: src/conf/nwfilter_conf.c (the virXMLAttr2Struct arrays
 * macAttributes … allipv6Attributes, built from the COMMON_MAC_PROPS,
 * COMMON_IP_PROPS and COMMON_PORT_PROPS macros; virNWFilterRuleDefFixup;
 * virNWFilterRuleValidate) and docs/schemas/nwfilter.rng (the per-element
 * attribute groups). Where they differ, `rng`/`c` say who accepts what:
 *   - `option` (tcp, tcp-ipv6), `arpsrcipmask`/`arpdstipmask` (arp, rarp) and
 *     connlimit-above/state/ipset/ipsetflags on the IPv6 protocols are read by
 *     C but not in the schema;
 *   - `flags` on tcp-ipv6 is in the schema but C ignores it;
 *   - COMMON_IP_PROPS parses `dstipto` as IPv4 even for the IPv6 protocols.
 */
import type { ValueTypeId } from './datatypes.js';

export const PROTOCOL_NAMES = [
  'mac',
  'vlan',
  'stp',
  'arp',
  'rarp',
  'ip',
  'ipv6',
  'tcp',
  'udp',
  'sctp',
  'icmp',
  'igmp',
  'esp',
  'ah',
  'udplite',
  'all',
  'tcp-ipv6',
  'udp-ipv6',
  'sctp-ipv6',
  'icmpv6',
  'esp-ipv6',
  'ah-ipv6',
  'udplite-ipv6',
  'all-ipv6',
] as const;
export type ProtocolName = (typeof PROTOCOL_NAMES)[number];

export interface AttributeSpec {
  name: string;
  type: ValueTypeId;
  /** Allowed on this element by nwfilter.rng. */
  rng: boolean;
  /** Read by libvirt's parser; the order of these is the order libvirt prints them in. */
  c: boolean;
  /** The type libvirt actually parses with, when it differs from the schema's. */
  cType?: ValueTypeId;
}

export interface ProtocolSpec {
  name: ProtocolName;
  layer: 'ethernet' | 'ipv4' | 'ipv6';
  /** C-read attributes in libvirt's order, then schema-only ones. `match` is separate (MATCH_ATTRIBUTE). */
  attributes: readonly AttributeSpec[];
  /** virNWFilterRuleDefFixup COPY_NEG_SIGN(target, source): target's match='no' is taken from source. */
  negationFrom: ReadonlyArray<readonly [target: string, source: string]>;
  /** virNWFilterRuleDefFixupIPSet runs (it does not for all/all-ipv6). */
  ipsetFixup: boolean;
  /** virNWFilterRuleValidate: port attributes need protocol tcp(6)/udp(17)/dccp(33)/sctp(132). */
  portsNeedProtocol: boolean;
}

/** The `match` attribute every protocol element has (nwfilter.rng "match-attribute"). */
export const MATCH_ATTRIBUTE: AttributeSpec = { name: 'match', type: 'yesNo', rng: true, c: true };

const both = (name: string, type: ValueTypeId): AttributeSpec => ({ name, type, rng: true, c: true });
const cOnly = (name: string, type: ValueTypeId): AttributeSpec => ({ name, type, rng: false, c: true });
const rngOnly = (name: string, type: ValueTypeId): AttributeSpec => ({ name, type, rng: true, c: false });

const COMMENT = both('comment', 'comment');

/** COMMON_MAC_PROPS. */
const MAC_PROPS = [both('srcmacaddr', 'macAddr'), both('srcmacmask', 'macMask'), both('dstmacaddr', 'macAddr'), both('dstmacmask', 'macMask')];

/** COMMON_PORT_PROPS. */
const PORT_PROPS = ['srcportstart', 'srcportend', 'dstportstart', 'dstportend'].map((n) => both(n, 'uint16'));

/** COMMON_IP_PROPS(…, ADDRTYPE, MASKTYPE); the schema has the last four only for IPv4. */
function ipProps(v6: boolean): AttributeSpec[] {
  const addr: ValueTypeId = v6 ? 'ipv6Addr' : 'ipv4Addr';
  const mask: ValueTypeId = v6 ? 'ipv6Mask' : 'ipv4Mask';
  const v4only = v6 ? cOnly : both;
  return [
    both('srcmacaddr', 'macAddr'),
    both('srcipaddr', addr),
    both('srcipmask', mask),
    both('dstipaddr', addr),
    both('dstipmask', mask),
    both('srcipfrom', addr),
    both('srcipto', addr),
    both('dstipfrom', addr),
    { ...both('dstipto', addr), cType: 'ipv4Addr' }, // hard-coded DATATYPE_IPADDR in the macro
    both('dscp', 'dscp'),
    v4only('connlimit-above', 'uint16Decimal'),
    v4only('state', 'stateFlags'),
    v4only('ipset', 'ipsetName'),
    v4only('ipsetflags', 'ipsetFlags'),
  ];
}

const MAC_NEG: Array<[string, string]> = [
  ['srcmacmask', 'srcmacaddr'],
  ['dstmacmask', 'dstmacaddr'],
];
const IP_MASK_NEG: Array<[string, string]> = [
  ['srcipmask', 'srcipaddr'],
  ['dstipmask', 'dstipaddr'],
];
const IP_RANGE_NEG: Array<[string, string]> = [
  ['srcipto', 'srcipfrom'],
  ['dstipto', 'dstipfrom'],
];
const PORT_NEG: Array<[string, string]> = [
  ['srcportend', 'srcportstart'],
  ['dstportstart', 'srcportstart'],
  ['dstportend', 'srcportstart'],
];

const STP_RANGES = ['root-priority', 'root-cost', 'sender-priority', 'port', 'age', 'max-age', 'hello-time', 'forward-delay'];

/** stpAttributes: a value and its "-hi" upper bound for each range, MAC/mask pairs for root and sender. */
function stpProps(): AttributeSpec[] {
  const out = [both('srcmacaddr', 'macAddr'), both('srcmacmask', 'macMask'), both('type', 'uint8'), both('flags', 'uint8')];
  for (const r of STP_RANGES) {
    const t: ValueTypeId = r === 'root-cost' ? 'uint32' : 'uint16';
    out.push(both(r, t), both(`${r}-hi`, t));
    if (r === 'root-priority') out.push(both('root-address', 'macAddr'), both('root-address-mask', 'macMask'));
    if (r === 'sender-priority') out.push(both('sender-address', 'macAddr'), both('sender-address-mask', 'macMask'));
  }
  return [...out, COMMENT];
}

const STP_NEG: Array<[string, string]> = [
  ['srcmacmask', 'srcmacaddr'],
  ['root-address-mask', 'root-address'],
  ['sender-address-mask', 'sender-address'],
  ...STP_RANGES.map((r): [string, string] => [`${r}-hi`, r]),
];

function arpProps(): AttributeSpec[] {
  return [
    ...MAC_PROPS,
    both('hwtype', 'uint16'),
    both('protocoltype', 'uint16'),
    both('opcode', 'arpOpcode'),
    both('arpsrcmacaddr', 'macAddr'),
    both('arpdstmacaddr', 'macAddr'),
    both('arpsrcipaddr', 'ipv4Addr'),
    cOnly('arpsrcipmask', 'ipv4Mask'),
    both('arpdstipaddr', 'ipv4Addr'),
    cOnly('arpdstipmask', 'ipv4Mask'),
    both('gratuitous', 'boolean'),
    COMMENT,
  ];
}

/** ipAttributes / ipv6Attributes: the Ethernet-level IP elements. */
function ethernetIpProps(v6: boolean): AttributeSpec[] {
  const addr: ValueTypeId = v6 ? 'ipv6Addr' : 'ipv4Addr';
  const mask: ValueTypeId = v6 ? 'ipv6Mask' : 'ipv4Mask';
  const icmpRanges = ['type', 'typeend', 'code', 'codeend'].map((n) => both(n, 'uint8'));
  return [
    ...MAC_PROPS,
    both('srcipaddr', addr),
    both('srcipmask', mask),
    both('dstipaddr', addr),
    both('dstipmask', mask),
    both('protocol', 'ipProtocol'),
    ...PORT_PROPS,
    ...(v6 ? icmpRanges : [both('dscp', 'dscp')]),
    COMMENT,
  ];
}

interface L3Options {
  ports?: boolean;
  icmp?: boolean;
  tcp?: boolean;
}

/** The IPv4/IPv6 layer protocols (tcp … all-ipv6). */
function l3(name: ProtocolName, v6: boolean, opts: L3Options = {}): ProtocolSpec {
  const attrs = [...ipProps(v6)];
  if (opts.ports) attrs.push(...PORT_PROPS);
  if (opts.icmp) attrs.push(both('type', 'uint8'), both('code', 'uint8'));
  if (opts.tcp) attrs.push(cOnly('option', 'uint8'));
  if (opts.tcp && !v6) attrs.push(both('flags', 'tcpFlags'));
  attrs.push(COMMENT);
  if (opts.tcp && v6) attrs.push(rngOnly('flags', 'tcpFlags')); // tcpipv6Attributes has no "flags"
  const negationFrom = [...IP_MASK_NEG, ...IP_RANGE_NEG, ...(opts.ports ? PORT_NEG : []), ...(opts.icmp ? [['code', 'type'] as [string, string]] : [])];
  const isAll = name === 'all' || name === 'all-ipv6';
  return { name, layer: v6 ? 'ipv6' : 'ipv4', attributes: attrs, negationFrom, ipsetFixup: !isAll, portsNeedProtocol: false };
}

function ethernet(name: ProtocolName, attributes: AttributeSpec[], negationFrom: Array<[string, string]>, extra: Partial<ProtocolSpec> = {}): ProtocolSpec {
  return { name, layer: 'ethernet', attributes, negationFrom, ipsetFixup: false, portsNeedProtocol: false, ...extra };
}

const TABLE: readonly ProtocolSpec[] = [
  ethernet('mac', [...MAC_PROPS, both('protocolid', 'macProtocolId'), COMMENT], MAC_NEG),
  ethernet('vlan', [...MAC_PROPS, both('vlanid', 'vlanId'), both('encap-protocol', 'vlanEncapProtocol'), COMMENT], MAC_NEG),
  ethernet('stp', stpProps(), STP_NEG),
  ethernet('arp', arpProps(), []),
  ethernet('rarp', arpProps(), []),
  ethernet('ip', ethernetIpProps(false), IP_MASK_NEG, { ipsetFixup: true, portsNeedProtocol: true }),
  ethernet('ipv6', ethernetIpProps(true), [...IP_MASK_NEG, ['typeend', 'type'], ['code', 'type'], ['codeend', 'type']], {
    ipsetFixup: true,
    portsNeedProtocol: true,
  }),
  l3('tcp', false, { ports: true, tcp: true }),
  l3('udp', false, { ports: true }),
  l3('sctp', false, { ports: true }),
  l3('icmp', false, { icmp: true }),
  l3('igmp', false),
  l3('esp', false),
  l3('ah', false),
  l3('udplite', false),
  l3('all', false),
  l3('tcp-ipv6', true, { ports: true, tcp: true }),
  l3('udp-ipv6', true, { ports: true }),
  l3('sctp-ipv6', true, { ports: true }),
  l3('icmpv6', true, { icmp: true }),
  l3('esp-ipv6', true),
  l3('ah-ipv6', true),
  l3('udplite-ipv6', true),
  l3('all-ipv6', true),
];

export const PROTOCOLS: ReadonlyMap<string, ProtocolSpec> = new Map(TABLE.map((p) => [p.name, p]));

export function protocolSpec(name: string): ProtocolSpec | undefined {
  return PROTOCOLS.get(name);
}

export function isProtocolName(name: string): name is ProtocolName {
  return PROTOCOLS.has(name);
}

export function attributeSpec(protocol: ProtocolSpec, name: string): AttributeSpec | undefined {
  return name === 'match' ? MATCH_ATTRIBUTE : protocol.attributes.find((a) => a.name === name);
}

/** Port attributes, for virNWFilterRuleValidate. */
export const PORT_ATTRIBUTES: readonly string[] = PORT_PROPS.map((a) => a.name);
