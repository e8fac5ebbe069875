/**
 * The disk and conversion plan (PRODUCT.md §7): every disk image is uploaded
 * once per host into a content-addressed store, `<storage>/images/<sha256>.<ext>`,
 * converted once to `<storage>/images/<sha256>.qcow2` when it is not qcow2
 * already (e.g. a streamOptimized vmdk), and each VM gets its own qcow2
 * overlay `<storage>/vms/<domain>/<diskId>.qcow2` backed by it. A Disk with
 * no file becomes a blank qcow2 of its capacity. Pure.
 */
import type { Envelope, Item, VirtualSystem } from '../ovf/model.js';
import { byteUnitMultiplier, parseUnsigned } from '../ovf/units.js';
import { driveKind } from '../ovf/drive-kind.js';
import { resolveHostResource } from './host-resource.js';
import type { DiskPlacement } from './types.js';

export type SourceFormat = 'vmdk' | 'qcow2' | 'raw' | 'vhd' | 'vhdx' | 'vdi' | 'iso';

export interface DiskPlanEntry {
  domain: string;
  virtualSystem: string;
  instanceId: string;
  device: 'disk' | 'cdrom' | 'floppy';
  diskId?: string;
  /** References/File href of the source image, when there is one. */
  href?: string;
  fileSize?: number;
  sourceFormat?: SourceFormat;
  /** sha256 of the source image; unknown under --descriptor-only when the manifest has none. */
  sha256?: string;
  /** Where the uploaded source lives on the host. */
  storedPath?: string;
  /** The qcow2 base the overlay uses (= storedPath when the source is qcow2). */
  basePath?: string;
  overlayPath: string;
  capacityBytes?: number;
  action: 'overlay' | 'convert-then-overlay' | 'create-blank' | 'attach-image';
}

/** `qemu-img -f` name for an OVF Disk format URI or file name (DSP0243 §9.1 lists the URIs as examples). */
export function sourceFormat(formatUri: string | undefined, href: string | undefined): SourceFormat | undefined {
  const s = `${formatUri ?? ''} ${href ?? ''}`.toLowerCase();
  if (s.includes('vmdk')) return 'vmdk';
  if (s.includes('qcow')) return 'qcow2';
  if (s.includes('vhdx')) return 'vhdx';
  if (s.includes('vhd')) return 'vhd';
  if (s.includes('vdi')) return 'vdi';
  if (/\.iso\b/.test(s)) return 'iso';
  if (s.includes('raw') || /\.img\b/.test(s)) return 'raw';
  return undefined;
}

/**
 * `items`: the VirtualSystem's Items for the configuration being rendered
 * (hardware.ts activeHardware), so a disk that only one configuration has is
 * planned too. Default: the Items that belong to every configuration.
 */
