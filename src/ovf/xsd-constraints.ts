/**
 * The XSD's type constraints on OVF attributes, as one table (in the style of the
 * nwfilter attribute table, src/netsec/nwfilter/protocols.ts): one row per
 * constraint, read from DMTF DSP8023 (the OVF envelope XSD, 1.1.1 and 2.0.1, in
 * ../shared/corpus/dmtf-schemas) and, where the XSD only says xs:string, from the
 * DSP0243 text it points to (enumerations, the unit pattern, the property types).
 *
 * Each row names the element by meaning (`References/File`, sections read through
 * VMware 0.9's `xsi:type`), the attribute, the XSD type, whether the XSD requires
 * it, and its severity under the contract in docs/rules/README.md:
 *   - error when a consumer refuses the value or ovfpipe could not deploy it
 *     faithfully (a negative or non-numeric size; a boolean ovfpipe would misread);
 *   - warning when only the XSD says so and consumers accept it (an href that is
 *     not a strict URI; attributes of sections no consumer of ours acts on).
 * Rows whose check lives in an older rule name it in `reportedBy`: the table
 * documents them, rule `xsd-types` evaluates every other row, so nothing is reported twice.
 * A `tolerated` row is documented and deliberately not reported (a consumer tolerance).
 */
import type { Severity } from '../diagnostics/diagnostic.js';

export type XsdTypeName = 'string' | 'anyURI' | 'boolean' | 'unsignedShort' | 'unsignedInt' | 'unsignedLong' | 'long' | 'enumeration';

export interface XsdConstraint {
  /** `Parent/Element` by meaning, or `Element` under any parent; `Section` is every section element. */
  element: string;
  /**
   * Local name of the attribute (read in the envelope namespace or with no namespace, as the parser does),
   * or with `in`, of a child element whose text is the value.
   */
  attribute: string;
  /** The value is a child element's text: `ovf` in the envelope namespace, `rasd` a CIM field read by local name (RASD, EPASD, SASD). */
  in?: 'ovf' | 'rasd';
  /** Items of these ResourceTypes are checked by `reportedBy` instead (memory and processor quantities). */
  exceptResourceTypes?: readonly number[];
  type: XsdTypeName;
  /** The allowed values of an enumeration. */
  values?: readonly string[];
  /** `use="required"` in the XSD. */
  required: boolean;
  severity: Exclude<Severity, 'info'>;
  /** Where the constraint is written: the XSD type, or the DSP0243 clause for enumerations/patterns. */
  source: string;
  /** A byte count ovfpipe must hold exactly (at most 2^53), or it cannot deploy or verify it faithfully. */
  exact?: boolean;
  /** The rule that already reports this constraint; `xsd-types` does not. */
  reportedBy?: string;
  /** Not reported at all: a tolerance lint follows on purpose (bench/xsd-agreement-reasons.yaml names it). */
  tolerated?: true;
  /** Why this severity. */
  why: string;
}

const CONSUMERS_MISREAD = "a value outside xs:boolean ('true', 'false', '1', '0') is read as false or true by guesswork: ovfpipe could not deploy it faithfully";
const RASD_IGNORED = 'ovfpipe does not deploy this field; only the CIM XSD is broken';
const IGNORED_SECTION = 'ovfpipe does not deploy this section and consumers that do read it tolerate it; only the XSD says so';

