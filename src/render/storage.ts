/**
 * Storage: controller Items (DSP1041 ResourceType 5 IDE, 6 SCSI, 20 SATA/AHCI,
 * 23 USB) and the drives on them (17 disk, 15/16 CD/DVD, 14 floppy) →
 * libvirt `<controller>` and `<disk>` (formatdomain "Hard drives, floppy
 * disks, CDROMs" and "Controllers").
 *
 * q35 has no IDE bus: IDE drives move to the built-in AHCI (SATA) controller,
 * with a note. Floppies stay (libvirt adds an isa-fdc on q35).
 * Hard disks go on `options.diskBus` (virtio by default), whatever controller
 * the OVF put them on; the source is the qcow2 overlay from the DiskPlacement.
 */
import { ResourceType } from '../ovf/cim.js';
import type { Envelope, Item, VirtualSystem } from '../ovf/model.js';
import { parseUnsigned } from '../ovf/units.js';
import { element, type XmlNode } from '../xml/writer.js';
import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { driveKind } from '../ovf/drive-kind.js';
import { locate, ownerLocator } from './hardware.js';
import { resolveHostResource } from './host-resource.js';
import { isQ35 } from './options.js';
import type { DiskPlacement, RenderOptions } from './types.js';

type ControllerKind = 'ide' | 'scsi' | 'sata' | 'usb' | 'other';
type Bus = 'virtio' | 'scsi' | 'sata' | 'ide' | 'fdc';

export interface StorageContext {
  vs: VirtualSystem;
  env: Envelope;
  items: Item[];
  placements: DiskPlacement[];
  options: RenderOptions;
  /** The OVF environment ISO to attach, already checked against the iso transport. */
  ovfEnvIso?: string;
  notes: string[];
  /** A disk that cannot be rendered is an error, located at its Item (a VM without its disks must not deploy). */
  problems: Diagnostic[];
}

export interface RenderedStorage {
  disks: XmlNode[];
  controllers: XmlNode[];
}

function controllerKind(item: Item): ControllerKind | undefined {
  switch (item.resourceType) {
    case ResourceType.IDEController:
      return 'ide';
    case ResourceType.ParallelSCSIHBA:
      return 'scsi';
    case ResourceType.OtherStorageDevice: // VMware and VirtualBox write SATA as 20 with subtype AHCI
      return /ahci|sata/i.test(item.resourceSubType ?? '') ? 'sata' : 'other';
    case ResourceType.USBController:
      return 'usb';
    case ResourceType.FCHBA:
    case ResourceType.iSCSIHBA:
    case ResourceType.IBHCA:
      return 'other';
    default:
      return undefined;
  }
}

export function renderStorage(ctx: StorageContext): RenderedStorage {
  const controllers = renderControllers(ctx);
  const names = new DeviceNames();
  const disks: XmlNode[] = [];
  const cdroms: Array<{ node: XmlNode; empty: boolean }> = [];
  for (const item of sortDrives(ctx.items)) {
    const kind = driveKind(item);
    if (kind === 'disk') disks.push(...optional(hardDisk(ctx, item, names)));
    else if (kind === 'floppy') disks.push(...optional(floppy(ctx, item, names)));
    else cdroms.push(cdrom(ctx, item, names));
  }
  attachOvfEnvironment(ctx, cdroms, names);
  if (disks.some(isOnBus('scsi')) && !controllers.some((c) => attribute(c, 'type') === 'scsi')) controllers.unshift(element('controller', { type: 'scsi', index: 0, model: 'virtio-scsi' }));
  return { disks: [...disks, ...cdroms.map((c) => c.node)], controllers };
}

function renderControllers(ctx: StorageContext): XmlNode[] {
  const out: XmlNode[] = [];
  const index = { scsi: 0, sata: 0 };
  let usb = false;
  for (const item of ctx.items) {
    const kind = controllerKind(item);
    const where = locate(ctx.vs, item);
    if (kind === 'scsi') out.push(element('controller', { type: 'scsi', index: index.scsi++, model: scsiModel(ctx, item) }));
    else if (kind === 'sata') out.push(element('controller', { type: 'sata', index: index.sata++ }));
    else if (kind === 'usb' && !usb) {
      usb = true;
      out.push(element('controller', { type: 'usb', index: 0, model: 'qemu-xhci' }));
      ctx.notes.push(`${where}: USB controller${item.resourceSubType ? ` (${item.resourceSubType})` : ''} → qemu-xhci`);
    } else if (kind === 'usb') ctx.notes.push(`${where}: second USB controller omitted; one qemu-xhci controller serves every port`);
    else if (kind === 'ide' && isQ35(ctx.options.machine)) ctx.notes.push(`${where}: IDE controller omitted: q35 has no IDE bus; its drives move to other buses`);
    else if (kind === 'other')
      ctx.notes.push(`${where}: storage controller (ResourceType ${item.resourceType}${item.resourceSubType ? `, ${item.resourceSubType}` : ''}) not rendered; its drives use the default bus`);
  }
  return out;
}

