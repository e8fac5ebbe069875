/**
 * A resolved NIC → libvirt `<interface>` (formatdomain "Network interfaces"):
 * bridge, direct (macvtap) and network attachments, with `<virtualport>`
 * (802.1Qbg, 802.1Qbh, openvswitch, midonet), `<vlan>`, `<bandwidth>`,
 * `<model>` and `<filterref>` with its parameters. Element order follows
 * libvirt's own formatter (virDomainNetDefFormat).
 */
import type { BandwidthLimits, VirtualPortSpec } from '../netsec/model.js';
import { virtualPortType } from '../netsec/virtualport-types.js';
import { element, type XmlNode } from '../xml/writer.js';
import type { ResolvedNic } from './types.js';

export function renderInterface(nic: ResolvedNic, notes: string[]): XmlNode {
  const where = `NIC[InstanceID=${nic.instanceId}]`;
  if (nic.mode === 'direct' && nic.filterref) notes.push(`${where}: filterref on a direct (macvtap) interface: libvirt does not apply nwfilters there`);
  return element(
    'interface',
    { type: nic.mode },
    element('mac', { address: nic.mac }),
    source(nic),
    vlan(nic),
    nic.virtualport ? virtualport(nic.virtualport, where, notes) : undefined,
    nic.bandwidth ? bandwidth(nic, where, notes) : undefined,
    element('model', { type: nic.model }),
    nic.filterref
      ? element(
          'filterref',
          { filter: nic.filterref.filter },
          nic.filterref.parameters.map((p) => element('parameter', { name: p.name, value: p.value })),
        )
      : undefined,
  );
}

function source(nic: ResolvedNic): XmlNode {
  switch (nic.mode) {
    case 'bridge':
      return element('source', { bridge: nic.source });
    case 'network':
      return element('source', { network: nic.source });
    case 'direct':
      // libvirt's default macvtap mode is vepa; say so rather than rely on it.
      return element('source', { dev: nic.source, mode: nic.sourceMode ?? 'vepa' });
  }
}

function vlan(nic: ResolvedNic): XmlNode | undefined {
  if (!nic.vlan || nic.vlan.tags.length === 0) return undefined;
  return element(
    'vlan',
    { trunk: nic.vlan.trunk ? 'yes' : undefined },
    nic.vlan.tags.map((t) => element('tag', { id: t.id, nativeMode: t.nativeMode })),
  );
}

function virtualport(spec: VirtualPortSpec, where: string, notes: string[]): XmlNode {
  // `<parameters>` attributes the type accepts, in libvirt's order (netsec/virtualport-types.ts).
  const allowed = virtualPortType(spec.type)?.parameters.map((p) => p.name) ?? [];
  const dropped = Object.keys(spec.parameters).filter((k) => !allowed.includes(k));
  if (dropped.length > 0) notes.push(`${where}: virtualport ${spec.type} takes no ${dropped.join(', ')}; dropped`);
  const params = allowed.filter((k) => spec.parameters[k] !== undefined).map((k) => [k, spec.parameters[k]] as const);
  return element('virtualport', { type: spec.type }, params.length > 0 ? element('parameters', params) : undefined);
}

/**
 * formatdomain "Quality of service": `average` (or, inbound only, `floor`) is
 * mandatory in each direction, and `floor` exists only inbound and only for
 * interfaces of type network. What libvirt would refuse is dropped with a note.
 */
function bandwidth(nic: ResolvedNic, where: string, notes: string[]): XmlNode | undefined {
  const direction = (name: 'inbound' | 'outbound', limits: BandwidthLimits | undefined): XmlNode | undefined => {
    if (!limits) return undefined;
    let floor = limits.floor;
    if (floor !== undefined && (name === 'outbound' || nic.mode !== 'network')) {
      notes.push(`${where}: bandwidth ${name} floor dropped: libvirt allows floor only inbound on interfaces of type network`);
      floor = undefined;
    }
    if (limits.average === undefined && floor === undefined) {
      notes.push(`${where}: bandwidth ${name} omitted: it needs an average${name === 'inbound' ? ' or a floor' : ''}`);
      return undefined;
    }
    return element(name, { average: limits.average, peak: limits.peak, burst: limits.burst, floor });
  };
  const children = [direction('inbound', nic.bandwidth?.inbound), direction('outbound', nic.bandwidth?.outbound)].filter((c) => c !== undefined);
  return children.length > 0 ? element('bandwidth', {}, children) : undefined;
}
