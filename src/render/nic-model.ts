/**
 * NIC model mapping: the OVF `rasd:ResourceSubType` of an Ethernet adapter
 * Item (DSP1041 leaves the values to vendors: VMware writes `VmxNet3`,
 * `E1000`, `PCNet32`; VirtualBox `E1000`, `PCNet32`; some tools the vSphere
 * API names `VirtualVmxnet3`) → a libvirt `<model type>` (formatdomain,
 * "Setting the NIC model").
 *
 * KVM guests get paravirtual virtio by default: none of the emulated VMware
 * or AMD models exists in QEMU in a form worth keeping, and every modern
 * guest kernel ships virtio-net.
 */

/** The default map, keyed by normalised subtype (see `normalizeNicSubType`). */
export const DEFAULT_NIC_MODEL_MAP: Readonly<Record<string, string>> = Object.freeze({
  vmxnet3: 'virtio',
  vmxnet2: 'virtio',
  vmxnet: 'virtio',
  e1000: 'virtio',
  e1000e: 'virtio',
  pcnet32: 'virtio',
  virtio: 'virtio',
});

/** The model used for subtypes found in neither the given map nor the defaults (and for absent subtypes). */
export const FALLBACK_NIC_MODEL = 'virtio';

/** Lower-cases and drops the vSphere API `Virtual` prefix and separators: `VirtualE1000e` → `e1000e`, `VirtIO` → `virtio`. */
export function normalizeNicSubType(subType: string): string {
  return subType
    .trim()
    .toLowerCase()
    .replace(/^virtual(?=.)/, '')
    .replace(/[\s_-]/g, '');
}

/**
 * The libvirt model for a NIC Item's ResourceSubType. `map` (usually
 * `RenderOptions.nicModelMap`) is consulted first, then the defaults; its keys
 * are compared after the same normalisation, so `{ E1000: 'e1000' }` works.
 */
export function nicModelFor(subType: string | undefined, map: Readonly<Record<string, string>> = DEFAULT_NIC_MODEL_MAP): string {
  if (subType === undefined || subType.trim() === '') return FALLBACK_NIC_MODEL;
  const key = normalizeNicSubType(subType);
  for (const [k, v] of Object.entries(map)) if (normalizeNicSubType(k) === key) return v;
  return DEFAULT_NIC_MODEL_MAP[key] ?? FALLBACK_NIC_MODEL;
}
