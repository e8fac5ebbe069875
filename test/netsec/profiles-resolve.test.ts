/** A profile's macros, end to end: requests for one NIC, resolution, substitution, validation of the result. */
import { describe, expect, it } from 'vitest';
import { generateInstanceId } from '../../src/macros/generate.js';
import { resolveMacros, resolvedValue } from '../../src/macros/resolve.js';
import { toVarScope } from '../../src/macros/vars.js';
import type { PortProfile } from '../../src/netsec/model.js';
import { profileMacroRequests, substituteProfile, validatePortProfile } from '../../src/netsec/profiles/index.js';

const profile: PortProfile = {
  name: 'tenant-vepa',
  mode: 'direct',
  source: '${uplink}',
  sourceMode: 'vepa',
  virtualport: { type: '802.1Qbg', parameters: { managerid: '12', typeid: '${vsi_type}', typeidversion: '1', instanceid: '${instanceid}' } },
  bandwidth: { outbound: { average: '${rate}' } },
  loc: { file: 'web.ovf', line: 30, column: 7 },
};

describe('profile macros end to end', () => {
  it('requests each macro with the type of its field, for one NIC of one VM', () => {
    expect(profileMacroRequests(profile, { vm: 'web', nic: '7' }).map((r) => [r.name, r.expectedType, r.usedAt.nic, r.usedAt.field])).toEqual([
      ['uplink', 'ifname', '7', 'PortProfile[tenant-vepa]@source'],
      ['vsi_type', 'uint24', '7', 'PortProfile[tenant-vepa]/virtualport@typeid'],
      ['instanceid', 'uuid', '7', 'PortProfile[tenant-vepa]/virtualport@instanceid'],
      ['rate', 'bandwidth-rate', '7', 'PortProfile[tenant-vepa]/bandwidth/outbound@average'],
    ]);
  });

  it('resolves, substitutes and then validates cleanly', () => {
    const requests = profileMacroRequests(profile, { vm: 'web', nic: '7' });
    const resolution = resolveMacros(requests, { tenant: toVarScope({ uplink: 'eth1', vsi_type: '0x123456', rate: 1000 }) }, { tenant: 'acme', vm: 'web' });
    expect(resolution.diagnostics).toEqual([]);
    const { profile: resolved, missing } = substituteProfile(profile, (name) => resolvedValue(resolution, name, '7'));
    expect(missing).toEqual([]);
    expect(resolved.source).toBe('eth1');
    expect(resolved.virtualport?.parameters['instanceid']).toBe(generateInstanceId('acme', 'web', '7'));
    expect(resolved.bandwidth).toEqual({ outbound: { average: '1000' } });
    expect(validatePortProfile(resolved)).toEqual([]);
    expect(profile.source).toBe('${uplink}');
  });

  it('reports a value of the wrong type at resolution, before anything is rendered', () => {
    const requests = profileMacroRequests(profile, { vm: 'web', nic: '7' });
    const r = resolveMacros(requests, { tenant: toVarScope({ uplink: 'eth1', vsi_type: '0x1000000', rate: '0' }) }, { tenant: 'acme', vm: 'web' });
    expect(r.diagnostics.map((d) => [d.ruleId, d.locator])).toEqual([
      ['macro-type', 'PortProfile[tenant-vepa]/virtualport@typeid'],
      ['macro-type', 'PortProfile[tenant-vepa]/bandwidth/outbound@average'],
    ]);
  });

  it('validates a partly-macro field as a whole once substituted', () => {
    const p: PortProfile = { name: 'b', mode: 'bridge', source: 'br-${tenant}' };
    expect(validatePortProfile(p)).toEqual([]);
    const resolved = substituteProfile(p, () => 'a-much-too-long-tenant').profile;
    expect(validatePortProfile(resolved).map((d) => d.locator)).toEqual(['PortProfile[b]@source']);
  });

  it('lists the macros it could not substitute and leaves them as written', () => {
    expect(substituteProfile(profile, () => undefined)).toMatchObject({ missing: ['uplink', 'vsi_type', 'instanceid', 'rate'], profile: { source: '${uplink}' } });
  });
});
