/** Generated values: deterministic MACs and UUIDs, stable across runs and distinct across tenants, VMs and NICs. */
import { describe, expect, it } from 'vitest';
import {
  OVFPIPE_UUID_NAMESPACE,
  UUID_NAMESPACE_URL,
  findMacCollisions,
  generateInstanceId,
  generateInterfaceId,
  generateMac,
  generateValue,
  generateVmUuid,
  identityName,
  uuidV5,
} from '../../src/macros/generate.js';

const DNS_NAMESPACE = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';

describe('UUIDv5 (RFC 4122 §4.3)', () => {
  it('matches the published Python uuid5 value for python.org in the DNS namespace', () => {
    expect(uuidV5(DNS_NAMESPACE, 'python.org')).toBe('886313e1-3b8a-5372-9b90-0c9aee199e5d');
  });

  it('uses the documented ovfpipe namespace, itself a v5 UUID of our URL', () => {
    expect(uuidV5(UUID_NAMESPACE_URL, 'https://ovfpipe.dev/ns/generated/1')).toBe(OVFPIPE_UUID_NAMESPACE);
  });

  it('sets version 5 and the RFC 4122 variant', () => {
    const u = generateVmUuid('acme', 'web');
    expect(u).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('generated values', () => {
  it('are the same on every run (fixed values, computed independently with Python hashlib and uuid.uuid5)', () => {
    expect(generateVmUuid('acme', 'web')).toBe(uuidV5(OVFPIPE_UUID_NAMESPACE, 'acme/web'));
    expect(generateInstanceId('acme', 'web', '7')).toBe(uuidV5(OVFPIPE_UUID_NAMESPACE, 'acme/web/7'));
    expect(generateMac('acme', 'web', '7')).toBe(generateMac('acme', 'web', '7'));
    expect(generateMac('acme', 'web', '7')).toBe('52:54:00:36:a0:dc');
    expect(generateVmUuid('acme', 'web')).toBe('8ad607a8-3ed8-55f8-884a-178eb00de71f');
  });

  it('give MACs that start with 52:54:00 and are unicast and locally administered', () => {
    for (let i = 0; i < 200; i++) {
      const mac = generateMac('t', `vm${i}`, '1');
      expect(mac).toMatch(/^52:54:00(:[0-9a-f]{2}){3}$/);
      const first = parseInt(mac.slice(0, 2), 16);
      expect(first & 1).toBe(0);
      expect(first & 2).toBe(2);
    }
  });

  it('differ across tenants, VMs and NICs', () => {
    const macs = new Set<string>();
    const uuids = new Set<string>();
    for (const tenant of ['acme', 'globex'])
      for (const vm of ['web', 'db'])
        for (const nic of ['1', '2']) {
          macs.add(generateMac(tenant, vm, nic));
          uuids.add(generateInstanceId(tenant, vm, nic));
          uuids.add(generateInterfaceId(tenant, vm, nic));
        }
    expect(macs.size).toBe(8);
    expect(uuids.size).toBe(16);
    expect(generateVmUuid('acme', 'web')).not.toBe(generateVmUuid('globex', 'web'));
    expect(generateVmUuid('acme', 'web')).not.toBe(generateVmUuid('acme', 'db'));
  });

  it('do not collide when a slash moves between tenant and VM names', () => {
    expect(identityName('a/b', 'c')).not.toBe(identityName('a', 'b/c'));
    expect(generateVmUuid('a/b', 'c')).not.toBe(generateVmUuid('a', 'b/c'));
    expect(identityName('acme', 'web', '7')).toBe('acme/web/7');
  });

  it('need a NIC for per-NIC values, and explain when there is none', () => {
    expect(generateValue('vm_uuid', { tenant: 't', vm: 'v' })).toEqual({ ok: true, value: generateVmUuid('t', 'v') });
    expect(generateValue('mac', { tenant: 't', vm: 'v' })).toEqual({ ok: false, reason: 'a generated mac is per NIC, and this use has no NIC' });
    expect(generateValue('instanceid', { tenant: 't', vm: 'v', nic: '3' })).toEqual({ ok: true, value: generateInstanceId('t', 'v', '3') });
  });

  it('finds NICs that share a MAC, ignoring case', () => {
    const nics = [
      { tenant: 't', vm: 'a', nic: '1', mac: '52:54:00:aa:bb:cc' },
      { tenant: 't', vm: 'b', nic: '1', mac: '52:54:00:AA:BB:CC' },
      { tenant: 't', vm: 'c', nic: '1', mac: '52:54:00:00:00:01' },
    ];
    expect(findMacCollisions(nics)).toEqual([[nics[0], nics[1]]]);
    expect(findMacCollisions(nics.slice(1))).toEqual([]);
  });
});
