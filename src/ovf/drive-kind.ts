/**
 * Which drive an Item is (DSP1041 ResourceType): 17 a disk drive, 15/16 a
 * CD/DVD drive, 14 a floppy. XenServer (and xen-orchestra) export a VM's
 * disks as 19 "Storage Extent" whose HostResource names a Disk
 * (`ovf:/disk/<id>`); 31 "Logical Disk" is read the same way. Those are
 * disks too: leaving them out would deploy a VM with nothing to boot.
 */
import { ResourceType } from './cim.js';
import { parseHostResourceRef } from './host-resource-ref.js';
import type { Item } from './model.js';

export type DriveKind = 'disk' | 'cdrom' | 'floppy';

export function driveKind(item: Item): DriveKind | undefined {
  switch (item.resourceType) {
    case ResourceType.DiskDrive:
      return 'disk';
    case ResourceType.CDDrive:
    case ResourceType.DVDDrive:
      return 'cdrom';
    case ResourceType.FloppyDrive:
      return 'floppy';
    case ResourceType.StorageExtent:
    case ResourceType.LogicalDisk:
      return parseHostResourceRef(item.hostResource[0])?.kind === 'disk' ? 'disk' : undefined;
    default:
      return undefined;
  }
}
