/**
 * The profile catalog: the "port profile database" of the VSI model
 * (PRODUCT.md §3; the talk's "Port Profile DB"). Per host group or switch
 * domain, the virtualport profiles its switches offer (802.1Qbg VSI types by
 * manager id, type id and versions; 802.1Qbh and Open vSwitch profile ids;
 * MidoNet) and, optionally, the bridges, devices and networks its hosts have.
 */
import type { SourceLocation } from '../../diagnostics/diagnostic.js';
import type { VirtualPortType } from '../model.js';

export interface CatalogVirtualPortOffer {
  kind: 'virtualport';
  type: VirtualPortType;
  /** A label; a profile of this name is compared with this offer first when explaining a miss. */
  name?: string;
  description?: string;
  /** 802.1Qbg VSI manager id (0..255). */
  managerid?: number;
  /** 802.1Qbg VSI type id (0..0xffffff). */
  typeid?: number;
  /** 802.1Qbg VSI type versions offered; undefined: every version. */
  typeidversions?: number[];
  /** 802.1Qbh (required) or openvswitch profile ids; undefined on openvswitch: any. */
  profileids?: string[];
  loc?: SourceLocation;
}

export type SourceOfferKind = 'bridge' | 'device' | 'network';

/** A host bridge (mode bridge), device (mode direct) or libvirt network (mode network) the group's hosts have. */
export interface CatalogSourceOffer {
  kind: SourceOfferKind;
  name: string;
  description?: string;
  loc?: SourceLocation;
}

export type CatalogOffer = CatalogVirtualPortOffer | CatalogSourceOffer;

export interface CatalogGroup {
  name: string;
  description?: string;
  offers: CatalogOffer[];
  loc?: SourceLocation;
}

export interface ProfileCatalog {
  /** In file order. */
  groups: ReadonlyMap<string, CatalogGroup>;
  file?: string;
}
