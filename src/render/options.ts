/**
 * Render defaults (PRODUCT.md §6): a q35 KVM guest with paravirtual devices
 * and VNC on loopback. The CPU default is QEMU's own model (no <cpu>
 * element): measured here under nested KVM, both host-passthrough and
 * host-model fail at `virsh start` ("failed to set MSR 0x10a"), while the
 * default model starts everywhere. `--cpu-mode host-model` is the faster
 * choice on bare-metal hosts.
 */
import { DEFAULT_NIC_MODEL_MAP } from './nic-model.js';
import type { RenderOptions } from './types.js';

export const DEFAULT_RENDER_OPTIONS: Readonly<RenderOptions> = Object.freeze({
  domainType: 'kvm',
  machine: 'q35',
  cpuMode: 'default',
  nicModelMap: { ...DEFAULT_NIC_MODEL_MAP },
  diskBus: 'virtio',
  graphics: 'vnc',
});

/** The defaults with `overrides` applied (a fresh object each call). */
export function renderOptions(overrides: Partial<RenderOptions> = {}): RenderOptions {
  return { ...DEFAULT_RENDER_OPTIONS, nicModelMap: { ...DEFAULT_RENDER_OPTIONS.nicModelMap }, ...overrides };
}

/** True for machine types of the q35 family (`q35`, `pc-q35-7.2`): no IDE bus, no floppy controller. */
export function isQ35(machine: string): boolean {
  return /(^|-)q35(-|$)/.test(machine);
}