/** libvirt SCSI models; anything else (lsilogic, buslogic, VirtualSCSI, lsilogicsas by default) → virtio-scsi. */
function scsiModel(ctx: StorageContext, item: Item): string {
  const subType = (item.resourceSubType ?? '').trim().toLowerCase();
  const model = ctx.options.scsiModelMap?.[subType] ?? 'virtio-scsi';
  if (subType !== '' && subType !== model) ctx.notes.push(`${locate(ctx.vs, item)}: SCSI controller ${item.resourceSubType} → ${model}`);
  return model;
}

/** Drives ordered by controller (its type's first appearance, then rasd:Address), then AddressOnParent, then document order. */
function sortDrives(items: Item[]): Item[] {
  const controllers = items.filter((i) => controllerKind(i) !== undefined);
  const typeRank = (i: Item) => controllers.findIndex((c) => controllerKind(c) === controllerKind(i));
  const ranked = [...controllers].sort((a, b) => typeRank(a) - typeRank(b) || num(a.address) - num(b.address) || items.indexOf(a) - items.indexOf(b));
  const rank = (d: Item) => {
    const r = ranked.findIndex((c) => c.instanceId !== undefined && c.instanceId === d.parent);
    return r === -1 ? Number.MAX_SAFE_INTEGER : r;
  };
  return items.filter((i) => driveKind(i) !== undefined).sort((a, b) => rank(a) - rank(b) || num(a.addressOnParent) - num(b.addressOnParent) || items.indexOf(a) - items.indexOf(b));
}

function num(text: string | undefined): number {
  return parseUnsigned(text) ?? Number.MAX_SAFE_INTEGER;
}

function parentKind(ctx: StorageContext, item: Item): ControllerKind | undefined {
  const parent = ctx.items.find((i) => i.instanceId !== undefined && i.instanceId === item.parent);
  return parent ? controllerKind(parent) : undefined;
}

function placementFor(ctx: StorageContext, item: Item): DiskPlacement | undefined {
  return item.instanceId === undefined ? undefined : ctx.placements.find((p) => p.instanceId === item.instanceId);
}

function hardDisk(ctx: StorageContext, item: Item, names: DeviceNames): XmlNode | undefined {
  const where = locate(ctx.vs, item);
  const placement = placementFor(ctx, item);
  if (!placement) {
    ctx.problems.push(diagnostic('render-disk', 'error', `${where}: disk cannot be rendered: ${whyUnplaced(ctx, item)}`, item.loc, where));
    return undefined;
  }
  let wanted: Bus = ctx.options.diskBus ?? 'virtio';
  if (wanted === 'ide' && isQ35(ctx.options.machine)) wanted = 'sata';
  const { bus, dev } = names.place(wanted, where, ctx.notes);
  const was = parentKind(ctx, item);
  if (was !== bus) ctx.notes.push(`${where}: disk on ${was === undefined ? 'no controller' : `${was.toUpperCase()} controller`} → ${bus} bus`);
  return diskElement('disk', placement.format ?? 'qcow2', placement.overlayPath, dev, bus);
}

function whyUnplaced(ctx: StorageContext, item: Item): string {
  const host = resolveHostResource(ctx.env, item);
  if (host.kind === 'none') return 'it has no HostResource';
  if (host.kind === 'unresolved') return `HostResource '${host.reference}' names no Disk or File in the package`;
  return `no DiskPlacement for ${host.kind === 'disk' ? `Disk '${host.disk.diskId}'` : `File '${host.file.id}'`}`;
}

/** Floppies render on every machine type: libvirt puts them on an isa-fdc on q35 (measured here: libvirt 9, QEMU 7.2 define and start it, with or without a medium). */
function floppy(ctx: StorageContext, item: Item, names: DeviceNames): XmlNode | undefined {
  const dev = names.next('fdc');
  if (dev === undefined) {
    ctx.notes.push(`${locate(ctx.vs, item)}: floppy drive omitted: the floppy controller takes two drives`);
    return undefined;
  }
  const placement = placementFor(ctx, item);
  return diskElement('floppy', placement?.format ?? 'raw', placement?.overlayPath, dev, 'fdc');
}

