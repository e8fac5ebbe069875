/**
 * A plain, JSON-safe summary of an Envelope for `inspect` (no XML nodes, no
 * cycles). Password property values are masked (PRODUCT.md §4: secrets stay secret).
 */
import { ResourceType, RESOURCE_TYPE_NAMES } from './cim.js';
import type { Content, Envelope, Item, VirtualSystem } from './model.js';
import { driveKind } from './drive-kind.js';
import { byteUnitMultiplier, parseUnsigned, scaledQuantity } from './units.js';

export interface VirtualSystemSummary {
  id: string;
  name?: string;
  path: string;
  os?: { id?: string; osType?: string; description?: string };
  cpus?: number;
  memoryBytes?: number;
  transport: string[];
  nics: Array<{ instanceId?: string; network?: string; model?: string; portProfile?: string }>;
  disks: Array<{ instanceId?: string; hostResource?: string; controller?: string; kind: string }>;
  items: Array<{ instanceId?: string; resourceType?: number; type: string; name?: string; configuration?: string[] }>;
  properties: Array<{ key: string; class?: string; instance?: string; type: string; default?: string; userConfigurable: boolean; password: boolean; label?: string }>;
  /** inspect: the configuration cpus/memory/nics/disks describe (the package default), when it declares any. */
  configuration?: string;
  /** inspect: the firmware the package asks for (bios, efi, efi-secure). */
  firmware?: string;
  /** inspect: other configurations whose hardware differs from the default's. */
  otherConfigurations?: Array<{ configuration: string; cpus?: number; memoryBytes?: number; nics: number; disks: number }>;
}

export interface EnvelopeSummary {
  ovfVersion: string;
  file: string;
  references: Array<{ id: string; href: string; size?: number; compression?: string; chunkSize?: number }>;
  disks: Array<{ diskId: string; fileRef?: string; capacityBytes?: number; capacity: string; format?: string; populatedSize?: number }>;
  networks: Array<{ name: string; description?: string; portProfileUris: string[] }>;
  configurations: Array<{ id: string; default: boolean; label?: string }>;
  virtualSystems: VirtualSystemSummary[];
  collections: Array<{ id: string; path: string; members: string[] }>;
  unknownSections: Array<{ section: string; required: boolean; line: number }>;
}

export function summarizeEnvelope(env: Envelope): EnvelopeSummary {
  const out: EnvelopeSummary = {
    ovfVersion: env.version,
    file: env.file,
    references: env.references.map((f) => ({ id: f.id, href: f.href, size: f.size, compression: f.compression, chunkSize: f.chunkSize })),
    disks: env.disks.map((d) => ({ diskId: d.diskId, fileRef: d.fileRef, capacity: d.capacity, capacityBytes: d.capacityBytes, format: d.format, populatedSize: d.populatedSize })),
    networks: env.networks.map((n) => ({ name: n.name, description: n.description, portProfileUris: n.portProfileUris })),
    configurations: env.configurations.map((c) => ({ id: c.id, default: c.isDefault, label: c.label })),
    virtualSystems: [],
    collections: [],
    unknownSections: env.unknownSections.map((u) => ({ section: u.qname, required: u.required, line: u.loc.line })),
  };
  walk(env.content, [], out);
  return out;
}

function walk(c: Content | undefined, parents: string[], out: EnvelopeSummary): void {
  if (!c) return;
  const path = [...parents, c.id].join('/');
  if (c.kind === 'VirtualSystem') out.virtualSystems.push(summarizeSystem(c, path));
  else {
    out.collections.push({ id: c.id, path, members: c.content.map((k) => k.id) });
    for (const k of c.content) walk(k, [...parents, c.id], out);
  }
}

/** Items that apply to the default configuration: unconfigured ones, overridden by none. */
function defaultItems(vs: VirtualSystem): Item[] {
  return vs.virtualHardware.flatMap((v) => v.items).filter((i) => i.configuration === undefined && (i.bound === undefined || i.bound === 'normal'));
}

export function summarizeSystem(vs: VirtualSystem, path: string): VirtualSystemSummary {
  const items = defaultItems(vs);
  const cpu = items.find((i) => i.resourceType === ResourceType.Processor);
  const mem = items.find((i) => i.resourceType === ResourceType.Memory);
  const memQty = parseUnsigned(mem?.virtualQuantity);
  const memMult = byteUnitMultiplier(mem?.allocationUnits ?? 'byte * 2^20');
  const byId = new Map(items.map((i) => [i.instanceId, i]));
  return {
    id: vs.id,
    name: vs.name,
    path,
    os: vs.operatingSystem ? { id: vs.operatingSystem.id, osType: vs.operatingSystem.osType, description: vs.operatingSystem.description } : undefined,
    cpus: parseUnsigned(cpu?.virtualQuantity),
    memoryBytes: scaledQuantity(memQty, memMult),
    transport: vs.virtualHardware.flatMap((v) => v.transport),
    nics: items
      .filter((i) => i.resourceType === ResourceType.EthernetAdapter || i.element === 'EthernetPortItem')
      .map((i) => ({ instanceId: i.instanceId, network: i.connection[0], model: i.resourceSubType, portProfile: i.networkPortProfileId })),
    disks: items
      // The drives render attaches, including XenServer's ResourceType 19 with an ovf:/disk/ HostResource.
      .filter((i) => driveKind(i) !== undefined)
      .map((i) => ({
        instanceId: i.instanceId,
        hostResource: i.hostResource[0],
        controller: i.parent ? RESOURCE_TYPE_NAMES[byId.get(i.parent)?.resourceType ?? 0] : undefined,
        kind: RESOURCE_TYPE_NAMES[i.resourceType ?? 0] ?? 'Other',
      })),
    items: vs.virtualHardware
      .flatMap((v) => v.items)
      .map((i) => ({ instanceId: i.instanceId, resourceType: i.resourceType, type: RESOURCE_TYPE_NAMES[i.resourceType ?? 0] ?? i.element, name: i.elementName, configuration: i.configuration })),
    properties: vs.productSections.flatMap((ps) =>
      ps.properties.map((p) => ({
        key: p.key,
        class: ps.class,
        instance: ps.instance,
        type: p.type,
        default: p.password && p.defaultValue ? '***' : p.defaultValue,
        userConfigurable: p.userConfigurable,
        password: p.password,
        label: p.label,
      })),
    ),
  };
}
