/**
 * How libvirt's C parser reads one rule attribute value and prints it back
 * (src/conf/nwfilter_conf.c virNWFilterRuleDetailsParse and
 * virNWFilterRuleDefDetailsFormat). A value starting with '$' is a variable;
 * otherwise the datatypes of the attribute are tried in bit order
 * (nwfilter_conf.h enum attrDatatype), the first that parses wins, and the
 * attribute's validator may still reject or reinterpret it.
 */
import { cStrToUInt, formatIPv4, formatIPv6, formatMacAddress, isContiguousMask, isCSpace, netmaskBits, parseIPv4, parseIPv6, parseMacAddress } from './c-primitives.js';
import type { ValueType } from './datatypes.js';
import { formatVariable, parseVariableC, type VariableAccess } from './variables.js';

/** nwfilter_conf.h enum attrDatatype, in bit order. */
export const C_TYPE_ORDER = [
  'UINT16',
  'UINT8',
  'UINT16_HEX',
  'UINT8_HEX',
  'MACADDR',
  'MACMASK',
  'IPADDR',
  'IPMASK',
  'STRING',
  'IPV6ADDR',
  'IPV6MASK',
  'STRINGCOPY',
  'BOOLEAN',
  'UINT32',
  'UINT32_HEX',
  'IPSETNAME',
  'IPSETFLAGS',
] as const;
export type CType = (typeof C_TYPE_ORDER)[number];

export type CValidatorId = 'macProtocolId' | 'vlanProtocolId' | 'vlanId' | 'arpOpcode' | 'ipProtocol' | 'dscp' | 'state' | 'tcpFlags' | 'ipset' | 'ipsetFlags';

/** A value as libvirt holds it after parsing: its datatype and the text the formatter prints. */
export interface CItem {
  type: CType | 'VARIABLE';
  text: string;
  /** Numeric value for integer types (after validators), used by rule checks (port protocols). */
  number?: number;
  variable?: VariableAccess;
  /** The comment was cut to MAX_COMMENT_LENGTH bytes. */
  truncated?: boolean;
}

export type CResult = { ok: true; item: CItem } | { ok: false; reason: string };

interface Parsed {
  type: CType;
  number?: number;
  bytes?: Uint8Array;
  string?: string;
}

const UINT_LIMITS: Partial<Record<CType, [10 | 16, number]>> = {
  UINT8: [10, 0xff],
  UINT8_HEX: [16, 0xff],
  UINT16: [10, 0xffff],
  UINT16_HEX: [16, 0xffff],
  UINT32: [10, 0xffffffff],
  UINT32_HEX: [16, 0xffffffff],
};

function tryType(type: CType, raw: string): Parsed | undefined {
  const limits = UINT_LIMITS[type];
  if (limits) {
    const n = cStrToUInt(raw, limits[0]);
    return n !== undefined && n <= limits[1] ? { type, number: n } : undefined;
  }
  switch (type) {
    case 'MACADDR':
    case 'MACMASK': {
      const bytes = parseMacAddress(raw);
      return bytes && (type === 'MACADDR' || isContiguousMask(bytes)) ? { type, bytes } : undefined;
    }
    case 'IPADDR':
    case 'IPV6ADDR': {
      const bytes = type === 'IPADDR' ? parseIPv4(raw) : parseIPv6(raw);
      return bytes ? { type, bytes } : undefined;
    }
    case 'IPMASK':
    case 'IPV6MASK':
      return parseMask(type, raw);
    case 'BOOLEAN':
      // Anything but true/1/yes is false; never an error.
      return { type, number: raw === 'true' || raw === '1' || raw === 'yes' ? 1 : 0 };
    default:
      return { type, string: raw }; // STRING, STRINGCOPY, IPSETNAME, IPSETFLAGS: left to the validator.
  }
}

/** A prefix length (decimal, ≤ 32/128, no fallback when too big) or a contiguous netmask address. */
function parseMask(type: 'IPMASK' | 'IPV6MASK', raw: string): Parsed | undefined {
  const max = type === 'IPMASK' ? 32 : 128;
  const n = cStrToUInt(raw, 10);
  if (n !== undefined) return n <= max ? { type, number: n } : undefined;
  const bytes = type === 'IPMASK' ? parseIPv4(raw) : parseIPv6(raw);
  const bits = bytes ? netmaskBits(bytes) : -1;
  return bits >= 0 ? { type, number: bits } : undefined;
}