export const XSD_CONSTRAINTS: readonly XsdConstraint[] = [
  // References/File (DSP8023 File_Type, DSP0243 §7.1)
  {
    element: 'References/File',
    attribute: 'id',
    type: 'string',
    required: true,
    severity: 'error',
    source: 'DSP8023 File_Type',
    reportedBy: 'references-file',
    why: 'Disks and chunks name files by id',
  },
  {
    element: 'References/File',
    attribute: 'href',
    type: 'string',
    required: true,
    severity: 'error',
    source: 'DSP8023 File_Type',
    reportedBy: 'references-file',
    why: 'a File without href names nothing to read',
  },
  {
    element: 'References/File',
    attribute: 'href',
    type: 'anyURI',
    required: false,
    severity: 'warning',
    source: 'DSP8023 File_Type (xs:anyURI)',
    why: "ovftool takes the href as the member's file name (govmomi keeps `url%24encoded%a-1.vmdk` as a positive case)",
  },
  {
    element: 'References/File',
    attribute: 'size',
    type: 'unsignedLong',
    required: false,
    severity: 'error',
    source: 'DSP8023 File_Type (xs:unsignedLong)',
    exact: true,
    reportedBy: 'references-file',
    why: 'a negative or non-numeric size is refused by ovftool; verify and pack compare it with the member',
  },
  {
    element: 'References/File',
    attribute: 'chunkSize',
    type: 'long',
    required: false,
    severity: 'error',
    source: 'DSP8023 File_Type (xs:long)',
    exact: true,
    why: 'chunked files are reassembled by this size; one ovfpipe cannot read cannot be deployed',
  },
  {
    element: 'References/File',
    attribute: 'compression',
    type: 'enumeration',
    values: ['gzip', 'identity'],
    required: false,
    severity: 'error',
    source: 'DSP0243 §7.1',
    reportedBy: 'references-file',
    why: 'an unknown compression cannot be undone',
  },
  // Content (DSP8023 Content_Type)
  { element: 'VirtualSystem', attribute: 'id', type: 'string', required: true, severity: 'error', source: 'DSP8023 Content_Type', reportedBy: 'unique-ids', why: 'VMs are named and matched by id' },
  {
    element: 'VirtualSystemCollection',
    attribute: 'id',
    type: 'string',
    required: true,
    severity: 'error',
    source: 'DSP8023 Content_Type',
    reportedBy: 'unique-ids',
    why: 'collections are matched by id',
  },
  // Any section (DSP8023 Section_Type)
  { element: 'Section', attribute: 'required', type: 'boolean', required: false, severity: 'error', source: 'DSP8023 Section_Type (ovf:required, xs:boolean)', why: CONSUMERS_MISREAD },
  // DiskSection/Disk (DSP8023 VirtualDiskDesc_Type, DSP0243 §9.1)
  {
    element: 'DiskSection/Disk',
    attribute: 'diskId',
    type: 'string',
    required: true,
    severity: 'error',
    source: 'DSP8023 VirtualDiskDesc_Type',
    reportedBy: 'unique-ids',
    why: 'HostResource names disks by id',
  },
  {
    element: 'DiskSection/Disk',
    attribute: 'capacity',
    type: 'string',
    required: true,
    severity: 'error',
    source: 'DSP8023 VirtualDiskDesc_Type; DSP0243 §9.1 (integer or ${property})',
    reportedBy: 'disk-capacity',
    why: 'the overlay is created at this size',
  },
  {
    element: 'DiskSection/Disk',
    attribute: 'capacityAllocationUnits',
    type: 'string',
    required: false,
    severity: 'error',
    source: 'DSP0243 §9.1, DSP0004 Annex C.1 (byte * 2^n)',
    reportedBy: 'disk-capacity',
    why: 'a bad unit makes the disk the wrong size',
  },
  {
    element: 'DiskSection/Disk',
    attribute: 'populatedSize',
    type: 'long',
    required: false,
    severity: 'error',
    source: 'DSP8023 VirtualDiskDesc_Type (xs:long)',
    exact: true,
    reportedBy: 'disk-capacity',
    why: 'a non-numeric or negative size is refused; free space is checked against it',
  },
  // NetworkSection/Network
  {
    element: 'NetworkSection/Network',
    attribute: 'name',
    type: 'string',
    required: true,
    severity: 'error',
    source: 'DSP8023 NetworkSection_Type',
    reportedBy: 'network-connection',
    why: 'rasd:Connection names networks by name',
  },
  // ProductSection (DSP8023 ProductSection_Type, DSP0243 §9.5)
  {
    element: 'ProductSection/Property',
    attribute: 'key',
    type: 'string',
    required: true,
    severity: 'error',
    source: 'DSP8023 ProductSection_Type',
    reportedBy: 'property-key',
    why: 'the OVF environment and ${macros} name properties by key',
  },
  {
    element: 'ProductSection/Property',
    attribute: 'type',
    type: 'string',
    required: true,
    severity: 'error',
    source: 'DSP8023 ProductSection_Type; DSP0243 §9.5 (type table)',
    reportedBy: 'property-type',
    why: 'values are checked against the type',
  },
  {
    element: 'ProductSection/Property',
    attribute: 'userConfigurable',
    type: 'boolean',
    required: false,
    severity: 'error',
    source: 'DSP8023 ProductSection_Type (xs:boolean)',
    why: CONSUMERS_MISREAD,
  },
  {
    element: 'ProductSection/Property',
    attribute: 'password',
    type: 'boolean',
    required: false,
    severity: 'error',
    source: 'DSP8023 ProductSection_Type (xs:boolean)',
    why: `${CONSUMERS_MISREAD}; a misread password flag would print a secret`,
  },
  {
    element: 'Property/Value',
    attribute: 'value',
    type: 'string',
    required: true,
    severity: 'error',
    source: 'DSP8023 PropertyConfigurationValue_Type',
    why: 'a per-configuration Value without a value silently sets the empty string',
  },
  {
    element: 'ProductSection/Icon',
    attribute: 'fileRef',
    type: 'string',
    required: true,
    severity: 'warning',
    source: 'DSP8023 ProductSection_Type',
    why: 'icons are cosmetic; no consumer refuses a package for one',
  },
  {
    element: 'ProductSection/Icon',
    attribute: 'height',
    type: 'unsignedShort',
    required: false,
    severity: 'warning',
    source: 'DSP8023 ProductSection_Type (xs:unsignedShort)',
    why: 'icons are cosmetic',
  },
  {
    element: 'ProductSection/Icon',
    attribute: 'width',
    type: 'unsignedShort',
    required: false,
    severity: 'warning',
    source: 'DSP8023 ProductSection_Type (xs:unsignedShort)',
    why: 'icons are cosmetic',
  },
  // DeploymentOptionSection/Configuration
  {
    element: 'DeploymentOptionSection/Configuration',
    attribute: 'id',
    type: 'string',
    required: true,
    severity: 'error',
    source: 'DSP8023 DeploymentOptionSection_Type',
    reportedBy: 'property-configuration',
    why: '--configuration and ovf:configuration name it by id',
  },
  {
    element: 'DeploymentOptionSection/Configuration',
    attribute: 'default',
    type: 'boolean',
    required: false,
    severity: 'error',
    source: 'DSP8023 DeploymentOptionSection_Type (xs:boolean)',
    why: `${CONSUMERS_MISREAD}: the wrong configuration would be deployed`,
  },
  // OperatingSystemSection
  {
    element: 'OperatingSystemSection',
    attribute: 'id',
    type: 'unsignedShort',
    required: true,
    severity: 'warning',
    source: 'DSP8023 OperatingSystemSection_Type (xs:unsignedShort, CIM_OperatingSystem.OsType)',
    why: 'ovfpipe renders from vmw:osType and the description; a missing or odd CIM id changes nothing it deploys',
  },
  // VirtualHardwareSection items (DSP8023 RASD_Type; EPASD/SASD items of 2.x)
  ...['VirtualHardwareSection/Item', 'VirtualHardwareSection/EthernetPortItem', 'VirtualHardwareSection/StorageItem'].flatMap((element): XsdConstraint[] => [
    { element, attribute: 'required', type: 'boolean', required: false, severity: 'error', source: 'DSP8023 RASD_Type (xs:boolean)', why: CONSUMERS_MISREAD },
    {
      element,
      attribute: 'bound',
      type: 'enumeration',
      values: ['min', 'max', 'normal'],
      required: false,
      severity: 'error',
      source: 'DSP0243 §9.7 (ovf:bound)',
      why: 'any other bound would be read as the normal value, deploying a range limit as the size',
    },
  ]),
  // CIM RASD fields of every Item (CIM_ResourceAllocationSettingData.xsd, imported by DSP8023; cim:cimUnsignedLong etc.
  // are the XSD types with xsi:nil allowed). ovfpipe deploys memory and processor quantities (allocation-units checks
  // those), disks, NICs and controllers; it does not act on reservations, limits, weights or allocation flags.
  ...['VirtualHardwareSection/Item', 'VirtualHardwareSection/EthernetPortItem', 'VirtualHardwareSection/StorageItem'].flatMap((element): XsdConstraint[] => [
    {
      element,
      attribute: 'InstanceID',
      in: 'rasd',
      type: 'string',
      required: true,
      severity: 'error',
      source: 'DSP8023 RASD_Type (CIM RASD InstanceID)',
      reportedBy: 'instance-id',
      why: 'rasd:Parent and StartupSection name Items by InstanceID',
    },
    {
      element,
      attribute: 'ResourceType',
      in: 'rasd',
      type: 'string',
      required: false,
      severity: 'error',
      source: 'CIM RASD ResourceType (ValueMap)',
      reportedBy: 'resource-type',
      why: 'the ResourceType decides what the Item is',
    },
    {
      element,
      attribute: 'ElementName',
      in: 'rasd',
      type: 'string',
      required: true,
      severity: 'warning',
      tolerated: true,
      source: 'DSP8023 RASD_Type (CIM RASD ElementName, minOccurs 1)',
      why: 'not reported (reason cim-content-model): a display name only, which ovftool fixtures leave out (nostalgia-missing-element-name.ovf) and consumers read by name',
    },
    {
      element,
      attribute: 'VirtualQuantity',
      in: 'rasd',
      type: 'unsignedLong',
      required: false,
      severity: 'warning',
      source: 'CIM RASD VirtualQuantity (cimUnsignedLong)',
      exceptResourceTypes: [3, 4],
      reportedBy: 'allocation-units',
      why: 'memory and processor quantities are errors in allocation-units; other Items size nothing ovfpipe deploys from it',
    },
    { element, attribute: 'Reservation', in: 'rasd', type: 'unsignedLong', required: false, severity: 'warning', source: 'CIM RASD Reservation (cimUnsignedLong)', why: RASD_IGNORED },
    { element, attribute: 'Limit', in: 'rasd', type: 'unsignedLong', required: false, severity: 'warning', source: 'CIM RASD Limit (cimUnsignedLong)', why: RASD_IGNORED },
    { element, attribute: 'Weight', in: 'rasd', type: 'unsignedInt', required: false, severity: 'warning', source: 'CIM RASD Weight (cimUnsignedInt)', why: RASD_IGNORED },
    { element, attribute: 'AutomaticAllocation', in: 'rasd', type: 'boolean', required: false, severity: 'warning', source: 'CIM RASD AutomaticAllocation (cimBoolean)', why: RASD_IGNORED },
    { element, attribute: 'AutomaticDeallocation', in: 'rasd', type: 'boolean', required: false, severity: 'warning', source: 'CIM RASD AutomaticDeallocation (cimBoolean)', why: RASD_IGNORED },
  ]),
  // Child elements the XSD requires (minOccurs 1) that no other rule checks. Every section's and Content's
  // <Info> is checked by section-info.
  {
    element: 'Section',
    attribute: 'Info',
    in: 'ovf',
    type: 'string',
    required: true,
    severity: 'warning',
    source: 'DSP8023 Section_Type',
    reportedBy: 'section-info',
    why: 'consumers accept a section without Info',
  },
  {
    element: 'DeploymentOptionSection/Configuration',
    attribute: 'Label',
    in: 'ovf',
    type: 'string',
    required: true,
    severity: 'warning',
    source: 'DSP8023 DeploymentOptionSection_Type',
    why: 'display text; the id is what selects the configuration',
  },
  {
    element: 'DeploymentOptionSection/Configuration',
    attribute: 'Description',
    in: 'ovf',
    type: 'string',
    required: true,
    severity: 'warning',
    source: 'DSP8023 DeploymentOptionSection_Type',
    why: 'display text',
  },
  { element: 'AnnotationSection', attribute: 'Annotation', in: 'ovf', type: 'string', required: true, severity: 'warning', source: 'DSP8023 AnnotationSection_Type', why: 'display text' },
  {
    element: 'EulaSection',
    attribute: 'License',
    in: 'ovf',
    type: 'string',
    required: true,
    severity: 'warning',
    source: 'DSP8023 EulaSection_Type',
    why: 'an empty EULA asks nothing of the user; ovfpipe does not present EULAs',
  },
  // OVF 2.x sections (DSP8023 2.0.1; DSP0243 2.x §9.11–9.15): ovfpipe does not act on them.
  { element: 'ScaleOutSection', attribute: 'id', type: 'string', required: true, severity: 'warning', source: 'DSP8023 2.0 ScaleOutSection_Type', why: IGNORED_SECTION },
  {
    element: 'ScaleOutSection/InstanceCount',
    attribute: 'minimum',
    type: 'unsignedInt',
    required: false,
    severity: 'warning',
    source: 'DSP8023 2.0 ScaleOutSection_Type (xs:unsignedInt)',
    why: IGNORED_SECTION,
  },
  {
    element: 'ScaleOutSection/InstanceCount',
    attribute: 'default',
    type: 'unsignedInt',
    required: true,
    severity: 'warning',
    source: 'DSP8023 2.0 ScaleOutSection_Type (xs:unsignedInt)',
    why: IGNORED_SECTION,
  },
  {
    element: 'ScaleOutSection/InstanceCount',
    attribute: 'maximum',
    type: 'unsignedInt',
    required: false,
    severity: 'warning',
    source: 'DSP8023 2.0 ScaleOutSection_Type (xs:unsignedInt)',
    why: IGNORED_SECTION,
  },
  { element: 'PlacementGroupSection', attribute: 'id', type: 'string', required: true, severity: 'warning', source: 'DSP8023 2.0 PlacementGroupSection_Type', why: IGNORED_SECTION },
  { element: 'PlacementGroupSection', attribute: 'policy', type: 'string', required: true, severity: 'warning', source: 'DSP8023 2.0 PlacementGroupSection_Type', why: IGNORED_SECTION },
  { element: 'PlacementSection', attribute: 'group', type: 'string', required: true, severity: 'warning', source: 'DSP8023 2.0 PlacementSection_Type', why: IGNORED_SECTION },
  { element: 'EnvironmentFilesSection/File', attribute: 'fileRef', type: 'string', required: true, severity: 'warning', source: 'DSP8023 2.0 EnvironmentFile_Type', why: IGNORED_SECTION },
  { element: 'EnvironmentFilesSection/File', attribute: 'path', type: 'string', required: true, severity: 'warning', source: 'DSP8023 2.0 EnvironmentFile_Type', why: IGNORED_SECTION },
  { element: 'SharedDiskSection/SharedDisk', attribute: 'diskId', type: 'string', required: true, severity: 'warning', source: 'DSP8023 2.0 SharedVirtualDiskDesc_Type', why: IGNORED_SECTION },
  { element: 'SharedDiskSection/SharedDisk', attribute: 'capacity', type: 'string', required: true, severity: 'warning', source: 'DSP8023 2.0 SharedVirtualDiskDesc_Type', why: IGNORED_SECTION },
  {
    element: 'SharedDiskSection/SharedDisk',
    attribute: 'readOnly',
    type: 'boolean',
    required: false,
    severity: 'warning',
    source: 'DSP8023 2.0 SharedVirtualDiskDesc_Type (xs:boolean)',
    why: IGNORED_SECTION,
  },
  // InstallSection, StartupSection (DSP0243 §9.6, §9.8): ovfpipe does not act on them.
  {
    element: 'InstallSection',
    attribute: 'initialBootStopDelay',
    type: 'unsignedShort',
    required: false,
    severity: 'warning',
    source: 'DSP8023 InstallSection_Type (xs:unsignedShort)',
    why: IGNORED_SECTION,
  },
  { element: 'StartupSection/Item', attribute: 'id', type: 'string', required: true, severity: 'warning', source: 'DSP8023 StartupSection_Type', why: IGNORED_SECTION },
  { element: 'StartupSection/Item', attribute: 'order', type: 'unsignedShort', required: true, severity: 'warning', source: 'DSP8023 StartupSection_Type (xs:unsignedShort)', why: IGNORED_SECTION },
  {
    element: 'StartupSection/Item',
    attribute: 'startDelay',
    type: 'unsignedShort',
    required: false,
    severity: 'warning',
    source: 'DSP8023 StartupSection_Type (xs:unsignedShort)',
    why: IGNORED_SECTION,
  },
  {
    element: 'StartupSection/Item',
    attribute: 'stopDelay',
    type: 'unsignedShort',
    required: false,
    severity: 'warning',
    source: 'DSP8023 StartupSection_Type (xs:unsignedShort)',
    why: IGNORED_SECTION,
  },
  { element: 'StartupSection/Item', attribute: 'waitingForGuest', type: 'boolean', required: false, severity: 'warning', source: 'DSP8023 StartupSection_Type (xs:boolean)', why: IGNORED_SECTION },
  { element: 'StartupSection/Item', attribute: 'startAction', type: 'enumeration', values: ['powerOn', 'none'], required: false, severity: 'warning', source: 'DSP0243 §9.8', why: IGNORED_SECTION },
  {
    element: 'StartupSection/Item',
    attribute: 'stopAction',
    type: 'enumeration',
    values: ['powerOff', 'guestShutdown', 'none'],
    required: false,
    severity: 'warning',
    source: 'DSP0243 §9.8',
    why: IGNORED_SECTION,
  },
];

/** Does row `element` apply to an element named `name` under a parent named `parent` (names by meaning)? */
export function constraintApplies(element: string, parent: string, name: string, isSection: boolean): boolean {
  if (element === 'Section') return isSection;
  const slash = element.indexOf('/');
  if (slash < 0) return element === name;
  return element.slice(0, slash) === parent && element.slice(slash + 1) === name;
}
