/**
 * Which hardware a VirtualSystem asks for, once a deployment configuration is
 * chosen (DSP0243 §9.4 VirtualHardwareSection, §9.8 DeploymentOptionSection),
 * and the CPU and memory quantities it names (DSP1041 RASD VirtualQuantity
 * with AllocationUnits / VirtualQuantityUnits in DSP0004 Annex C units).
 *
 * Pure and tolerant: a descriptor with no processor or memory Item, or with
 * values that cannot be read, still renders, with defaults and a note.
 */
import { OvfpipeError } from '../diagnostics/errors.js';
import { itemLocator } from '../ovf/locators.js';
import { ResourceType } from '../ovf/cim.js';
import type { Envelope, Item, VirtualHardwareSection, VirtualSystem } from '../ovf/model.js';
import { byteUnitMultiplier, parseUnsigned, scaledQuantity } from '../ovf/units.js';
import { abbreviate } from '../strings.js';

/** Used when the descriptor names no usable memory size: 1 GiB. */
export const DEFAULT_MEMORY_KIB = 1024 * 1024;
/** Used when the descriptor names no usable processor count. */
export const DEFAULT_VCPUS = 1;
/** libvirt's `<vcpu>` is an unsignedShort (domaincommon.rng countCPU). */
const MAX_VCPUS = 65535;

export interface ActiveHardware {
  /** The configuration rendered; undefined when the package declares none and none was asked for. */
  configuration?: string;
  section?: VirtualHardwareSection;
  /** Items in document order after configuration selection and overrides. */
  items: Item[];
  /** ovf:transport of the chosen section (DSP0243 §11.1), e.g. ['iso']. */
  transport: string[];
}

export function ownerLocator(vs: VirtualSystem): string {
  return `VirtualSystem[${vs.id}]`;
}

export function locate(vs: VirtualSystem, item: Item): string {
  return itemLocator(ownerLocator(vs), item);
}

/**
 * The Items that apply to `configuration` (or the package default).
 * DSP0243 §9.8: an Item with ovf:configuration applies only to the listed
 * configurations; one without applies to all. A configuration-specific Item
 * that shares its InstanceID with an unconfigured one overrides it.
 * Items with ovf:bound min/max describe ranges, not the value to deploy (§9.4).
 */
export function activeHardware(vs: VirtualSystem, env: Envelope, configuration: string | undefined, notes: string[]): ActiveHardware {
  const chosen = resolveConfiguration(env, configuration);
  const section = chooseSection(vs, notes);
  if (!section) return { configuration: chosen, items: [], transport: [] };
  const applicable = section.items.filter((i) => (i.bound === undefined || i.bound === 'normal') && (i.configuration === undefined || (chosen !== undefined && i.configuration.includes(chosen))));
  return { configuration: chosen, section, items: applyOverrides(applicable), transport: section.transport };
}

function resolveConfiguration(env: Envelope, wanted: string | undefined): string | undefined {
  const ids = env.configurations.map((c) => c.id);
  if (wanted !== undefined) {
    // DSP0243 §9.8: only a declared configuration can be chosen; a typo must not silently render the defaults.
    if (!ids.includes(wanted))
      throw new OvfpipeError(
        'OVFPIPE_USAGE',
        `unknown configuration '${wanted}'; ${ids.length > 0 ? `the package declares: ${ids.join(', ')}` : 'the package declares none (no DeploymentOptionSection)'}`,
      );
    return wanted;
  }
  // DSP0243 §9.8: the default is the one marked ovf:default="true", else the first.
  return (env.configurations.find((c) => c.isDefault) ?? env.configurations[0])?.id;
}

function chooseSection(vs: VirtualSystem, notes: string[]): VirtualHardwareSection | undefined {
  const sections = vs.virtualHardware;
  if (sections.length <= 1) return sections[0];
  // DSP0243 §9.4: several sections describe alternative platforms; prefer one meant for KVM/QEMU.
  const kvm = sections.find((s) => /kvm|qemu|libvirt/i.test(s.systemType ?? ''));
  const section = kvm ?? sections[0]!;
  notes.push(`${ownerLocator(vs)}: ${sections.length} VirtualHardwareSections; rendering the one with VirtualSystemType '${section.systemType ?? '(none)'}'`);
  return section;
}

function applyOverrides(items: Item[]): Item[] {
  // Only a configuration-specific Item replaces; duplicate unconfigured InstanceIDs are a lint error, kept as written.
  const overridden = new Set(items.filter((i) => i.configuration !== undefined && i.instanceId !== undefined).map((i) => i.instanceId));
  return items.filter((i) => i.configuration !== undefined || !overridden.has(i.instanceId));
}

/** The Item of a type that sizes the VM: a configuration-specific one wins over an unconfigured one. */
function sizingItem(items: Item[], type: number): Item | undefined {
  const all = items.filter((i) => i.resourceType === type);
  return all.find((i) => i.configuration !== undefined) ?? all[0];
}

/** Memory in KiB from the memory Item (ResourceType 4). */
export function memoryKiB(vs: VirtualSystem, items: Item[], notes: string[]): number {
  const item = sizingItem(items, ResourceType.Memory);
  if (!item) {
    notes.push(`${ownerLocator(vs)}: no memory Item; using ${DEFAULT_MEMORY_KIB} KiB`);
    return DEFAULT_MEMORY_KIB;
  }
  const quantity = parseUnsigned(item.virtualQuantity);
  const multiplier = memoryUnitMultiplier(item);
  const bytes = scaledQuantity(quantity, multiplier);
  if (bytes === undefined || bytes <= 0) {
    const units = item.virtualQuantityUnits ?? item.allocationUnits ?? '(none)';
    notes.push(`${locate(vs, item)}: memory '${abbreviate(item.virtualQuantity ?? '')}' in units '${abbreviate(units)}' is not usable; using ${DEFAULT_MEMORY_KIB} KiB`);
    return DEFAULT_MEMORY_KIB;
  }
  return Math.ceil(bytes / 1024);
}

/**
 * DSP1041: VirtualQuantityUnits, where present, is the unit of
 * VirtualQuantity; older descriptors put it in AllocationUnits. Neither
 * present: megabytes, as every OVF producer means it (and DSP0243's examples).
 */
function memoryUnitMultiplier(item: Item): number | undefined {
  for (const units of [item.virtualQuantityUnits, item.allocationUnits]) {
    if (units === undefined || units.trim() === '') continue;
    const m = byteUnitMultiplier(units);
    if (m !== undefined) return m;
  }
  const stated = [item.virtualQuantityUnits, item.allocationUnits].some((u) => u !== undefined && u.trim() !== '');
  return stated ? undefined : 2 ** 20;
}

/** vCPU count from the processor Item (ResourceType 3; VirtualQuantity counts processors). */
export function vcpuCount(vs: VirtualSystem, items: Item[], notes: string[]): number {
  const item = sizingItem(items, ResourceType.Processor);
  if (!item) {
    notes.push(`${ownerLocator(vs)}: no processor Item; using ${DEFAULT_VCPUS} vCPU`);
    return DEFAULT_VCPUS;
  }
  const count = parseUnsigned(item.virtualQuantity);
  if (count === undefined || count < 1 || count > MAX_VCPUS) {
    notes.push(`${locate(vs, item)}: processor count '${abbreviate(item.virtualQuantity ?? '')}' is not usable; using ${DEFAULT_VCPUS} vCPU`);
    return DEFAULT_VCPUS;
  }
  return count;
}
