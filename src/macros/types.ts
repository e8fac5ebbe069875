/**
 * The value types a macro can be checked against (PRODUCT.md §4: "every
 * resolved value is checked against its type before anything touches a host").
 * One table: each type has a name, a one-line description of what it accepts
 * (used in messages and in `ovfpipe spec`) and a check that returns why a
 * value fails, or undefined.
 *
 * Two families share integer names, deliberately kept apart:
 * - the OVF property types (`uint8`…`uint64`, `sint8`…`sint64`, `real32`,
 *   `real64`, `boolean`, `string`, `char16`) follow DSP0243 §9.5 / DSP0004:
 *   decimal literals only; they come from the property rules' own table;
 * - the libvirt types follow libvirt's RNG (src/conf/schemas/basictypes.rng,
 *   networkcommon.rng) and its C parser where they differ: `libvirt-uint8`
 *   and `uint24` (virtualport managerid/typeidversion and typeid) also take
 *   `0x` hex, which libvirt's parser reads with strtoul base 0.
 */
import ipaddr from 'ipaddr.js';
import { checkPropertyValue } from '../ovf/properties/value-check.js';
import { PROPERTY_TYPES } from '../ovf/properties/property-types.js';

export type OvfPropertyTypeName = 'uint8' | 'uint16' | 'uint32' | 'uint64' | 'sint8' | 'sint16' | 'sint32' | 'sint64' | 'real32' | 'real64' | 'boolean' | 'string' | 'char16';

export type MacroTypeName =
  | OvfPropertyTypeName
  | 'ipv4'
  | 'ipv6'
  | 'ip'
  | 'mac'
  | 'uuid'
  | 'vlan'
  | 'port'
  | 'uint24'
  | 'libvirt-uint8'
  | 'virtualport-profileid'
  | 'bandwidth-rate'
  | 'bandwidth-burst'
  | 'libvirt-param'
  | 'libvirt-name'
  | 'ifname';

export interface MacroType {
  name: MacroTypeName;
  /** What the type accepts, for messages ("expected: …"). */
  description: string;
  /** Why `value` is not of this type, or undefined if it is. */
  check(value: string): string | undefined;
}

/** libvirt's nwfilter parameter value charset (src/conf/nwfilter_params.h VALID_VARVALUE). */
const LIBVIRT_PARAM_CHARS = /^[A-Za-z0-9_.:]$/;

/**
 * nwfilter_params.c isValidVarValue: non-empty, every character in VALID_VARVALUE.
 * libvirt does not report a bad value; virNWFilterParseParamAttributes silently skips
 * the <parameter>, so the filter later runs without it. That is why we refuse it here.
 */
function checkLibvirtParam(value: string): string | undefined {
  if (value === '') return 'the value is empty (libvirt silently drops an empty nwfilter parameter)';
  for (const ch of value) {
    if (LIBVIRT_PARAM_CHARS.test(ch)) continue;
    const shown = /\s/.test(ch) ? JSON.stringify(ch) : `'${ch}'`;
    const hint = ch === '/' ? '; pass a network as an address and a separate mask parameter, not as a CIDR' : '';
    return `${shown} is not allowed in nwfilter parameter values (allowed: A-Z a-z 0-9 _ . :)${hint}`;
  }
  return undefined;
}

function checkIpv4(value: string): string | undefined {
  // Four decimal parts, no leading zeros, as libvirt's RNG ipv4Addr; ipaddr.js alone also takes 10.5 or 0x0a.0.0.5.
  return ipaddr.IPv4.isValidFourPartDecimal(value) ? undefined : 'not a dotted-quad IPv4 address (four decimal parts 0-255, no leading zeros, no prefix)';
}

function checkIpv6(value: string): string | undefined {
  if (value.includes('/')) return 'a prefix length is not part of an address';
  if (value.includes('%')) return 'a zone index (%…) is not accepted by libvirt';
  return ipaddr.IPv6.isValid(value) ? undefined : 'not an IPv6 address';
}

function checkIp(value: string): string | undefined {
  if (checkIpv4(value) === undefined || checkIpv6(value) === undefined) return undefined;
  return value.includes('/') ? 'a CIDR (address/prefix) is not an address' : 'neither a dotted-quad IPv4 nor an IPv6 address';
}

function decimalInRange(value: string, max: bigint, min = 0n): string | undefined {
  if (!/^[0-9]+$/.test(value)) return 'not a decimal number';
  const n = BigInt(value);
  if (n < min || n > max) return `out of range (${min}..${max})`;
  return undefined;
}

/**
 * libvirt uint8/uint24 (basictypes.rng): decimal, or `0x` plus 1..2 (uint8) or 1..6 (uint24) hex digits.
 * A leading 0 is refused: the schema reads `010` as ten, libvirt's parser (strtoul base 0,
 * netdev_vport_profile_conf.c) as octal eight, and `09` not at all.
 */
export function checkLibvirtUnsigned(value: string, bits: 8 | 24): string | undefined {
  const max = (1 << bits) - 1;
  const hexDigits = bits / 4;
  if (/^0x/i.test(value)) {
    if (!value.startsWith('0x')) return "write the hex prefix as lowercase '0x' (libvirt's schema does not accept '0X')";
    const digits = value.slice(2);
    if (!/^[0-9a-fA-F]+$/.test(digits)) return 'not a hex number';
    if (digits.length > hexDigits) return `at most ${hexDigits} hex digits after 0x`;
    return parseInt(digits, 16) > max ? `out of range (0..${max})` : undefined;
  }
  if (/^0[0-9]/.test(value)) return 'a leading 0 is ambiguous: libvirt reads it as octal, its schema as decimal';
  return decimalInRange(value, BigInt(max));
}

