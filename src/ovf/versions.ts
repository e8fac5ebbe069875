/**
 * OVF version differences, kept in one table (after COT's name_helper.py)
 * instead of scattered `if`s. Keyed on namespace URIs, never on prefixes.
 *
 * - 0.9 (VMware pre-standard): sections are `<Section xsi:type="ovf:DiskSection_Type">`,
 *   content is `<Content xsi:type="ovf:VirtualSystem_Type">`, RASD uses `InstanceId`.
 * - 1.x (DSP0243 1.0/1.1): named section elements, RASD `InstanceID`.
 * - 2.x (DSP0243 2.x): adds EthernetPortItem/StorageItem (EPASD/SASD) and NetworkPortProfile.
 */
import type { OvfVersion } from './model.js';

export interface VersionInfo {
  version: OvfVersion;
  envelopeNs: string;
  /** Sections are generic `<Section xsi:type=…>` elements (0.9 only). */
  typedSections: boolean;
  /**
   * Unqualified elements count as OVF elements. VMware's 0.9 and early 1.0
   * exports often declare only the `ovf:` prefix and then write `<References>`
   * unprefixed; ovftool reads them, so we do too (rule `element-namespace` warns).
   */
  lenientNoNamespace: boolean;
  /** Item elements that carry virtual hardware. */
  itemElements: ReadonlyArray<'Item' | 'EthernetPortItem' | 'StorageItem'>;
}

export const OVF_VERSIONS: readonly VersionInfo[] = [
  { version: '0.9', envelopeNs: 'http://www.vmware.com/schema/ovf/1/envelope', typedSections: true, lenientNoNamespace: true, itemElements: ['Item'] },
  { version: '1.x', envelopeNs: 'http://schemas.dmtf.org/ovf/envelope/1', typedSections: false, lenientNoNamespace: true, itemElements: ['Item'] },
  {
    version: '2.x',
    envelopeNs: 'http://schemas.dmtf.org/ovf/envelope/2',
    typedSections: false,
    lenientNoNamespace: true,
    itemElements: ['Item', 'EthernetPortItem', 'StorageItem'],
  },
];

export function versionForNamespace(ns: string): VersionInfo | undefined {
  return OVF_VERSIONS.find((v) => v.envelopeNs === ns);
}

export const NS = {
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  rasd: 'http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData',
  vssd: 'http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData',
  epasd: 'http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_EthernetPortAllocationSettingData',
  sasd: 'http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_StorageAllocationSettingData',
  cim: 'http://schemas.dmtf.org/wbem/wscim/1/common',
  ovfenv: 'http://schemas.dmtf.org/ovf/environment/1',
  vmw: 'http://www.vmware.com/schema/ovf',
} as const;

/** Section local names this model interprets (after 0.9 `xsi:type` normalisation). */
export const KNOWN_SECTIONS = new Set([
  'References',
  'DiskSection',
  'NetworkSection',
  'DeploymentOptionSection',
  'VirtualHardwareSection',
  'ProductSection',
  'OperatingSystemSection',
  'EulaSection',
  'AnnotationSection',
  'StartupSection',
  'ResourceAllocationSection',
  'InstallSection',
  'PropertySection',
]);

/** DSP0243 sections that ovfpipe does not model but that are standard, so never "unknown" (in any OVF envelope namespace). */
export const PASSIVE_SECTIONS = new Set([
  'StartupSection',
  'ResourceAllocationSection',
  'InstallSection',
  'ScaleOutSection',
  'PlacementGroupSection',
  'PlacementSection',
  'EncryptionSection',
  'EnvironmentFilesSection',
  'BootDeviceSection',
  'SharedDiskSection',
  'PropertySection',
]);

export function isOvfNamespace(ns: string): boolean {
  return OVF_VERSIONS.some((v) => v.envelopeNs === ns);
}

/** What a generic `<Section>`/`<Content>` element is: the local name and namespace of its `xsi:type`, without `_Type`. */
export interface TypedKind {
  local: string;
  /** The namespace the type's prefix is bound to ('' when unprefixed or unbound). */
  ns: string;
}

/**
 * The kind an element stands for. 0.9 (and early 1.0 VirtualCenter exports)
 * write `<Section xsi:type="ovf:DiskSection_Type">` and
 * `<Content xsi:type="ovf:VirtualSystem_Type">`; the `type` attribute is found by
 * the XSI namespace URI (any prefix bound to it works, not only `xsi:`), and the
 * type's own prefix is resolved through the element's namespace scope.
 * Any other element is simply its local name in its own namespace.
 */
export function typedKind(el: { local: string; ns: string; attributes: ReadonlyArray<{ local: string; ns: string; value: string }>; nsScope: ReadonlyMap<string, string> }): TypedKind {
  if (el.local === 'Section' || el.local === 'Content') {
    const t = el.attributes.find((a) => a.local === 'type' && a.ns === NS.xsi)?.value.trim();
    if (t) {
      const colon = t.indexOf(':');
      const prefix = colon < 0 ? '' : t.slice(0, colon);
      const local = t.slice(colon + 1).replace(/_Type$/, '');
      // An unprefixed type is in the default namespace if one is declared (QName rules), else none.
      const ns = el.nsScope.get(prefix) ?? (colon < 0 ? el.ns : '');
      return { local, ns };
    }
  }
  return { local: el.local, ns: el.ns };
}
