import { describe, expect, it } from 'vitest';
import { DEFAULT_NIC_MODEL_MAP, nicModelFor, normalizeNicSubType } from '../../src/render/nic-model.js';
import type { ResolvedNic } from '../../src/render/types.js';
import { writeXml } from '../../src/xml/writer.js';
import { renderInterface } from '../../src/render/interface.js';
import { devices, nicItem, render } from './domain-fixtures.js';

const base = (over: Partial<ResolvedNic>): ResolvedNic => ({ instanceId: '5', mac: '52:54:00:12:34:56', model: 'virtio', mode: 'bridge', source: 'br0', ...over });
/** The interface element as libvirt-style text: the layout is part of what is checked. */
const xmlOf = (nic: ResolvedNic, notes: string[] = []) => writeXml(renderInterface(nic, notes));

describe('nicModelFor', () => {
  it.each(['VmxNet3', 'VmxNet2', 'vmxnet', 'E1000', 'E1000e', 'e1000e', 'PCNet32', 'VirtIO', 'virtio', 'VirtualVmxnet3', 'VirtualE1000e'])('maps %s to virtio by default', (s) => {
    expect(nicModelFor(s)).toBe('virtio');
  });

  it('falls back to virtio for unknown and absent subtypes', () => {
    expect([nicModelFor('Am79C970A'), nicModelFor(undefined), nicModelFor('  ')]).toEqual(['virtio', 'virtio', 'virtio']);
  });

  it('takes options.nicModelMap first, matching keys however they are spelled', () => {
    const map = { E1000: 'e1000', vmxnet3: 'e1000e' };
    expect([nicModelFor('e1000', map), nicModelFor('VmxNet3', map), nicModelFor('PCNet32', map)]).toEqual(['e1000', 'e1000e', 'virtio']);
  });

  it('normalises subtypes', () => {
    expect(['VirtualVmxnet3', 'Virtual E1000', 'virtio-net'].map(normalizeNicSubType)).toEqual(['vmxnet3', 'e1000', 'virtionet']);
    expect(Object.keys(DEFAULT_NIC_MODEL_MAP).every((k) => normalizeNicSubType(k) === k)).toBe(true);
  });
});