/** virtualport profileid: libvirt copies it into char[LIBVIRT_IFLA_VF_PORT_PROFILE_MAX = 40]; the RNG says maxLength 39. */
function checkProfileId(value: string): string | undefined {
  if (value === '') return 'empty (libvirt treats an empty profileid as missing)';
  const bytes = Buffer.byteLength(value, 'utf8');
  return bytes > 39 ? `${bytes} bytes long; libvirt allows at most 39 (LIBVIRT_IFLA_VF_PORT_PROFILE_MAX - 1)` : undefined;
}

/**
 * Linux interface names (net/core/dev.c dev_valid_name): 1..15 bytes, not `.` or `..`,
 * no `/`, `:` or whitespace. We also keep to libvirt's RNG deviceName characters.
 */
function checkIfname(value: string): string | undefined {
  if (value === '' || value === '.' || value === '..') return 'not a usable interface name';
  if (Buffer.byteLength(value, 'utf8') > 15) return 'longer than 15 bytes (Linux IFNAMSIZ - 1)';
  const bad = /[^A-Za-z0-9_.-]/.exec(value);
  return bad ? `'${bad[0]}' is not allowed in an interface name (allowed: A-Z a-z 0-9 _ . -)` : undefined;
}

/** libvirt object names (network, domain): RNG objectName `[^/\n]+`; we also refuse other control characters. */
function checkLibvirtName(value: string): string | undefined {
  if (value === '') return 'empty';
  if (value.includes('/')) return "'/' is not allowed in a libvirt name";
  return /[\u0000-\u001f\u007f]/.test(value) ? 'control characters are not allowed in a libvirt name' : undefined;
}

function ovfType(name: OvfPropertyTypeName): MacroType {
  const info = PROPERTY_TYPES.get(name)!;
  const range = info.min !== undefined ? ` ${info.min}..${info.max}` : '';
  return {
    name,
    description: `OVF ${name}${range}`,
    check(value) {
      const problem = checkPropertyValue(value, info, {});
      if (!problem) return undefined;
      return problem.messageId === 'outOfRange' ? `out of range (${problem.data['range']})` : `not a valid ${name} literal`;
    },
  };
}

const OVF_TYPE_NAMES: readonly OvfPropertyTypeName[] = ['uint8', 'uint16', 'uint32', 'uint64', 'sint8', 'sint16', 'sint32', 'sint64', 'real32', 'real64', 'boolean', 'string', 'char16'];

const LIBVIRT_TYPES: readonly MacroType[] = [
  { name: 'ipv4', description: 'a dotted-quad IPv4 address', check: checkIpv4 },
  { name: 'ipv6', description: 'an IPv6 address', check: checkIpv6 },
  { name: 'ip', description: 'an IPv4 or IPv6 address', check: checkIp },
  {
    name: 'mac',
    description: 'a MAC address xx:xx:xx:xx:xx:xx',
    // basictypes.rng macAddr: two hex digits per octet (libvirt's C parser also takes one, its schema does not).
    check: (v) => (/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(v) ? undefined : 'not six colon-separated pairs of hex digits'),
  },
  {
    name: 'uuid',
    description: 'a UUID (8-4-4-4-12 hex digits, or 32 hex digits)',
    check: (v) => (/^([0-9a-fA-F]{32}|[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12})$/.test(v) ? undefined : 'not a UUID'),
  },
  // netdev_vlan_conf.c: "vlan tag id %lu too large (maximum 4095)"; read as decimal (virXPathULong).
  { name: 'vlan', description: 'a VLAN id 0-4095', check: (v) => decimalInRange(v, 4095n) },
  { name: 'port', description: 'a port number 0-65535', check: (v) => decimalInRange(v, 65535n) },
  { name: 'uint24', description: 'an unsigned 24-bit number (decimal or 0x hex)', check: (v) => checkLibvirtUnsigned(v, 24) },
  { name: 'libvirt-uint8', description: 'an unsigned 8-bit number (decimal or 0x hex)', check: (v) => checkLibvirtUnsigned(v, 8) },
  { name: 'virtualport-profileid', description: 'a port profile id of 1-39 bytes', check: checkProfileId },
  // networkcommon.rng speed: 1..18014398509481984 (KiB/s); BurstSize: unsignedInt >= 1 (KiB).
  { name: 'bandwidth-rate', description: 'a rate in KiB/s, 1-18014398509481984', check: (v) => decimalInRange(v, 18014398509481984n, 1n) },
  { name: 'bandwidth-burst', description: 'a burst size in KiB, 1-4294967295', check: (v) => decimalInRange(v, 4294967295n, 1n) },
  { name: 'libvirt-param', description: 'an nwfilter parameter value (A-Z a-z 0-9 _ . :)', check: checkLibvirtParam },
  { name: 'libvirt-name', description: "a libvirt object name (no '/')", check: checkLibvirtName },
  { name: 'ifname', description: 'a Linux interface name (1-15 of A-Z a-z 0-9 _ . -)', check: checkIfname },
];

export const MACRO_TYPES: ReadonlyMap<MacroTypeName, MacroType> = new Map([...OVF_TYPE_NAMES.map(ovfType), ...LIBVIRT_TYPES].map((t): [MacroTypeName, MacroType] => [t.name, t]));

export function macroType(name: MacroTypeName): MacroType {
  const t = MACRO_TYPES.get(name);
  if (!t) throw new Error(`unknown macro type '${name}'`);
  return t;
}

/** Why `value` is not a `type`, or undefined if it is. */
export function checkMacroValue(type: MacroTypeName, value: string): string | undefined {
  return macroType(type).check(value);
}

export function isMacroTypeName(name: string): name is MacroTypeName {
  return MACRO_TYPES.has(name as MacroTypeName);
}
