/**
 * Port profile rules as libvirt enforces them: virtualport parameters per type
 * (networkcommon.rng, netdev_vport_profile_conf.c, virnetdevvportprofile.c),
 * interface mode compatibility, vlan and bandwidth.
 */
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/diagnostics/diagnostic.js';
import type { PortProfile, VirtualPortType } from '../../src/netsec/model.js';
import { profileMacroUses, validatePortProfile } from '../../src/netsec/profiles/index.js';

const UUID = '09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f';

function profile(over: Partial<PortProfile> = {}): PortProfile {
  return { name: 'p', mode: 'direct', source: 'eth1', sourceMode: 'vepa', ...over };
}

function withPort(type: VirtualPortType, parameters: Record<string, string>, over: Partial<PortProfile> = {}): PortProfile {
  const mode = type === 'openvswitch' || type === 'midonet' ? 'bridge' : 'direct';
  const base: Partial<PortProfile> = mode === 'bridge' ? { mode, source: 'br0', sourceMode: undefined } : {};
  return profile({ ...base, virtualport: { type, parameters }, ...over });
}

const errors = (d: Diagnostic[]) => d.filter((x) => x.severity === 'error');
const messages = (d: Diagnostic[]) => d.map((x) => x.message);
const ids = (d: Diagnostic[]) => d.map((x) => [x.ruleId, x.messageId, x.data]);
const QBG = { managerid: '12', typeid: '0x123456', typeidversion: '1', instanceid: UUID };

describe('802.1Qbg parameters', () => {
  it('accepts the talk example: managerid 12, typeid 0x123456, version 1, a UUID instanceid', () => {
    expect(validatePortProfile(withPort('802.1Qbg', QBG))).toEqual([]);
  });

  it('accepts decimal and lowercase-prefixed hex typeids up to 0xffffff', () => {
    for (const typeid of ['1193046', '0xffffff', '0xFFFFFF', '0', '16777215']) expect(errors(validatePortProfile(withPort('802.1Qbg', { ...QBG, typeid }))), typeid).toEqual([]);
  });

  it('rejects typeids out of the 24-bit range, with too many hex digits, or an uppercase 0X', () => {
    for (const typeid of ['16777216', '0x1000000', '0x0123456', '0X12', '-1', '1.5', '']) expect(errors(validatePortProfile(withPort('802.1Qbg', { ...QBG, typeid }))), typeid).toHaveLength(1);
  });

  it('rejects managerid and typeidversion above 255 and a hex form longer than two digits', () => {
    const d = validatePortProfile(withPort('802.1Qbg', { ...QBG, managerid: '256', typeidversion: '0x100' }));
    expect(errors(d).map((x) => x.locator)).toEqual(['PortProfile[p]/virtualport@managerid', 'PortProfile[p]/virtualport@typeidversion']);
  });

  it('rejects a leading zero because libvirt reads it as octal and its schema as decimal', () => {
    const [d] = errors(validatePortProfile(withPort('802.1Qbg', { ...QBG, managerid: '010' })));
    expect(d).toMatchObject({ ruleId: 'virtualport-parameters', messageId: 'fieldType', data: { field: 'virtualport managerid', value: '010' } });
    expect(d?.data?.['reason']).toMatch(/octal/);
  });

  it('rejects an instanceid that is not a UUID, and accepts the 32-hex-digit form', () => {
    expect(errors(validatePortProfile(withPort('802.1Qbg', { ...QBG, instanceid: 'not-a-uuid' })))).toHaveLength(1);
    expect(errors(validatePortProfile(withPort('802.1Qbg', { ...QBG, instanceid: `${UUID.slice(0, 35)}` })))).toHaveLength(1);
    expect(errors(validatePortProfile(withPort('802.1Qbg', { ...QBG, instanceid: UUID.replace(/-/g, '') })))).toEqual([]);
  });

  it('requires managerid, typeid and typeidversion on a direct interface', () => {
    const d = errors(validatePortProfile(withPort('802.1Qbg', { instanceid: UUID })));
    expect(ids(d)).toEqual(['managerid', 'typeid', 'typeidversion'].map((name) => ['virtualport-parameters', 'missingParameter', { name, type: '802.1Qbg', mode: 'direct' }]));
    // The rendered message (virtualport-parameters).
    expect(d[0]!.message).toBe("missing managerid in <virtualport type='802.1Qbg'> (libvirt requires it on a direct interface)");
  });

  it('lets a network interface leave parameters to the network definition', () => {
    expect(errors(validatePortProfile(withPort('802.1Qbg', { typeid: '7' }, { mode: 'network', source: 'vepa-net', sourceMode: undefined })))).toEqual([]);
  });

  it('warns that a missing instanceid becomes a new random one at every define', () => {
    const d = validatePortProfile(withPort('802.1Qbg', { managerid: '12', typeid: '1', typeidversion: '1' }));
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ severity: 'warning', ruleId: 'virtualport-parameters', messageId: 'noInstanceId' });
  });

  it('warns that managerid 0 is reserved', () => {
    expect(validatePortProfile(withPort('802.1Qbg', { ...QBG, managerid: '0x0' }))[0]).toMatchObject({
      severity: 'warning',
      locator: 'PortProfile[p]/virtualport@managerid',
      messageId: 'reservedManagerId',
    });
  });

  it('rejects extra profileid and interfaceid parameters', () => {
    const d = errors(validatePortProfile(withPort('802.1Qbg', { ...QBG, profileid: 'x', interfaceid: UUID })));
    expect(messages(d)).toEqual([
      "extra profileid unsupported in <virtualport type='802.1Qbg'> (allowed: managerid, typeid, typeidversion, instanceid)",
      "extra interfaceid unsupported in <virtualport type='802.1Qbg'> (allowed: managerid, typeid, typeidversion, instanceid)",
    ]);
    expect(d.every((x) => x.ruleId === 'virtualport-parameters')).toBe(true);
  });
});

