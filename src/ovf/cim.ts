/**
 * CIM ResourceType values (DSP1041, CIM_ResourceAllocationSettingData.ResourceType
 * ValueMap). Written out, never computed, so the numbers stay fixed
 * (as govmomi's ovf/cim.go insists).
 */
export const ResourceType = {
  Other: 1,
  ComputerSystem: 2,
  Processor: 3,
  Memory: 4,
  IDEController: 5,
  ParallelSCSIHBA: 6,
  FCHBA: 7,
  iSCSIHBA: 8,
  IBHCA: 9,
  EthernetAdapter: 10,
  OtherNetworkAdapter: 11,
  IOSlot: 12,
  IODevice: 13,
  FloppyDrive: 14,
  CDDrive: 15,
  DVDDrive: 16,
  DiskDrive: 17,
  TapeDrive: 18,
  StorageExtent: 19,
  OtherStorageDevice: 20,
  SerialPort: 21,
  ParallelPort: 22,
  USBController: 23,
  GraphicsController: 24,
  IEEE1394Controller: 25,
  PartitionableUnit: 26,
  BasePartitionableUnit: 27,
  PowerSupply: 28,
  CoolingCapacity: 29,
  EthernetSwitchPort: 30,
  LogicalDisk: 31,
  StorageVolume: 32,
  EthernetConnection: 33,
  SATAController: 20, // commonly written as 20 with ResourceSubType AHCI (VMware, VirtualBox)
} as const;

/** The DMTF-defined range: 1..33; 0x8000..0xFFFF is vendor reserved (DSP1041). */
export function isKnownResourceType(n: number): boolean {
  return (n >= 1 && n <= 35) || (n >= 0x8000 && n <= 0xffff);
}

export const RESOURCE_TYPE_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(ResourceType)
    .filter(([k]) => k !== 'SATAController')
    .map(([k, v]) => [v, k]),
);

/** Resource types that consume a HostResource pointing to a disk or file. */
export const DISK_LIKE = new Set<number>([ResourceType.DiskDrive, ResourceType.CDDrive, ResourceType.DVDDrive, ResourceType.FloppyDrive, ResourceType.LogicalDisk, ResourceType.StorageExtent]);

/** Controllers that other items can name as their Parent. */
export const CONTROLLERS = new Set<number>([
  ResourceType.IDEController,
  ResourceType.ParallelSCSIHBA,
  ResourceType.FCHBA,
  ResourceType.iSCSIHBA,
  ResourceType.OtherStorageDevice,
  ResourceType.USBController,
  ResourceType.IOSlot,
  ResourceType.Other,
]);
