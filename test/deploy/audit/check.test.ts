/**
 * The audit's pure core, from host state recorded on libvirt 9.0 /
 * ebtables 1.8.9 (nf_tables) with a running VM whose filter tree is
 * guard → antispoof (ipv4) + tcp/22 (iptables).
 */
import { describe, expect, it } from 'vitest';
import { auditVms } from '../../../src/deploy/audit/check.js';
import { checkEnforcement, filterLayers, type Listing, parseEbtables, parseIptablesSave } from '../../../src/deploy/audit/firewall.js';
import type { AuditHostState } from '../../../src/deploy/audit/host-state.js';
import { bindingXml } from '../../../src/deploy/audit/repair.js';
import { parseBinding } from '../../../src/deploy/audit/xml-facts.js';
import type { ScopedFilter } from '../../../src/render/filters.js';
import type { RenderedVm } from '../../../src/render/render-package.js';

const EBTABLES = `Bridge table: nat

Bridge chain: PREROUTING, entries: 1, policy: ACCEPT
-i vnet12 -j libvirt-I-vnet12

Bridge chain: OUTPUT, entries: 0, policy: ACCEPT

Bridge chain: POSTROUTING, entries: 0, policy: ACCEPT

Bridge chain: I-vnet12-ipv4, entries: 1, policy: RETURN
-p IPv4 --ip-src ! 10.9.9.5 -j DROP

Bridge chain: libvirt-I-vnet12, entries: 1, policy: RETURN
-p IPv4 -j I-vnet12-ipv4
`;

const IPTABLES = `-P INPUT ACCEPT
-P FORWARD ACCEPT
-P OUTPUT ACCEPT
-N FI-vnet12
-N FO-vnet12
-N HI-vnet12
-N libvirt-host-in
-N libvirt-in
-N libvirt-in-post
-N libvirt-out
-A INPUT -j libvirt-host-in
-A FORWARD -j libvirt-in
-A FORWARD -j libvirt-out
-A FORWARD -j libvirt-in-post
-A FI-vnet12 -p tcp -m tcp --sport 22 -m conntrack --ctstate ESTABLISHED -m conntrack --ctdir REPLY -j RETURN
-A FO-vnet12 -p tcp -m tcp --dport 22 -m conntrack --ctstate NEW,ESTABLISHED -m conntrack --ctdir ORIGINAL -j ACCEPT
-A HI-vnet12 -p tcp -m tcp --sport 22 -m conntrack --ctstate ESTABLISHED -m conntrack --ctdir REPLY -j RETURN
-A libvirt-host-in -m physdev --physdev-in vnet12 -g HI-vnet12
-A libvirt-in -m physdev --physdev-in vnet12 -g FI-vnet12
-A libvirt-in-post -m physdev --physdev-in vnet12 -j ACCEPT
-A libvirt-out -m physdev --physdev-out vnet12 --physdev-is-bridged -g FO-vnet12
`;

const ANTISPOOF =
  "<filter name='t-antispoof' chain='ipv4'>\n  <uuid>11111111-1111-5111-8111-111111111111</uuid>\n  <rule action='drop' direction='out' priority='500'>\n    <ip match='no' srcipaddr='$IP'/>\n  </rule>\n</filter>\n";
const GUARD =
  "<filter name='t-guard' chain='root'>\n  <uuid>22222222-2222-5222-8222-222222222222</uuid>\n  <filterref filter='t-antispoof'/>\n  <filterref filter='allow-arp'/>\n  <rule action='accept' direction='in' priority='100'>\n    <tcp dstportstart='22'/>\n  </rule>\n</filter>\n";
const ALLOW_ARP = "<filter name='allow-arp' chain='arp' priority='-500'>\n  <uuid>38c3876b-9aa9-428d-a548-33759d8940f5</uuid>\n  <rule action='accept' direction='inout' priority='500'/>\n</filter>\n";
const ok = (text: string, parse: (s: string) => Map<string, string[]>): Listing => ({ ok: true, chains: parse(text) });
const filters = new Map([
  ['t-antispoof', ANTISPOOF],
  ['t-guard', GUARD],
  ['allow-arp', ALLOW_ARP],
]);
const fromVm = { ebtablesFromVm: 1, ebtablesToVm: 0, iptables: 0, ip6tables: 0 };
const lists = (eb = EBTABLES, ip = IPTABLES) => ({ ebtables: ok(eb, parseEbtables), iptables: ok(ip, parseIptablesSave), ip6tables: ok('', parseIptablesSave) });