describe('802.1Qbh parameters', () => {
  it('accepts a profileid of up to 39 bytes', () => {
    expect(validatePortProfile(withPort('802.1Qbh', { profileid: 'x'.repeat(39) }))).toEqual([]);
  });

  it('rejects a 40-byte profileid (LIBVIRT_IFLA_VF_PORT_PROFILE_MAX), counting UTF-8 bytes', () => {
    expect(errors(validatePortProfile(withPort('802.1Qbh', { profileid: 'x'.repeat(40) })))).toHaveLength(1);
    expect(errors(validatePortProfile(withPort('802.1Qbh', { profileid: 'é'.repeat(20) })))).toHaveLength(1);
  });

  it('requires a profileid and rejects VSI parameters', () => {
    expect(messages(errors(validatePortProfile(withPort('802.1Qbh', {}))))).toEqual(["missing profileid in <virtualport type='802.1Qbh'> (libvirt requires it on a direct interface)"]);
    const d = errors(validatePortProfile(withPort('802.1Qbh', { profileid: 'web', managerid: '1', instanceid: UUID })));
    expect(d.map((x) => x.locator)).toEqual(['PortProfile[p]/virtualport@managerid', 'PortProfile[p]/virtualport@instanceid']);
  });
});

describe('openvswitch and midonet parameters', () => {
  it('accepts openvswitch with an interfaceid and a profileid, or with neither', () => {
    expect(validatePortProfile(withPort('openvswitch', { interfaceid: UUID, profileid: 'bob' }))).toEqual([]);
    expect(validatePortProfile(withPort('openvswitch', {}))).toEqual([]);
  });

  it('rejects a bad openvswitch interfaceid and VSI extras', () => {
    expect(errors(validatePortProfile(withPort('openvswitch', { interfaceid: '1234' })))).toHaveLength(1);
    expect(messages(errors(validatePortProfile(withPort('openvswitch', { typeid: '1' }))))).toEqual(["extra typeid unsupported in <virtualport type='openvswitch'> (allowed: interfaceid, profileid)"]);
  });

  it('requires a midonet interfaceid and rejects a profileid, as the RNG does', () => {
    expect(validatePortProfile(withPort('midonet', { interfaceid: UUID }))).toEqual([]);
    expect(messages(errors(validatePortProfile(withPort('midonet', {}))))).toEqual(["missing interfaceid in <virtualport type='midonet'> (libvirt requires it on a bridge interface)"]);
    expect(errors(validatePortProfile(withPort('midonet', { interfaceid: UUID, profileid: 'x' })))).toHaveLength(1);
  });
});

