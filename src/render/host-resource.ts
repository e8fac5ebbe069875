/**
 * Resolves a drive Item's rasd:HostResource (DSP0243 §9.1 and §8.3):
 * `ovf:/disk/<diskId>` names a Disk in the DiskSection, `ovf:/file/<id>` a
 * File in References (an ISO for a CD-ROM drive, usually). VirtualBox writes
 * the same references without the `ovf:` prefix (`/disk/vmdisk1`); they are
 * accepted too, as virt-convert does, and so is VMware's `ovf://disk/…`
 * (src/ovf/host-resource-ref.ts, shared with lint).
 */
import { parseHostResourceRef } from '../ovf/host-resource-ref.js';
import type { Disk, Envelope, FileRef, Item } from '../ovf/model.js';

export type HostResource =
  | { kind: 'disk'; disk: Disk; file?: FileRef }
  | { kind: 'file'; file: FileRef }
  /** A reference that names nothing in the package (a lint error; render notes it). */
  | { kind: 'unresolved'; reference: string }
  /** The Item has no HostResource: an empty drive. */
  | { kind: 'none' };

export function resolveHostResource(env: Envelope, item: Item): HostResource {
  const reference = item.hostResource[0]?.trim();
  if (!reference) return { kind: 'none' };
  const ref = parseHostResourceRef(reference);
  if (!ref) return { kind: 'unresolved', reference };
  const { kind, id } = ref;
  if (kind === 'disk') {
    const disk = env.disks.find((d) => d.diskId === id);
    if (!disk) return { kind: 'unresolved', reference };
    const file = disk.fileRef === undefined ? undefined : env.references.find((f) => f.id === disk.fileRef);
    return { kind: 'disk', disk, file };
  }
  const file = env.references.find((f) => f.id === id);
  return file ? { kind: 'file', file } : { kind: 'unresolved', reference };
}