describe('firewall listings', () => {
  it('parse ebtables -t nat -L and iptables -S as printed', () => {
    const eb = parseEbtables(EBTABLES);
    expect(eb.get('libvirt-I-vnet12')).toEqual(['-p IPv4 -j I-vnet12-ipv4']);
    expect(eb.get('POSTROUTING')).toEqual([]);
    const ip = parseIptablesSave(IPTABLES);
    expect(ip.get('FO-vnet12')).toHaveLength(1);
    expect(ip.get('libvirt-out')).toEqual(['-m physdev --physdev-out vnet12 --physdev-is-bridged -g FO-vnet12']);
  });

  it('count the rules a filter tree implies per table, following references (a rule with no protocol is ebtables)', () => {
    expect(filterLayers('t-guard', filters)).toEqual({ ebtablesFromVm: 2, ebtablesToVm: 1, iptables: 1, ip6tables: 0 });
    expect(filterLayers('t-antispoof', filters)).toEqual(fromVm);
  });

  it('find nothing wrong with the rules as libvirt instantiated them', () => {
    expect(checkEnforcement('vnet12', { ...fromVm, iptables: 1 }, lists())).toEqual([]);
  });

  it('report a flushed chain, a deleted jump, a deleted chain and missing iptables jumps', () => {
    const flushed = EBTABLES.replace('libvirt-I-vnet12, entries: 1, policy: RETURN\n-p IPv4 -j I-vnet12-ipv4', 'libvirt-I-vnet12, entries: 0, policy: RETURN');
    expect(checkEnforcement('vnet12', fromVm, lists(flushed))).toEqual([{ kind: 'missing', detail: 'ebtables chain libvirt-I-vnet12 is empty (the filter implies 1 rule(s))' }]);
    const noJump = EBTABLES.replace('-i vnet12 -j libvirt-I-vnet12', '');
    expect(checkEnforcement('vnet12', fromVm, lists(noJump))[0]!.detail).toBe('ebtables PREROUTING has no jump to libvirt-I-vnet12');
    expect(checkEnforcement('vnet12', fromVm, lists('Bridge table: nat\n'))[0]!.detail).toMatch(/does not exist/);
    const emptySub = EBTABLES.replace('-p IPv4 --ip-src ! 10.9.9.5 -j DROP', '');
    expect(checkEnforcement('vnet12', fromVm, lists(emptySub))[0]!.detail).toMatch(/I-vnet12-\* under libvirt-I-vnet12 are empty/);
    const noIpJump = IPTABLES.replace('-A libvirt-out -m physdev --physdev-out vnet12 --physdev-is-bridged -g FO-vnet12\n', '');
    expect(checkEnforcement('vnet12', { ...fromVm, iptables: 1 }, lists(EBTABLES, noIpJump))).toEqual([{ kind: 'missing', detail: 'iptables libvirt-out has no jump to FO-vnet12' }]);
    // Rules for the other direction are not expected when the filter has none.
    expect(checkEnforcement('vnet12', { ...fromVm, ebtablesToVm: 1 }, lists())[0]!.detail).toMatch(/libvirt-O-vnet12 does not exist/);
  });

  it('report a listing the host cannot give as cannot-verify, never as clean', () => {
    const none: Listing = { ok: false, reason: 'ebtables is not installed' };
    expect(checkEnforcement('vnet12', fromVm, { ...lists(), ebtables: none })).toEqual([{ kind: 'cannot-verify', detail: 'ebtables: ebtables is not installed' }]);
  });
});

const META = (tenant: string, digest: string) =>
  `<metadata><ovfpipe:source xmlns:ovfpipe='http://ovfpipe.dev/schema/domain/1' package='p' virtualSystem='web' tenant='${tenant}' digest='${digest}'/></metadata>`;
const IFACE = (opts: { vlan?: string; ip?: string; target?: boolean } = {}) =>
  `<interface type='bridge'><mac address='52:54:00:15:15:15'/><source bridge='br0'/>${opts.target ? "<target dev='vnet12'/>" : ''}${opts.vlan ?? ''}<filterref filter='t-guard'><parameter name='IP' value='${opts.ip ?? '10.9.9.5'}'/></filterref></interface>`;
const DOMAIN = (meta: string, iface: string) => `<domain type='qemu'><name>t-web</name><uuid>03b4e33c-34cb-4a97-8900-a7c2a0edf980</uuid>${meta}<devices>${iface}</devices></domain>`;

const vm: RenderedVm = {
  name: 't-web',
  virtualSystem: 'web',
  uuid: '03b4e33c-34cb-4a97-8900-a7c2a0edf980',
  xml: DOMAIN(META('t', 'd1'), IFACE({ vlan: "<vlan><tag id='42'/></vlan>" })),
  notes: [],
  values: [],
  filterrefs: ['t-guard'],
  nics: [],
  tenant: 't',
  memoryKiB: 65536,
  vcpus: 1,
};
const scoped: ScopedFilter[] = [
  { name: 't-antispoof', original: 'antispoof', uuid: '11111111-1111-5111-8111-111111111111', xml: ANTISPOOF, references: [] },
  { name: 't-guard', original: 'guard', uuid: '22222222-2222-5222-8222-222222222222', xml: GUARD, references: ['t-antispoof', 'allow-arp'] },
];
const BINDING = bindingXml('t-web', vm.uuid, 'vnet12', '52:54:00:15:15:15', 't-guard', new Map([['IP', ['10.9.9.5']]]));