describe('interface mode compatibility', () => {
  it('rejects openvswitch and midonet on a direct interface, where libvirt would silently skip them', () => {
    for (const type of ['openvswitch', 'midonet'] as const) {
      const d = errors(validatePortProfile(withPort(type, { interfaceid: UUID }, { mode: 'direct', source: 'eth1', sourceMode: 'vepa' })));
      expect(d.map((x) => [x.ruleId, x.locator])).toEqual([['port-profile', 'PortProfile[p]@mode']]);
    }
  });

  it('rejects 802.1Qbg and 802.1Qbh on a bridge interface', () => {
    expect(errors(validatePortProfile(withPort('802.1Qbg', QBG, { mode: 'bridge', source: 'br0', sourceMode: undefined })))[0]).toMatchObject({
      ruleId: 'port-profile',
      messageId: 'modeForType',
      data: { type: '802.1Qbg', modes: 'direct or network', mode: 'bridge' },
    });
    expect(errors(validatePortProfile(withPort('802.1Qbh', { profileid: 'x' }, { mode: 'bridge', source: 'br0', sourceMode: undefined })))).toHaveLength(1);
  });

  it('accepts every virtualport type on a network interface', () => {
    for (const type of ['802.1Qbg', '802.1Qbh', 'openvswitch', 'midonet'] as const)
      expect(errors(validatePortProfile(withPort(type, {}, { mode: 'network', source: 'net', sourceMode: undefined }))), type).toEqual([]);
  });

  it('allows sourceMode only on direct interfaces', () => {
    expect(errors(validatePortProfile(profile({ mode: 'bridge', source: 'br0', sourceMode: 'vepa' })))[0]?.locator).toBe('PortProfile[p]@sourceMode');
  });

  it('rejects an unknown sourceMode', () => {
    expect(errors(validatePortProfile(profile({ sourceMode: 'vepa2' as never })))).toHaveLength(1);
  });

  it('warns about 802.1Qbg in macvtap bridge mode, which libvirt allows but the switch cannot police', () => {
    const d = validatePortProfile(withPort('802.1Qbg', QBG, { sourceMode: 'bridge' }));
    expect(d.map((x) => [x.severity, x.ruleId])).toEqual([['warning', 'port-profile']]);
  });

  it('checks the source as an interface name for direct and bridge, a libvirt name for network', () => {
    expect(errors(validatePortProfile(profile({ source: 'eth0:1' })))).toHaveLength(1);
    expect(errors(validatePortProfile(profile({ source: 'a-very-long-ifname' })))).toHaveLength(1);
    expect(errors(validatePortProfile(profile({ mode: 'network', sourceMode: undefined, source: 'nat network' })))).toEqual([]);
    expect(errors(validatePortProfile(profile({ mode: 'network', sourceMode: undefined, source: 'a/b' })))).toHaveLength(1);
  });
});

describe('vlan', () => {
  const ovs = (vlan: PortProfile['vlan']) => withPort('openvswitch', {}, { vlan });

  it('accepts tags 0 and 4095 and rejects 4096', () => {
    expect(validatePortProfile(ovs({ tags: [{ id: '0' }, { id: '4095' }], trunk: true }))).toEqual([]);
    expect(errors(validatePortProfile(ovs({ tags: [{ id: '4096' }] })))[0]?.locator).toBe('PortProfile[p]/vlan/tag[0]@id');
  });

  it('requires trunk mode for more than one tag and allows at most one native vlan', () => {
    expect(errors(validatePortProfile(ovs({ tags: [{ id: '1' }, { id: '2' }], trunk: false })))).toHaveLength(1);
    const natives = {
      tags: [
        { id: '1', nativeMode: 'tagged' as const },
        { id: '2', nativeMode: 'untagged' as const },
      ],
      trunk: true,
    };
    expect(ids(errors(validatePortProfile(ovs(natives))))).toEqual([['port-profile', 'vlanNativeTwice', {}]]);
  });

  it('refuses a vlan where libvirt refuses it at start: macvtap other than passthrough, or a bridge without openvswitch', () => {
    expect(errors(validatePortProfile(profile({ vlan: { tags: [{ id: '5' }] } })))[0]).toMatchObject({ ruleId: 'port-profile', messageId: 'vlanUnsupported' });
    expect(errors(validatePortProfile(profile({ sourceMode: 'passthrough', vlan: { tags: [{ id: '5' }] } })))).toEqual([]);
    expect(errors(validatePortProfile(profile({ mode: 'bridge', source: 'br0', sourceMode: undefined, vlan: { tags: [{ id: '5' }] } })))).toHaveLength(1);
  });
});