describe('renderInterface', () => {
  it('renders a bridge NIC with a filterref and its parameters (repeated names make a list)', () => {
    const nic = base({
      filterref: {
        filter: 'acme-web-ingress',
        parameters: [
          { name: 'IP', value: '10.0.0.5' },
          { name: 'PORTS', value: '80' },
          { name: 'PORTS', value: '443' },
        ],
      },
    });
    expect(xmlOf(nic)).toBe(
      [
        "<interface type='bridge'>",
        "  <mac address='52:54:00:12:34:56'/>",
        "  <source bridge='br0'/>",
        "  <model type='virtio'/>",
        "  <filterref filter='acme-web-ingress'>",
        "    <parameter name='IP' value='10.0.0.5'/>",
        "    <parameter name='PORTS' value='80'/>",
        "    <parameter name='PORTS' value='443'/>",
        '  </filterref>',
        '</interface>',
        '',
      ].join('\n'),
    );
  });

  it('renders direct VEPA with an 802.1Qbg virtualport', () => {
    const nic = base({
      mode: 'direct',
      source: 'eth0',
      sourceMode: 'vepa',
      virtualport: { type: '802.1Qbg', parameters: { instanceid: '09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f', typeidversion: '2', typeid: '1193047', managerid: '11' } },
    });
    expect(xmlOf(nic)).toContain(
      [
        "  <source dev='eth0' mode='vepa'/>",
        "  <virtualport type='802.1Qbg'>",
        "    <parameters managerid='11' typeid='1193047' typeidversion='2' instanceid='09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f'/>",
        '  </virtualport>',
      ].join('\n'),
    );
  });

  it('defaults the macvtap mode to vepa and renders 802.1Qbh profiles', () => {
    const xml = xmlOf(base({ mode: 'direct', source: 'eth1', virtualport: { type: '802.1Qbh', parameters: { profileid: 'finance' } } }));
    expect(xml).toContain("<source dev='eth1' mode='vepa'/>");
    expect(xml).toContain("<parameters profileid='finance'/>");
  });

  it('renders an Open vSwitch bridge with its virtualport and a VLAN trunk', () => {
    const nic = base({
      source: 'ovsbr0',
      virtualport: { type: 'openvswitch', parameters: { interfaceid: '09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f', profileid: 'web' } },
      vlan: { trunk: true, tags: [{ id: '42', nativeMode: 'untagged' }, { id: '48' }] },
    });
    expect(xmlOf(nic)).toContain(
      [
        "  <source bridge='ovsbr0'/>",
        "  <vlan trunk='yes'>",
        "    <tag id='42' nativeMode='untagged'/>",
        "    <tag id='48'/>",
        '  </vlan>',
        "  <virtualport type='openvswitch'>",
        "    <parameters interfaceid='09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f' profileid='web'/>",
        '  </virtualport>',
      ].join('\n'),
    );
  });

  it('renders a libvirt network with bandwidth, floor included', () => {
    const nic = base({
      mode: 'network',
      source: 'default',
      vlan: { tags: [{ id: '7' }] },
      bandwidth: { inbound: { average: '1000', peak: '4000', burst: '1024', floor: '200' }, outbound: { average: '128' } },
    });
    expect(xmlOf(nic)).toContain(
      [
        "  <source network='default'/>",
        '  <vlan>',
        "    <tag id='7'/>",
        '  </vlan>',
        '  <bandwidth>',
        "    <inbound average='1000' peak='4000' burst='1024' floor='200'/>",
        "    <outbound average='128'/>",
        '  </bandwidth>',
      ].join('\n'),
    );
  });

  it('drops what libvirt refuses, with notes: floor off network/outbound, a direction without average, foreign virtualport parameters', () => {
    const notes: string[] = [];
    const nic = base({
      virtualport: { type: 'midonet', parameters: { interfaceid: 'x', profileid: 'y' } },
      bandwidth: { inbound: { average: '10', floor: '5' }, outbound: { peak: '20' } },
    });
    const xml = xmlOf(nic, notes);
    expect(xml).toContain("<inbound average='10'/>");
    expect(xml).not.toContain('outbound');
    expect(xml).toContain("<parameters interfaceid='x'/>");
    expect(notes).toEqual([
      'NIC[InstanceID=5]: virtualport midonet takes no profileid; dropped',
      'NIC[InstanceID=5]: bandwidth inbound floor dropped: libvirt allows floor only inbound on interfaces of type network',
      'NIC[InstanceID=5]: bandwidth outbound omitted: it needs an average',
    ]);
  });

  it('omits an empty vlan and bandwidth, and notes a filterref on a direct interface', () => {
    const notes: string[] = [];
    const xml = xmlOf(base({ mode: 'direct', source: 'eth0', vlan: { tags: [] }, bandwidth: {}, filterref: { filter: 'clean-traffic', parameters: [] } }), notes);
    expect(xml).not.toMatch(/vlan|bandwidth/);
    expect(xml).toContain("<filterref filter='clean-traffic'/>");
    expect(notes).toEqual(['NIC[InstanceID=5]: filterref on a direct (macvtap) interface: libvirt does not apply nwfilters there']);
  });

  it('escapes every value', () => {
    const xml = xmlOf(base({ source: `br'0`, filterref: { filter: 'f', parameters: [{ name: 'X', value: `<&'">` }] } }));
    expect(xml).toContain("<source bridge='br&apos;0'/>");
    expect(xml).toContain("value='&lt;&amp;&apos;&quot;&gt;'");
  });
});

describe('renderDomain: NICs', () => {
  it('renders the resolved NICs in order and notes NIC Items left without one', () => {
    const spec = { items: [nicItem('5'), nicItem('6', 'E1000', 'backend')] };
    const { dom, notes } = render(spec, { nics: [base({ instanceId: '5' }), base({ instanceId: '9', mac: '52:54:00:00:00:09' })] });
    expect(devices(dom, 'interface')).toHaveLength(2);
    expect(notes).toContain('VirtualSystem[web]/Item[InstanceID=6]: NIC omitted: no resolved NIC for it');
    expect(notes).toContain('VirtualSystem[web]: NIC[InstanceID=9] matches no NIC Item of this configuration; rendered as resolved');
  });
});
