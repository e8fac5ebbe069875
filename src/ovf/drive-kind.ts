/**
 * Which drive an Item is (DSP1041 ResourceType): 17 a disk drive, 15/16 a
 * CD/DVD drive, 14 a floppy. XenServer (and xen-orchestra) export a VM's
 * disks as 19 "Storage Extent" whose HostResource names a Disk
 * (`ovf:/disk/<id>`); 31 "Logical Disk" is read the same way. Those are
 * disks too: leaving them out would deploy a VM with nothing to boot.
 */
import { ResourceType } from './cim.js';
import type { Item } from './model.js';

export type DriveKind = 'disk' | 'cdrom' | 'floppy';

const DISK_REFERENCE = /^(?:ovf:)?\/disk\//;

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
      return DISK_REFERENCE.test(item.hostResource[0]?.trim() ?? '') ? 'disk' : undefined;
    default:
      return undefined;
  }
}