function cdrom(ctx: StorageContext, item: Item, names: DeviceNames): { node: XmlNode; empty: boolean } {
  const where = locate(ctx.vs, item);
  const { bus, dev } = names.place(cdromBus(ctx.options), where, ctx.notes);
  const placement = placementFor(ctx, item);
  const was = parentKind(ctx, item);
  if (was !== undefined && was !== bus) ctx.notes.push(`${where}: CD-ROM on ${was.toUpperCase()} controller → ${bus} bus`);
  const host = placement ? undefined : resolveHostResource(ctx.env, item);
  // The drive still works empty; the medium the package names is lost, which deserves more than a note.
  if (host?.kind === 'unresolved')
    ctx.problems.push(diagnostic('render-disk', 'warning', `${where}: CD-ROM left empty: HostResource '${host.reference}' names no Disk or File in the package`, item.loc, where));
  return { node: diskElement('cdrom', placement?.format ?? 'raw', placement?.overlayPath, dev, bus), empty: !placement };
}

/** CD-ROMs: SATA on q35 (virtio-blk cannot be a CD-ROM), IDE on i440fx machines. */
function cdromBus(options: RenderOptions): Bus {
  return isQ35(options.machine) ? 'sata' : 'ide';
}

/** DSP0243 §11.2 iso transport: the environment ISO goes in a CD-ROM drive; the first empty one, else a new one. */
function attachOvfEnvironment(ctx: StorageContext, cdroms: Array<{ node: XmlNode; empty: boolean }>, names: DeviceNames): void {
  if (ctx.ovfEnvIso === undefined) return;
  const empty = cdroms.find((c) => c.empty);
  if (empty) {
    empty.node.children.splice(1, 0, element('source', { file: ctx.ovfEnvIso }));
    empty.empty = false;
    ctx.notes.push(`${ownerLocator(ctx.vs)}: ovf-env ISO attached to the first empty CD-ROM drive`);
    return;
  }
  const { bus, dev } = names.place(cdromBus(ctx.options), ownerLocator(ctx.vs), ctx.notes);
  cdroms.push({ node: diskElement('cdrom', 'raw', ctx.ovfEnvIso, dev, bus), empty: false });
  ctx.notes.push(`${ownerLocator(ctx.vs)}: CD-ROM drive added for the ovf-env ISO`);
}

function diskElement(device: 'disk' | 'cdrom' | 'floppy', format: string, source: string | undefined, dev: string, bus: Bus): XmlNode {
  return element(
    'disk',
    { type: 'file', device },
    element('driver', { name: 'qemu', type: format }),
    source === undefined ? undefined : element('source', { file: source }),
    element('target', { dev, bus }),
    device === 'disk' ? undefined : element('readonly'),
  );
}

/**
 * Drives one controller takes where libvirt allows only one: the i440fx IDE
 * controller has two channels of two ("Only 1 IDE controller is supported"),
 * the floppy controller two drives.
 */
const CAPACITY: Partial<Record<Bus, number>> = { ide: 4, fdc: 2 };

/** Target names per prefix: vda, vdb… (virtio), sda… (SCSI and SATA share it), hda… (IDE), fda… (floppy). */
class DeviceNames {
  private readonly used = new Map<string, number>();
  /** The next free name on `bus`, or undefined when the bus is full. */
  next(bus: Bus): string | undefined {
    const prefix = { virtio: 'vd', scsi: 'sd', sata: 'sd', ide: 'hd', fdc: 'fd' }[bus];
    const n = this.used.get(prefix) ?? 0;
    if (n >= (CAPACITY[bus] ?? Infinity)) return undefined;
    this.used.set(prefix, n + 1);
    return prefix + letters(n);
  }
  /** A name on `bus`, moving to SATA (with a note) once the IDE bus is full. */
  place(bus: Bus, where: string, notes: string[]): { bus: Bus; dev: string } {
    const dev = this.next(bus);
    if (dev !== undefined) return { bus, dev };
    notes.push(`${where}: the ${bus.toUpperCase()} bus is full; drive moved to SATA`);
    return { bus: 'sata', dev: this.next('sata')! };
  }
}

/** 0 → a, 25 → z, 26 → aa: libvirt's virDiskNameToIndex in reverse. */
export function letters(n: number): string {
  let s = '';
  for (let i = n + 1; i > 0; i = Math.floor((i - 1) / 26)) s = String.fromCharCode(97 + ((i - 1) % 26)) + s;
  return s;
}

function attribute(node: XmlNode, name: string): string | number | undefined {
  return node.attributes.find(([k]) => k === name)?.[1];
}

function isOnBus(bus: Bus): (disk: XmlNode) => boolean {
  return (disk) => disk.children.some((c) => 'name' in c && c.name === 'target' && attribute(c, 'bus') === bus);
}

function optional<T>(value: T | undefined): T[] {
  return value === undefined ? [] : [value];
}
