/**
 * Works out, for every NIC of every VirtualSystem, which filter and port
 * profile apply (PRODUCT.md §3 "Bindings"). Sources, strongest first:
 *   1. a Binding in the VirtualSystem's own NetworkSecuritySection;
 *   2. a Binding in a package-level section;
 *   3. OVF 2.x `epasd:NetworkPortProfileID` on the NIC (a profile reference);
 *   4. the NIC's Network `NetworkPortProfileURI` (a profile reference).
 * A Binding names a NIC by rasd:InstanceID or by the Network it connects to.
 */
import { ResourceType } from '../ovf/cim.js';
import { virtualSystems, type Envelope, type Item, type VirtualSystem } from '../ovf/model.js';
import type { Binding, EmbeddedFilter, NetworkSecuritySection, PortProfile } from './model.js';

export interface NicInfo {
  vs: VirtualSystem;
  item: Item;
  instanceId: string;
  network?: string;
  locator: string;
}

export type BindingOrigin = 'vs-binding' | 'package-binding' | 'epasd' | 'network-uri';

export interface EffectiveBinding {
  nic: NicInfo;
  origin: BindingOrigin;
  binding?: Binding;
  filterName?: string;
  profileName?: string;
  /** The profile object, when it is defined in a visible section. */
  profile?: PortProfile;
  parameters: Binding['parameters'];
}

export interface NetsecView {
  nics: NicInfo[];
  bindings: EffectiveBinding[];
  /** Bindings that match no NIC, with the section that holds them. */
  unmatched: Array<{ binding: Binding; section: NetworkSecuritySection }>;
  /** Two Bindings of the same strength for one NIC: the later one wins. */
  conflicts: Array<{ nic: NicInfo; first: Binding; second: Binding }>;
  /** Filters and profiles visible to each VirtualSystem (its own, then package level). */
  filtersFor(vsId: string): EmbeddedFilter[];
  profilesFor(vsId: string): PortProfile[];
}

export function listNics(env: Envelope): NicInfo[] {
  const out: NicInfo[] = [];
  for (const vs of virtualSystems(env.content))
    for (const vhs of vs.virtualHardware)
      for (const item of vhs.items) {
        const isNic = item.resourceType === ResourceType.EthernetAdapter || item.element === 'EthernetPortItem';
        // Configuration-specific overrides of the same NIC are one NIC.
        if (!isNic || item.configuration !== undefined || !item.instanceId) continue;
        out.push({ vs, item, instanceId: item.instanceId, network: item.connection[0], locator: `VirtualSystem[${vs.id}]/${item.element}[InstanceID=${item.instanceId}]` });
      }
  return out;
}

function matches(b: Binding, nic: NicInfo): boolean {
  return b.nic === nic.instanceId || (nic.network !== undefined && b.nic === nic.network);
}

/** A profile reference by URI matches a profile named like its last path segment or fragment. */
export function profileNameFromUri(uri: string): string {
  const m = /[#/]([^#/]+)\/?$/.exec(uri);
  return m ? m[1]! : uri;
}

export function buildNetsecView(env: Envelope, sections: readonly NetworkSecuritySection[]): NetsecView {
  const nics = listNics(env);
  const pkg = sections.filter((s) => s.scope === 'package');
  const own = (vsId: string) => sections.filter((s) => s.scope === 'virtual-system' && s.virtualSystemId === vsId);
  const view: NetsecView = {
    nics,
    bindings: [],
    unmatched: [],
    conflicts: [],
    filtersFor: (vsId) => [...own(vsId), ...pkg].flatMap((s) => s.filters),
    profilesFor: (vsId) => [...own(vsId), ...pkg].flatMap((s) => s.profiles),
  };
  const used = new Set<Binding>();
  for (const nic of nics) {
    const eff = bindingFor(nic, own(nic.vs.id), 'vs-binding', view, used) ?? bindingFor(nic, pkg, 'package-binding', view, used) ?? implicitBinding(nic, env);
    if (!eff) continue;
    if (eff.profileName !== undefined) eff.profile = view.profilesFor(nic.vs.id).find((p) => p.name === eff.profileName);
    view.bindings.push(eff);
  }
  for (const s of sections) for (const b of s.bindings) if (!used.has(b)) view.unmatched.push({ binding: b, section: s });
  return view;
}

function bindingFor(nic: NicInfo, sections: NetworkSecuritySection[], origin: BindingOrigin, view: NetsecView, used: Set<Binding>): EffectiveBinding | undefined {
  const hits = sections.flatMap((s) => s.bindings).filter((b) => matches(b, nic));
  for (const b of hits) used.add(b);
  // An InstanceID match is more specific than a network-name match.
  const byId = hits.filter((b) => b.nic === nic.instanceId);
  const pool = byId.length > 0 ? byId : hits;
  if (pool.length > 1) view.conflicts.push({ nic, first: pool[0]!, second: pool[pool.length - 1]! });
  const b = pool[pool.length - 1];
  if (!b) return undefined;
  return { nic, origin, binding: b, filterName: b.filter, profileName: b.profile, parameters: b.parameters };
}

function implicitBinding(nic: NicInfo, env: Envelope): EffectiveBinding | undefined {
  if (nic.item.networkPortProfileId) return { nic, origin: 'epasd', profileName: nic.item.networkPortProfileId, parameters: [] };
  const net = env.networks.find((n) => n.name === nic.network);
  const uri = net?.portProfileUris[0];
  if (uri) return { nic, origin: 'network-uri', profileName: profileNameFromUri(uri), parameters: [] };
  return undefined;
}