/** Parses one attribute value the way libvirt does. */
export function parseValueC(t: ValueType, raw: string): CResult {
  if (raw.startsWith('$')) {
    const v = parseVariableC(raw.slice(1));
    if (!v.ok) return { ok: false, reason: v.reason };
    return { ok: true, item: { type: 'VARIABLE', text: formatVariable(v.access), variable: v.access } };
  }
  let parsed: Parsed | undefined;
  for (const type of C_TYPE_ORDER) {
    if (!t.c.types.includes(type)) continue;
    parsed = tryType(type, raw);
    if (parsed) break;
  }
  if (!parsed) return { ok: false, reason: 'illegal value' };
  if (parsed.type === 'STRINGCOPY') return { ok: true, item: copyString(raw, t.c.maxLength ?? 256) };
  if (t.c.validator) return VALIDATORS[t.c.validator](parsed);
  return { ok: true, item: { type: parsed.type, text: formatDefault(parsed), number: parsed.number } };
}

/** g_strndup(prop, maxstrlen): a byte cut, as C does. */
function copyString(raw: string, maxBytes: number): CItem {
  const bytes = Buffer.from(raw, 'utf8');
  if (bytes.length <= maxBytes) return { type: 'STRINGCOPY', text: raw };
  return { type: 'STRINGCOPY', text: bytes.subarray(0, maxBytes).toString('utf8'), truncated: true };
}

function formatDefault(p: Parsed): string {
  switch (p.type) {
    case 'UINT8_HEX':
    case 'UINT16_HEX':
    case 'UINT32_HEX':
      return `0x${p.number!.toString(16)}`;
    case 'MACADDR':
    case 'MACMASK':
      return formatMacAddress(p.bytes!);
    case 'IPADDR':
      return formatIPv4(p.bytes!);
    case 'IPV6ADDR':
      return formatIPv6(p.bytes!);
    case 'BOOLEAN':
      return p.number ? 'true' : 'false';
    default:
      return String(p.number ?? p.string ?? '');
  }
}

type Validator = (p: Parsed) => CResult;

const ok = (type: CType, text: string, number?: number): CResult => ({ ok: true, item: { type, text, number } });
const fail = (reason: string): CResult => ({ ok: false, reason });

/** macProtoMap: EtherTypes printed by name. */
const ETHER_TYPES: ReadonlyArray<[number, string]> = [
  [0x0806, 'arp'],
  [0x8035, 'rarp'],
  [0x0800, 'ipv4'],
  [0x86dd, 'ipv6'],
  [0x8100, 'vlan'],
];
/** ipProtoMap. */
const IP_PROTOCOLS: ReadonlyArray<[number, string]> = [
  [6, 'tcp'],
  [17, 'udp'],
  [136, 'udplite'],
  [50, 'esp'],
  [51, 'ah'],
  [1, 'icmp'],
  [2, 'igmp'],
  [132, 'sctp'],
  [58, 'icmpv6'],
];
/** arpOpcodeMap. */
const ARP_OPCODES: ReadonlyArray<[number, string]> = [
  [1, 'Request'],
  [2, 'Reply'],
  [3, 'Request_Reverse'],
  [4, 'Reply_Reverse'],
  [5, 'DRARP_Request'],
  [6, 'DRARP_Reply'],
  [7, 'DRARP_Error'],
  [8, 'InARP_Request'],
  [9, 'ARP_NAK'],
];

/** intMapGetByString(map, str, casecmp=1). */
function byName(map: ReadonlyArray<[number, string]>, s: string): number | undefined {
  return map.find(([, n]) => n.toLowerCase() === s.toLowerCase())?.[0];
}
function byNumber(map: ReadonlyArray<[number, string]>, n: number): string | undefined {
  return map.find(([v]) => v === n)?.[1];
}

/** checkMacProtocolID / checkVlanProtocolID with their formatters. */
function etherType(min: number): Validator {
  return (p) => {
    const n = p.type === 'STRING' ? byName(ETHER_TYPES, p.string!) : p.number!;
    if (n === undefined || n < min) return fail(p.type === 'STRING' ? 'unknown protocol name' : `must be at least 0x${min.toString(16)}`);
    const type: CType = p.type === 'STRING' ? 'UINT16' : p.type;
    return ok(type, byNumber(ETHER_TYPES, n) ?? (type === 'UINT16' ? String(n) : `0x${n.toString(16)}`), n);
  };
}

