/** Macro value types: libvirt's own rules where libvirt has them, DSP0243 for OVF property types. */
import { describe, expect, it } from 'vitest';
import { checkMacroValue, MACRO_TYPES } from '../../src/macros/types.js';

const ok = (type: Parameters<typeof checkMacroValue>[0], ...values: string[]) => {
  for (const v of values) expect(checkMacroValue(type, v), `${type} ${v}`).toBeUndefined();
};
const bad = (type: Parameters<typeof checkMacroValue>[0], ...values: string[]) => {
  for (const v of values) expect(checkMacroValue(type, v), `${type} ${v}`).toBeTypeOf('string');
};

describe('libvirt-param (nwfilter parameter values)', () => {
  it('accepts an IPv4 address, an IPv6 address and a MAC address', () => {
    ok('libvirt-param', '10.0.0.5', 'fe80::1', '52:54:00:aa:bb:cc', 'DHCP_server_1');
  });

  it('rejects a CIDR and says why', () => {
    expect(checkMacroValue('libvirt-param', '10.0.0.0/24')).toBe(
      "'/' is not allowed in nwfilter parameter values (allowed: A-Z a-z 0-9 _ . :); pass a network as an address and a separate mask parameter, not as a CIDR",
    );
  });

  it('rejects spaces, commas, dashes and the empty value that libvirt would silently drop', () => {
    expect(checkMacroValue('libvirt-param', 'a b')).toMatch(/^" " is not allowed/);
    bad('libvirt-param', 'a,b', 'a-b', '', '$IP', 'é');
  });
});

describe('addresses and identifiers', () => {
  it('checks IPv4 as a dotted quad without leading zeros or short forms', () => {
    ok('ipv4', '10.0.0.5', '255.255.255.255', '0.0.0.0');
    bad('ipv4', '10.5', '010.0.0.5', '0x0a.0.0.5', '10.0.0.256', '10.0.0.0/24', 'fe80::1');
  });

  it('checks IPv6 without prefix or zone, and ip as either family', () => {
    ok('ipv6', 'fe80::1', '::', '::ffff:1.2.3.4', '2001:db8::8:800:200c:417a');
    bad('ipv6', 'fe80::1%eth0', '2001:db8::/32', '10.0.0.1', 'fe80:::1');
    ok('ip', '10.0.0.5', 'fe80::1');
    expect(checkMacroValue('ip', '10.0.0.0/24')).toMatch(/CIDR/);
  });

  it('checks MACs as six two-digit hex pairs, and UUIDs in both libvirt forms', () => {
    ok('mac', '52:54:00:aa:bb:cc', '52:54:00:AA:BB:CC');
    bad('mac', '52:54:0:aa:bb:cc', '52-54-00-aa-bb-cc', '52:54:00:aa:bb');
    ok('uuid', '09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f', '09b11c538b5c4eeb8f00d84eaa0aaa4f');
    bad('uuid', '09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4', '{09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f}', 'x');
  });

  it('checks vlan 0-4095 and port 0-65535 as decimals', () => {
    ok('vlan', '0', '4095');
    bad('vlan', '4096', '-1', '0x10', '');
    ok('port', '0', '65535');
    bad('port', '65536', '80/tcp');
  });

  it('checks libvirt uint8 and uint24 with 0x hex and without ambiguous leading zeros', () => {
    ok('libvirt-uint8', '0', '255', '0xff', '0x0');
    bad('libvirt-uint8', '256', '0x100', '010', '0XFF', '+1');
    ok('uint24', '16777215', '0xffffff', '0x123456');
    bad('uint24', '16777216', '0x1000000');
  });

  it('checks interface names as Linux does and libvirt names without slashes', () => {
    ok('ifname', 'eth0', 'br-tenant', 'enp3s0f1.100');
    bad('ifname', 'eth0:1', 'a'.repeat(16), 'br 0', '..', '');
    ok('libvirt-name', 'default', 'nat network');
    bad('libvirt-name', 'a/b', '', 'a\nb');
  });
});

describe('OVF property types', () => {
  it('checks integer ranges exactly, up to uint64 and sint64', () => {
    ok('uint8', '0', '255');
    bad('uint8', '256', '-1', '0xff');
    ok('uint64', '18446744073709551615');
    bad('uint64', '18446744073709551616');
    ok('sint64', '-9223372036854775808');
    bad('sint8', '128');
  });

  it('checks booleans, reals, char16 and takes any string', () => {
    ok('boolean', 'true', 'FALSE');
    bad('boolean', 'yes', '1');
    ok('real64', '1.5', '-2e10');
    bad('real32', '1e39', 'abc');
    ok('char16', 'x');
    bad('char16', 'xy');
    ok('string', '', 'anything at all');
  });

  it('describes every type for messages', () => {
    for (const t of MACRO_TYPES.values()) expect(t.description.length, t.name).toBeGreaterThan(3);
  });
});
