/**
 * `inspect`'s view of hardware that depends on the deployment configuration
 * (DSP0243 §9.8): CPU, memory, drives and NICs of the default configuration
 * (the same selection render makes), the values of every other configuration
 * where they differ, and the firmware the package asks for.
 */
import { packageFirmware } from '../ovf/firmware.js';
import { ResourceType, RESOURCE_TYPE_NAMES } from '../ovf/cim.js';
import { virtualSystems, type Envelope, type Item, type VirtualSystem } from '../ovf/model.js';
import type { EnvelopeSummary, VirtualSystemSummary } from '../ovf/summary.js';
import { activeHardware, memoryKiB, vcpuCount } from '../render/hardware.js';
import { driveKind } from '../ovf/drive-kind.js';

export interface ConfigurationHardware {
  configuration: string;
  cpus?: number;
  memoryBytes?: number;
  nics: number;
  disks: number;
}

interface Sized {
  cpus?: number;
  memoryBytes?: number;
  nics: VirtualSystemSummary['nics'];
  disks: VirtualSystemSummary['disks'];
}

function sized(vs: VirtualSystem, items: Item[]): Sized {
  const has = (t: number) => items.some((i) => i.resourceType === t);
  const byId = new Map(items.map((i) => [i.instanceId, i]));
  return {
    cpus: has(ResourceType.Processor) ? vcpuCount(vs, items, []) : undefined,
    memoryBytes: has(ResourceType.Memory) ? memoryKiB(vs, items, []) * 1024 : undefined,
    nics: items
      .filter((i) => i.resourceType === ResourceType.EthernetAdapter || i.element === 'EthernetPortItem')
      .map((i) => ({ instanceId: i.instanceId, network: i.connection[0], model: i.resourceSubType, portProfile: i.networkPortProfileId })),
    disks: items
      .filter((i) => driveKind(i) !== undefined)
      .map((i) => ({
        instanceId: i.instanceId,
        hostResource: i.hostResource[0],
        controller: i.parent ? RESOURCE_TYPE_NAMES[byId.get(i.parent)?.resourceType ?? 0] : undefined,
        kind: RESOURCE_TYPE_NAMES[i.resourceType ?? 0] ?? 'Other',
      })),
  };
}

/** Rewrites each VirtualSystem summary's hardware for the default configuration and adds the others and the firmware. */
export function addConfigurationHardware(env: Envelope, summary: EnvelopeSummary): void {
  const systems = [...virtualSystems(env.content)];
  for (const s of summary.virtualSystems) {
    const vs = systems.find((v) => v.id === s.id);
    if (!vs) continue;
    const active = activeHardware(vs, env, undefined, []);
    Object.assign(s, sized(vs, active.items));
    s.configuration = active.configuration;
    const fw = packageFirmware(vs);
    s.firmware = fw.unknown ? `unknown (${fw.unknown.value})` : fw.firmware === 'efi' ? (fw.secureBoot ? 'efi-secure' : 'efi') : 'bios';
    const others: ConfigurationHardware[] = [];
    for (const c of env.configurations) {
      if (c.id === active.configuration) continue;
      const h = sized(vs, activeHardware(vs, env, c.id, []).items);
      if (h.cpus !== s.cpus || h.memoryBytes !== s.memoryBytes || h.nics.length !== s.nics.length || h.disks.length !== s.disks.length)
        others.push({ configuration: c.id, cpus: h.cpus, memoryBytes: h.memoryBytes, nics: h.nics.length, disks: h.disks.length });
    }
    if (others.length > 0) s.otherConfigurations = others;
  }
}