export function planDisks(env: Envelope, vs: VirtualSystem, domain: string, storageRoot: string, digests: ReadonlyMap<string, string>, items?: readonly Item[]): DiskPlanEntry[] {
  const out: DiskPlanEntry[] = [];
  const vmDir = `${storageRoot}/vms/${domain}`;
  for (const item of driveItems(vs, items)) {
    const hr = resolveHostResource(env, item);
    const id = item.instanceId!;
    const kind = driveKind(item);
    const isCd = kind === 'cdrom';
    // A floppy naming a File (a driver disk image) gets it attached read-only, as a CD-ROM gets its ISO.
    if (kind === 'floppy') {
      if (hr.kind === 'file') {
        const sha = digests.get(hr.file.href);
        const path = `${storageRoot}/images/${sha ?? `unknown-${safe(hr.file.id)}`}.img`;
        out.push({
          domain,
          virtualSystem: vs.id,
          instanceId: id,
          device: 'floppy',
          href: hr.file.href,
          fileSize: hr.file.size,
          sourceFormat: 'raw',
          sha256: sha,
          storedPath: path,
          overlayPath: path,
          action: 'attach-image',
        });
      }
      continue;
    }
    // A disk with no HostResource but a size (vCenter ConfigSpec style, DSP8049 SASD): a new blank disk.
    if (hr.kind === 'none' && !isCd) {
      const capacityBytes = itemCapacityBytes(item);
      if (capacityBytes !== undefined)
        out.push({ domain, virtualSystem: vs.id, instanceId: id, device: 'disk', diskId: `item-${safe(id)}`, capacityBytes, overlayPath: `${vmDir}/item-${safe(id)}.qcow2`, action: 'create-blank' });
      continue;
    }
    // A disk drive naming a File directly (VirtualBox, virt-convert's test1) is a disk whose image is that file.
    if (hr.kind === 'file' && !isCd) {
      const href = hr.file.href;
      const fmt = sourceFormat(undefined, href);
      const sha = digests.get(href);
      const key = sha ?? `unknown-${safe(hr.file.id)}`;
      out.push({
        domain,
        virtualSystem: vs.id,
        instanceId: id,
        device: 'disk',
        diskId: hr.file.id,
        overlayPath: `${vmDir}/${safe(hr.file.id)}.qcow2`,
        href,
        fileSize: hr.file.size,
        sourceFormat: fmt,
        sha256: sha,
        storedPath: `${storageRoot}/images/${key}.${fmt === 'qcow2' ? 'qcow2' : (fmt ?? 'img')}`,
        basePath: `${storageRoot}/images/${key}.qcow2`,
        action: fmt === 'qcow2' ? 'overlay' : 'convert-then-overlay',
      });
      continue;
    }
    if (hr.kind === 'disk') {
      const href = hr.file?.href;
      const fmt = sourceFormat(hr.disk.format, href);
      const sha = href !== undefined ? digests.get(href) : undefined;
      const base = {
        domain,
        virtualSystem: vs.id,
        instanceId: id,
        device: 'disk' as const,
        diskId: hr.disk.diskId,
        capacityBytes: hr.disk.capacityBytes,
        overlayPath: `${vmDir}/${safe(hr.disk.diskId)}.qcow2`,
      };
      if (href === undefined) {
        out.push({ ...base, action: 'create-blank' });
        continue;
      }
      const key = sha ?? `unknown-${safe(hr.file!.id)}`;
      const storedPath = `${storageRoot}/images/${key}.${fmt === 'qcow2' ? 'qcow2' : (fmt ?? 'img')}`;
      out.push({
        ...base,
        href,
        fileSize: hr.file!.size,
        sourceFormat: fmt,
        sha256: sha,
        storedPath,
        basePath: `${storageRoot}/images/${key}.qcow2`,
        action: fmt === 'qcow2' ? 'overlay' : 'convert-then-overlay',
      });
    } else if (hr.kind === 'file' && isCd) {
      const sha = digests.get(hr.file.href);
      const key = sha ?? `unknown-${safe(hr.file.id)}`;
      const path = `${storageRoot}/images/${key}.iso`;
      out.push({
        domain,
        virtualSystem: vs.id,
        instanceId: id,
        device: 'cdrom',
        href: hr.file.href,
        fileSize: hr.file.size,
        sourceFormat: 'iso',
        sha256: sha,
        storedPath: path,
        overlayPath: path,
        action: 'attach-image',
      });
    }
  }
  return out;
}

export function placementsFor(plan: readonly DiskPlanEntry[]): DiskPlacement[] {
  return plan.map((p) => ({
    instanceId: p.instanceId,
    overlayPath: p.overlayPath,
    basePath: p.basePath,
    capacityBytes: p.capacityBytes,
    diskId: p.diskId,
    format: p.device === 'disk' ? 'qcow2' : 'raw',
  }));
}

function driveItems(vs: VirtualSystem, items: readonly Item[] | undefined): Item[] {
  const all = items ?? vs.virtualHardware.flatMap((v) => v.items).filter((i) => i.configuration === undefined);
  return all.filter((i) => {
    const kind = driveKind(i);
    return i.instanceId !== undefined && kind !== undefined;
  });
}

/** VirtualQuantity in AllocationUnits (VirtualQuantityUnits first), in bytes; undefined unless both are usable. */
function itemCapacityBytes(item: Item): number | undefined {
  const quantity = parseUnsigned(item.virtualQuantity);
  const units = item.virtualQuantityUnits ?? item.allocationUnits;
  const multiplier = units === undefined ? undefined : byteUnitMultiplier(units);
  const bytes = quantity !== undefined && multiplier !== undefined ? quantity * multiplier : undefined;
  return bytes !== undefined && bytes > 0 && Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** Disk ids come from the package: keep them to a safe file-name alphabet. */
function safe(id: string): string {
  return id.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\.+/, '_');
}