/** parseStringItems: items matched case-insensitively by prefix, separated by `sep` and/or spaces. */
export function parseStringItems(map: ReadonlyArray<[number, string]>, input: string, sep: string): number | undefined {
  let flags = 0;
  let i = 0;
  while (i < input.length) {
    while (i < input.length && (isCSpace(input[i]) || input[i] === sep)) i++;
    if (i >= input.length) break;
    const hit = map.find(([, name]) => input.slice(i, i + name.length).toLowerCase() === name.toLowerCase());
    if (!hit) return undefined;
    flags |= hit[0];
    i += hit[1].length;
  }
  return flags;
}

/** printStringItems: names of the set bits, lowest bit first. */
function printStringItems(map: ReadonlyArray<[number, string]>, flags: number): string {
  const out: string[] = [];
  for (let bit = 1; bit <= flags; bit <<= 1) if (flags & bit) out.push(...map.filter(([v]) => v === bit).map(([, n]) => n));
  return out.join(',');
}

const STATES: ReadonlyArray<[number, string]> = [
  [2, 'NEW'],
  [4, 'ESTABLISHED'],
  [8, 'RELATED'],
  [16, 'INVALID'],
  [32, 'NONE'],
];
const TCP_FLAGS: ReadonlyArray<[number, string]> = [
  [0x1, 'FIN'],
  [0x2, 'SYN'],
  [0x4, 'RST'],
  [0x8, 'PSH'],
  [0x10, 'ACK'],
  [0x20, 'URG'],
  [0x3f, 'ALL'],
  [0x0, 'NONE'],
];

function printTcpFlags(f: number): string {
  return f === 0 ? 'NONE' : f === 0x3f ? 'ALL' : printStringItems(TCP_FLAGS, f);
}

/** VALID_IPSETNAME; setname[MAX_IPSET_NAME_LENGTH = 32] including the NUL. */
const IPSET_NAME = /^[a-zA-Z0-9_.:\-+ ]*$/;

const VALIDATORS: Record<CValidatorId, Validator> = {
  macProtocolId: etherType(0x600),
  vlanProtocolId: etherType(0x3c),
  vlanId: (p) => (p.number! <= 4095 ? ok(p.type, formatDefault(p), p.number) : fail('must be at most 4095')),
  dscp: (p) => (p.number! <= 63 ? ok(p.type, formatDefault(p), p.number) : fail('must be at most 63')),
  arpOpcode: (p) => {
    const n = p.type === 'STRING' ? byName(ARP_OPCODES, p.string!) : p.number!;
    if (n === undefined) return fail('unknown opcode name');
    return ok('UINT16', byNumber(ARP_OPCODES, n) ?? String(n), n);
  },
  ipProtocol: (p) => {
    const n = p.type === 'STRING' ? byName(IP_PROTOCOLS, p.string!) : p.number!;
    if (n === undefined) return fail('unknown protocol name');
    const type: CType = p.type === 'STRING' ? 'UINT8_HEX' : p.type;
    return ok(type, byNumber(IP_PROTOCOLS, n) ?? (type === 'UINT8' ? String(n) : `0x${n.toString(16)}`), n);
  },
  state: (p) => {
    let flags = parseStringItems(STATES, p.string!, ',');
    if (flags === undefined) return fail('unknown state');
    if (flags & 32) flags = 32; // NONE wins
    return ok('STRING', printStringItems(STATES, flags));
  },
  tcpFlags: (p) => {
    const s = p.string!;
    const slash = s.indexOf('/');
    if (slash < 0) return fail("missing '/' between mask and flags");
    const mask = parseStringItems(TCP_FLAGS, s.slice(0, slash), ',');
    const flags = parseStringItems(TCP_FLAGS, s.slice(slash + 1), ',');
    if (mask === undefined || flags === undefined) return fail('unknown TCP flag');
    return ok('STRING', `${printTcpFlags(mask & 0x3f)}/${printTcpFlags(flags & 0x3f)}`);
  },
  ipset: (p) => {
    if (Buffer.byteLength(p.string!) >= 32) return fail('ipset name is too long');
    if (!IPSET_NAME.test(p.string!)) return fail('ipset name contains invalid characters');
    return ok('IPSETNAME', p.string!);
  },
  ipsetFlags: (p) => {
    const m = /^((?:src|dst)(?:,(?:src|dst)){0,5})$/i.exec(p.string!);
    if (!m) return fail('malformed ipset flags');
    return ok('IPSETFLAGS', m[1]!.toLowerCase());
  },
};
