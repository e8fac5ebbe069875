/**
 * The disk and conversion plan (PRODUCT.md §7): every disk image is uploaded
 * once per host into a content-addressed store, `<storage>/images/<sha256>.<ext>`,
 * converted once to `<storage>/images/<sha256>.qcow2` when it is not qcow2
 * already (e.g. a streamOptimized vmdk), and each VM gets its own qcow2
 * overlay `<storage>/vms/<domain>/<diskId>.qcow2` backed by it. A Disk with
 * no file becomes a blank qcow2 of its capacity. Pure.
 */
import { ResourceType } from '../ovf/cim.js';
import type { Envelope, Item, VirtualSystem } from '../ovf/model.js';
import { resolveHostResource } from './host-resource.js';
import type { DiskPlacement } from './types.js';

export type SourceFormat = 'vmdk' | 'qcow2' | 'raw' | 'vhd' | 'vhdx' | 'vdi' | 'iso';

export interface DiskPlanEntry {
  domain: string;
  virtualSystem: string;
  instanceId: string;
  device: 'disk' | 'cdrom';
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

export function planDisks(env: Envelope, vs: VirtualSystem, domain: string, storageRoot: string, digests: ReadonlyMap<string, string>): DiskPlanEntry[] {
  const out: DiskPlanEntry[] = [];
  const vmDir = `${storageRoot}/vms/${domain}`;
  for (const item of driveItems(vs)) {
    const hr = resolveHostResource(env, item);
    const id = item.instanceId!;
    const isCd = item.resourceType === ResourceType.CDDrive || item.resourceType === ResourceType.DVDDrive;
    if (hr.kind === 'disk') {
      const href = hr.file?.href;
      const fmt = sourceFormat(hr.disk.format, href);
      const sha = href !== undefined ? digests.get(href) : undefined;
      const base = { domain, virtualSystem: vs.id, instanceId: id, device: 'disk' as const, diskId: hr.disk.diskId, capacityBytes: hr.disk.capacityBytes, overlayPath: `${vmDir}/${safe(hr.disk.diskId)}.qcow2` };
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
      out.push({ domain, virtualSystem: vs.id, instanceId: id, device: 'cdrom', href: hr.file.href, fileSize: hr.file.size, sourceFormat: 'iso', sha256: sha, storedPath: path, overlayPath: path, action: 'attach-image' });
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
    format: p.device === 'cdrom' ? 'raw' : 'qcow2',
  }));
}

function driveItems(vs: VirtualSystem): Item[] {
  const kinds = new Set<number>([ResourceType.DiskDrive, ResourceType.CDDrive, ResourceType.DVDDrive]);
  return vs.virtualHardware.flatMap((v) => v.items).filter((i) => i.instanceId !== undefined && i.configuration === undefined && i.resourceType !== undefined && kinds.has(i.resourceType));
}

/** Disk ids come from the package: keep them to a safe file-name alphabet. */
function safe(id: string): string {
  return id.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\.+/, '_');
}