describe('bandwidth', () => {
  it('accepts average, peak and burst in both directions', () => {
    const bandwidth = { inbound: { average: '1000', peak: '4000', burst: '1024' }, outbound: { average: '128', peak: '256', burst: '32768' } };
    expect(validatePortProfile(profile({ bandwidth }))).toEqual([]);
  });

  it('rejects zero, negative and non-decimal rates', () => {
    for (const average of ['0', '-5', '0x10', '1.5']) expect(errors(validatePortProfile(profile({ bandwidth: { outbound: { average } } }))), average).toHaveLength(1);
  });

  it('requires average or floor, and average for peak and burst', () => {
    expect(errors(validatePortProfile(profile({ bandwidth: { inbound: {} } })))).toHaveLength(1);
    expect(ids(errors(validatePortProfile(profile({ bandwidth: { outbound: { peak: '10' } } }))))).toEqual([
      ['port-profile', 'bandwidthNeedsAverage', { direction: 'outbound' }],
      ['port-profile', 'peakBurstNeedAverage', { direction: 'outbound' }],
    ]);
  });

  it('allows floor only inbound and only on a network interface', () => {
    expect(validatePortProfile(profile({ mode: 'network', source: 'default', sourceMode: undefined, bandwidth: { inbound: { floor: '200' } } }))).toEqual([]);
    expect(errors(validatePortProfile(profile({ bandwidth: { inbound: { floor: '200' } } })))[0]).toMatchObject({ messageId: 'floorNeedsNetwork', data: { mode: 'direct' } });
    const out = errors(validatePortProfile(profile({ mode: 'network', source: 'default', sourceMode: undefined, bandwidth: { outbound: { average: '1', floor: '2' } } })));
    expect(ids(out)).toEqual([['port-profile', 'floorOutbound', {}]]);
    // The rendered message (port-profile).
    expect(messages(out)).toEqual(["'floor' is allowed only in inbound bandwidth"]);
  });
});

describe('macros in profile fields', () => {
  it('defers checking a field written as ${name} and records the type it must have', () => {
    const p = withPort('802.1Qbg', { managerid: '${mgr}', typeid: '${vsi.type}', typeidversion: '1', instanceid: '${instanceid}' }, { source: '${uplink}' });
    expect(validatePortProfile(p)).toEqual([]);
    expect(profileMacroUses(p).map((u) => [u.name, u.expectedType, u.field])).toEqual([
      ['uplink', 'ifname', 'PortProfile[p]@source'],
      ['mgr', 'libvirt-uint8', 'PortProfile[p]/virtualport@managerid'],
      ['vsi.type', 'uint24', 'PortProfile[p]/virtualport@typeid'],
      ['instanceid', 'uuid', 'PortProfile[p]/virtualport@instanceid'],
    ]);
  });

  it('records a macro inside a longer value as a string, to be checked after substitution', () => {
    const p = profile({ mode: 'bridge', source: 'br-${tenant}', sourceMode: undefined });
    expect(validatePortProfile(p)).toEqual([]);
    expect(profileMacroUses(p)).toEqual([{ name: 'tenant', expectedType: 'string', field: 'PortProfile[p]@source', whole: false }]);
  });

  it('still rejects extras and mode mismatches when the values are macros', () => {
    const d = errors(validatePortProfile(withPort('openvswitch', { managerid: '${m}' }, { mode: 'direct', source: 'eth1' })));
    expect(d.map((x) => x.ruleId).sort()).toEqual(['port-profile', 'virtualport-parameters']);
  });

  it('reports a malformed macro', () => {
    expect(errors(validatePortProfile(profile({ source: '${1eth}' })))[0]).toMatchObject({ messageId: 'fieldSyntax', data: { field: 'source' } });
  });
});

describe('locations', () => {
  it('carries file, line and column from options.loc, or per locator from options.locate', () => {
    const p = withPort('802.1Qbg', { ...QBG, typeid: 'x' });
    expect(validatePortProfile(p, { loc: { file: 'a.ovf', line: 7, column: 3 } })[0]).toMatchObject({ file: 'a.ovf', line: 7, column: 3 });
    const located = validatePortProfile(p, { loc: { file: 'a.ovf', line: 7, column: 3 }, locate: (l) => (l.endsWith('@typeid') ? { file: 'a.ovf', line: 9, column: 5 } : undefined) });
    expect(located[0]).toMatchObject({ line: 9, column: 5, locator: 'PortProfile[p]/virtualport@typeid' });
  });
});