function state(over: Partial<AuditHostState> = {}): AuditHostState {
  const live = DOMAIN(META('t', 'd1'), IFACE({ vlan: "<vlan><tag id='42'/></vlan>", target: true }));
  return {
    running: new Set(['t-web']),
    filterNames: new Set(['t-antispoof', 't-guard', 'allow-arp']),
    filters: new Map(filters),
    domains: new Map([['t-web', { inactive: DOMAIN(META('t', 'd1'), IFACE({ vlan: "<vlan><tag id='42'/></vlan>" })), live }]]),
    bindings: [BINDING],
    ...lists(
      EBTABLES.replace('Bridge chain: POSTROUTING, entries: 0, policy: ACCEPT', 'Bridge chain: POSTROUTING, entries: 1, policy: ACCEPT\n-o vnet12 -j libvirt-O-vnet12') +
        '\nBridge chain: libvirt-O-vnet12, entries: 1, policy: RETURN\n-p ARP -j ACCEPT\n',
    ),
    tooling: {},
    problems: [],
    ...over,
  };
}
const classes = (s: AuditHostState) => auditVms({ vms: [vm], filters: scoped }, s)[0]!.findings.map((f) => [f.class, f.filter ?? f.interface ?? '', f.repairable]);

describe('auditVms', () => {
  it('a binding written by repair reads back as the same binding', () => {
    expect(parseBinding(BINDING)).toMatchObject({
      portdev: 'vnet12',
      filter: 't-guard',
      mac: '52:54:00:15:15:15',
      owner: 't-web',
      parameters: new Map([
        ['IP', ['10.9.9.5']],
        ['MAC', ['52:54:00:15:15:15']],
      ]),
    });
  });

  it('finds a running VM with every rule in place clean', () => {
    expect(auditVms({ vms: [vm], filters: scoped }, state())[0]).toMatchObject({ state: 'running', status: 'clean', findings: [] });
  });

  it('names each drift class, repairable only when ovfpipe owns the thing', () => {
    const s = state();
    s.filters.set('t-antispoof', ANTISPOOF.replace("priority='500'", "priority='400'"));
    s.filters.set('t-guard', GUARD.replace('22222222-2222-5222-8222-222222222222', '99999999-2222-5222-8222-222222222222'));
    s.filterNames.delete('allow-arp');
    expect(classes(s)).toEqual([
      ['not-owned', 't-guard', false],
      ['changed-filter', 't-antispoof', true],
      ['missing-filter', 'allow-arp', false],
    ]);
  });

  it('reports other binding parameters, an unbound interface, and a changed vlan', () => {
    expect(classes(state({ bindings: [BINDING.replace("value='10.9.9.5'", "value='10.9.9.6'")] }))).toEqual([['changed-parameters', 't-guard', true]]);
    expect(classes(state({ bindings: [] }))).toEqual([['unbound-interface', 't-guard', true]]);
    const d = state().domains.get('t-web')!;
    const s = state({ domains: new Map([['t-web', { inactive: d.inactive.replace("id='42'", "id='7'"), live: d.live }]]) });
    expect(classes(s)).toEqual([['changed-port-profile', 't-guard', true]]);
  });

  it('leaves a domain it does not own alone (not-owned, nothing else checked), and reports digest and missing-domain drift', () => {
    const foreign = DOMAIN('', IFACE());
    expect(classes(state({ domains: new Map([['t-web', { inactive: foreign, live: foreign }]]) }))).toEqual([['not-owned', '', false]]);
    const old = DOMAIN(META('t', 'd0'), IFACE({ vlan: "<vlan><tag id='42'/></vlan>" }));
    expect(classes(state({ running: new Set(), domains: new Map([['t-web', { inactive: old, live: old }]]) }))).toEqual([['changed-domain', '', true]]);
    expect(classes(state({ domains: new Map() }))).toEqual([['missing-domain', '', true]]);
  });

  it('cannot verify bindings a libvirt without the bindings API cannot list', () => {
    const r = auditVms({ vms: [vm], filters: scoped }, state({ bindings: { error: 'nwfilter-binding-list failed: unknown command' } }))[0]!;
    expect(r).toMatchObject({ status: 'cannot-verify', findings: [{ class: 'cannot-verify', interface: 'vnet12', repairable: false }] });
  });

  it('turns a listing the host cannot give into cannot-verify, not clean', () => {
    const r = auditVms({ vms: [vm], filters: scoped }, state({ ebtables: { ok: false, reason: 'ebtables is not installed' } }))[0]!;
    expect(r.status).toBe('cannot-verify');
    expect(r.findings[0]).toMatchObject({ class: 'cannot-verify', interface: 'vnet12', repairable: false });
  });
});
