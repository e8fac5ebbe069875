/**
 * The network security metadata ovfpipe carries inside an OVF package
 * (PRODUCT.md §3): libvirt nwfilter documents, port profiles (the VSI types
 * of IEEE 802.1Qbg, 802.1Qbh profile ids, Open vSwitch and MidoNet ports)
 * and bindings that tie a NIC to a profile and/or a filter.
 *
 * Values in profiles and binding parameters may hold template macros
 * `${name}`, resolved per tenant and VM at deployment (src/macros/).
 */
import type { SourceLocation } from '../diagnostics/diagnostic.js';
import type { XmlElement } from '../xml/element.js';

/** Our OVF extension namespace (ovf-schema/ovfpipe-netsec.xsd). */
export const NETSEC_NS = 'http://ovfpipe.dev/schema/netsec/1';

export type VirtualPortType = '802.1Qbg' | '802.1Qbh' | 'openvswitch' | 'midonet';
export type InterfaceMode = 'direct' | 'bridge' | 'network';
/** macvtap modes for `direct` interfaces (libvirt formatdomain "Direct attachment to physical interface"). */
export type DirectMode = 'vepa' | 'bridge' | 'private' | 'passthrough';

export interface BandwidthLimits {
  /** KiB/s */
  average?: string;
  peak?: string;
  /** KiB */
  burst?: string;
  floor?: string;
}

export interface VlanSpec {
  tags: Array<{ id: string; nativeMode?: 'tagged' | 'untagged' }>;
  trunk?: boolean;
}

export interface VirtualPortSpec {
  type: VirtualPortType;
  /** Parameters by libvirt attribute name (managerid, typeid, typeidversion, instanceid, profileid, interfaceid). */
  parameters: Record<string, string>;
}

export interface PortProfile {
  name: string;
  mode: InterfaceMode;
  /** Only for mode `direct`. */
  sourceMode?: DirectMode;
  /** Device (direct), bridge (bridge) or network name (network); may be a macro. */
  source: string;
  virtualport?: VirtualPortSpec;
  vlan?: VlanSpec;
  bandwidth?: { inbound?: BandwidthLimits; outbound?: BandwidthLimits };
  loc?: SourceLocation;
}

export interface FilterParameter {
  name: string;
  /** Literal or `${macro}`. Repeated names make a list (libvirt nwfilter variables). */
  value: string;
}

export interface Binding {
  /** InstanceID of the NIC Item, or the name of the network it connects to. */
  nic: string;
  filter?: string;
  profile?: string;
  parameters: FilterParameter[];
  loc?: SourceLocation;
}

export interface EmbeddedFilter {
  name: string;
  /** The libvirt `<filter>` element, verbatim (no namespace). */
  element: XmlElement;
  loc?: SourceLocation;
}

/** One NetworkSecuritySection: at Envelope level (scope 'package') or inside a VirtualSystem. */
export interface NetworkSecuritySection {
  scope: 'package' | 'virtual-system';
  /** VirtualSystem id when scope is 'virtual-system'. */
  virtualSystemId?: string;
  filters: EmbeddedFilter[];
  profiles: PortProfile[];
  bindings: Binding[];
  loc?: SourceLocation;
}
