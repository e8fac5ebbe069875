/**
 * Render defaults (PRODUCT.md §6): a q35 KVM guest with paravirtual devices,
 * a host-model CPU and VNC on loopback. Under nested KVM (these test
 * machines) both host-passthrough and host-model fail at `virsh start`;
 * cpuMode 'default' starts (see RenderOptions.cpuMode).
 */
import { DEFAULT_NIC_MODEL_MAP } from './nic-model.js';
import type { RenderOptions } from './types.js';

export const DEFAULT_RENDER_OPTIONS: Readonly<RenderOptions> = Object.freeze({
  domainType: 'kvm',
  machine: 'q35',
  cpuMode: 'host-model',
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
