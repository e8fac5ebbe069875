/**
 * The OVF model, named after the elements of DMTF DSP0243 (OVF 1.1 / 2.1)
 * so that code reads like the spec. Every node keeps its source location.
 * CIM ResourceType numbers are written out in `cim.ts`, never computed.
 */
import type { SourceLocation } from '../diagnostics/diagnostic.js';
import type { XmlElement } from '../xml/element.js';

export type OvfVersion = '0.9' | '1.x' | '2.x';

export interface Located {
  loc: SourceLocation;
}

/** DSP0243 §7.1 References/File. */
export interface FileRef extends Located {
  id: string;
  href: string;
  size?: number;
  /** Raw attribute text of ovf:size, for diagnostics on malformed values. */
  sizeText?: string;
  compression?: string;
  chunkSize?: number;
}

/** DSP0243 §9.1 DiskSection/Disk. */
export interface Disk extends Located {
  diskId: string;
  fileRef?: string;
  capacity: string;
  /** Capacity in bytes after applying capacityAllocationUnits; undefined if it is a property reference or unparseable. */
  capacityBytes?: number;
  capacityAllocationUnits?: string;
  format?: string;
  populatedSize?: number;
  populatedSizeText?: string;
  parentRef?: string;
}

/** DSP0243 §9.2 NetworkSection/Network. */
export interface Network extends Located {
  name: string;
  description?: string;
  /** OVF 2.x NetworkPortProfileURI children. */
  portProfileUris: string[];
}

/** DSP0243 §9.8 DeploymentOptionSection/Configuration. */
export interface Configuration extends Located {
  id: string;
  isDefault: boolean;
  label?: string;
  description?: string;
}

/** A per-configuration value of a Property (DSP0243 §9.5, `<Value ovf:configuration=…>`). */
export interface PropertyValue extends Located {
  value: string;
  configuration?: string;
}

/** DSP0243 §9.5 ProductSection/Property. */
export interface Property extends Located {
  key: string;
  type: string;
  qualifiers?: string;
  defaultValue?: string;
  userConfigurable: boolean;
  password: boolean;
  label?: string;
  description?: string;
  category?: string;
  values: PropertyValue[];
}

/** DSP0243 §9.5 ProductSection. */
export interface ProductSection extends Located {
  class?: string;
  instance?: string;
  product?: string;
  vendor?: string;
  version?: string;
  fullVersion?: string;
  properties: Property[];
  categories: string[];
}

/** A CIM RASD/EPASD/SASD Item in a VirtualHardwareSection (DSP0243 §9.4, DSP1041/DSP8023). */
export interface Item extends Located {
  /** 'Item' | 'EthernetPortItem' | 'StorageItem' (OVF 2.x). */
  element: 'Item' | 'EthernetPortItem' | 'StorageItem';
  instanceId?: string;
  resourceType?: number;
  resourceTypeText?: string;
  resourceSubType?: string;
  elementName?: string;
  description?: string;
  address?: string;
  addressOnParent?: string;
  parent?: string;
  allocationUnits?: string;
  virtualQuantity?: string;
  virtualQuantityUnits?: string;
  reservation?: string;
  limit?: string;
  weight?: string;
  automaticAllocation?: string;
  connection: string[];
  hostResource: string[];
  /** OVF 2.x EPASD NetworkPortProfileID. */
  networkPortProfileId?: string;
  /** ovf:configuration attribute: space-separated list of configuration ids. */
  configuration?: string[];
  bound?: string;
  required?: boolean;
  /** All child values by local name, for rules that need fields not modelled above. */
  fields: Record<string, string>;
}

/** DSP0243 §9.4 VirtualHardwareSection. */
export interface VirtualHardwareSection extends Located {
  id?: string;
  transport: string[];
  systemType?: string;
  items: Item[];
}

export interface OperatingSystemSection extends Located {
  id?: string;
  version?: string;
  osType?: string;
  description?: string;
}

export interface EulaSection extends Located {
  license: string;
}

export interface AnnotationSection extends Located {
  annotation: string;
}

/** Any section this model does not interpret. DSP0243 §5.4: a `required` unknown section must fail. */
export interface UnknownSection extends Located {
  qname: string;
  ns: string;
  local: string;
  required: boolean;
  hasInfo: boolean;
  element: XmlElement;
}

/** Common to VirtualSystem and VirtualSystemCollection (DSP0243 §7.2). */
export interface ContentBase extends Located {
  id: string;
  name?: string;
  info?: string;
  productSections: ProductSection[];
  annotation?: AnnotationSection;
  eulas: EulaSection[];
  unknownSections: UnknownSection[];
  /** Local names of every section in document order, for ordering and required-section rules. */
  sectionOrder: Array<{ local: string; ns: string; hasInfo: boolean } & Located>;
  element: XmlElement;
}

export interface VirtualSystem extends ContentBase {
  kind: 'VirtualSystem';
  virtualHardware: VirtualHardwareSection[];
  operatingSystem?: OperatingSystemSection;
}

export interface VirtualSystemCollection extends ContentBase {
  kind: 'VirtualSystemCollection';
  content: Content[];
}

export type Content = VirtualSystem | VirtualSystemCollection;

/** DSP0243 §7 Envelope. */
export interface Envelope extends Located {
  version: OvfVersion;
  /** Envelope namespace URI in use. */
  ns: string;
  references: FileRef[];
  disks: Disk[];
  diskSectionInfo?: boolean;
  networks: Network[];
  networkSectionPresent: boolean;
  configurations: Configuration[];
  /** Envelope-level sections other than References/Disk/Network/DeploymentOption, in order. */
  sectionOrder: Array<{ local: string; ns: string; hasInfo: boolean } & Located>;
  unknownSections: UnknownSection[];
  content?: Content;
  /** OVF elements written without a namespace (accepted, as ovftool does; warned about). */
  unqualifiedElements?: Array<{ qname: string } & Located>;
  /** The parsed XML tree, for extension readers (netsec) and rules that need raw access. */
  root: XmlElement;
  file: string;
}

/** Walks every VirtualSystem in the content tree, depth first. */
export function* virtualSystems(content: Content | undefined): Generator<VirtualSystem> {
  if (!content) return;
  if (content.kind === 'VirtualSystem') yield content;
  else for (const c of content.content) yield* virtualSystems(c);
}

/** Walks every Content node (systems and collections), depth first. */
export function* contentNodes(content: Content | undefined): Generator<Content> {
  if (!content) return;
  yield content;
  if (content.kind === 'VirtualSystemCollection') for (const c of content.content) yield* contentNodes(c);
}
