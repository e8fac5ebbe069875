/**
 * What render works from: a VirtualSystem plus everything resolved per tenant
 * and VM before rendering (macros, MACs, disk placement). Render itself is a
 * pure function of these (ARCHITECTURE.md: resolve → render → plan).
 */
import type { BandwidthLimits, DirectMode, InterfaceMode, VirtualPortSpec, VlanSpec } from '../netsec/model.js';

/** A NIC with every value resolved (no macros left). */
export interface ResolvedNic {
  /** rasd:InstanceID of the NIC Item. */
  instanceId: string;
  /** OVF network name it connects to. */
  network?: string;
  mac: string;
  /** libvirt model type, e.g. 'virtio', 'e1000', 'rtl8139'. */
  model: string;
  mode: InterfaceMode;
  /** Device (direct), bridge (bridge) or libvirt network name (network). */
  source: string;
  sourceMode?: DirectMode;
  virtualport?: VirtualPortSpec;
  /** Tenant-scoped filter name (or a built-in), with resolved parameters; repeated names are lists. */
  filterref?: { filter: string; parameters: Array<{ name: string; value: string }> };
  vlan?: VlanSpec;
  bandwidth?: { inbound?: BandwidthLimits; outbound?: BandwidthLimits };
}

/** Where a disk of the VM lives on the host after upload and conversion (PRODUCT.md §7). */
export interface DiskPlacement {
  /** rasd:InstanceID of the drive Item. */
  instanceId: string;
  /** The qcow2 overlay the domain uses: `<storage>/vms/<domain>/<diskId>.qcow2`. */
  overlayPath: string;
  /** The content-addressed base image: `<storage>/images/<sha256>.qcow2`; absent for a blank disk. */
  basePath?: string;
  /** Virtual size in bytes (Disk capacity). */
  capacityBytes?: number;
  diskId?: string;
  /** Image format of `overlayPath` as libvirt's `<driver type>`: 'qcow2' (default) or 'raw' (e.g. an ISO on a CD-ROM drive). */
  format?: 'qcow2' | 'raw';
}

export interface RenderDomainInput {
  /** libvirt domain name, e.g. `acme-web`. */
  name: string;
  uuid: string;
  nics: ResolvedNic[];
  disks: DiskPlacement[];
  /** Path of the OVF environment ISO, when the package requests the iso transport. */
  ovfEnvIso?: string;
  /**
   * DeploymentOptionSection configuration id to render (DSP0243 §9.8). Absent:
   * the package's default configuration (ovf:default="true", else the first),
   * or only the unconfigured Items when the package declares none.
   */
  configuration?: string;
  /** Package name recorded in the domain's `<metadata>` (e.g. the OVA file name). */
  packageName?: string;
  /** Tenant recorded in the domain's `<metadata>`. */
  tenant?: string;
  options: RenderOptions;
}

export interface RenderOptions {
  /** 'kvm' (default) or 'qemu' (TCG) where KVM is absent. */
  domainType: 'kvm' | 'qemu';
  /** Machine type; default q35. */
  machine: string;
  /**
   * CPU mode: host-model (default) — host-passthrough crashes under nested KVM here; 'default' omits <cpu>.
   * Measured on these nested-KVM machines: a type='kvm' domain with host-model also fails at start
   * ("failed to set MSR 0x10a"); 'default' starts. Use 'default' (or domainType 'qemu') for e2e here.
   */
  cpuMode: 'host-model' | 'host-passthrough' | 'default';
  /** ResourceSubType (lower-cased) → libvirt NIC model; defaults map VmxNet3/E1000/PCNet32 → virtio. */
  nicModelMap: Record<string, string>;
  /** Disk bus for hard disks: virtio (default), scsi, sata, ide. */
  diskBus?: 'virtio' | 'scsi' | 'sata' | 'ide';
  /** SCSI controller ResourceSubType (lower-cased) → libvirt controller model; every subtype maps to virtio-scsi by default. */
  scsiModelMap?: Record<string, string>;
  /** Emulator path, when the host needs an explicit one. */
  emulator?: string;
  graphics: 'vnc' | 'spice' | 'none';
  /**
   * Where NICs on an OVF network attach instead of the libvirt network named
   * like it (--network OVFNAME=NET, --bridge OVFNAME=BR). A NIC bound to a
   * port profile keeps the profile's source.
   */
  networkMap?: Record<string, NetworkMapping>;
  /** Firmware, overriding what the package says (vmw:Config firmware, VirtualBox Firmware); absent: the package's, else BIOS. */
  firmware?: 'bios' | 'efi' | 'efi-secure';
}

/** An OVF network's home on the host. */
export interface NetworkMapping {
  mode: 'network' | 'bridge';
  /** libvirt network name or bridge name. */
  source: string;
}
