/**
 * The virtualport types, in one table: the `<parameters>` each accepts (with
 * the value type and whether libvirt requires it), the interface modes it
 * works with, whether it is associated by VDP (lldpad) when the domain
 * starts, and what a profile catalog offer of that type may and must say.
 * Profile validation, the catalog reader, render and deploy all read it.
 *
 * Sources: src/conf/schemas/networkcommon.rng (virtualPortProfile),
 * src/util/virnetdevvportprofile.c (CheckComplete, CheckNoExtras, Associate).
 */
import type { MacroTypeName } from '../macros/types.js';
import type { VirtualPortType } from './model.js';

export interface ParameterSpec {
  name: string;
  type: MacroTypeName;
  /**
   * Whether libvirt requires it on a direct or bridge interface
   * (virNetDevVPortProfileCheckComplete, called with VIR_VPORT_XML_REQUIRE_ALL_ATTRIBUTES):
   * 'yes'; 'generated' when libvirt fills in a random UUID instead (VIR_VPORT_XML_GENERATE_MISSING_DEFAULTS);
   * 'no' when optional.
   */
  required: 'yes' | 'generated' | 'no';
}

export type InterfaceMode = 'direct' | 'bridge' | 'network';

export interface VirtualPortTypeSpec {
  /**
   * `<parameters>` attributes in libvirt's order (formatdomain "virtualport"). The RNG rejects any
   * other parameter for a type, including on midonet, where the C CheckNoExtras is silent.
   */
  parameters: readonly ParameterSpec[];
  /**
   * Interface modes it works with. `network` takes any: the network's forward mode decides at start.
   * libvirt associates only 802.1Qbg and 802.1Qbh on direct (macvtap) interfaces, and plugs only
   * openvswitch and midonet ports on bridges (virNetDevVPortProfileAssociate).
   */
  modes: readonly InterfaceMode[];
  /** Associated through VDP when the domain starts: the host needs lldpad. */
  vdp: boolean;
  /** Keys a profile catalog offer of this type may set, and those it must set. */
  catalog: { keys: readonly string[]; required: readonly string[] };
}

export const VIRTUALPORT_TYPES: Readonly<Record<VirtualPortType, VirtualPortTypeSpec>> = {
  '802.1Qbg': {
    parameters: [
      { name: 'managerid', type: 'libvirt-uint8', required: 'yes' },
      { name: 'typeid', type: 'uint24', required: 'yes' },
      { name: 'typeidversion', type: 'libvirt-uint8', required: 'yes' },
      { name: 'instanceid', type: 'uuid', required: 'generated' },
    ],
    modes: ['direct', 'network'],
    vdp: true,
    catalog: { keys: ['managerid', 'typeid', 'typeidversion'], required: ['managerid', 'typeid'] },
  },
  '802.1Qbh': {
    parameters: [{ name: 'profileid', type: 'virtualport-profileid', required: 'yes' }],
    modes: ['direct', 'network'],
    vdp: true,
    catalog: { keys: ['profileid'], required: ['profileid'] },
  },
  openvswitch: {
    parameters: [
      { name: 'interfaceid', type: 'uuid', required: 'generated' },
      { name: 'profileid', type: 'virtualport-profileid', required: 'no' },
    ],
    modes: ['bridge', 'network'],
    vdp: false,
    catalog: { keys: ['profileid'], required: [] },
  },
  midonet: {
    parameters: [{ name: 'interfaceid', type: 'uuid', required: 'yes' }],
    modes: ['bridge', 'network'],
    vdp: false,
    catalog: { keys: [], required: [] },
  },
};

export const VIRTUALPORT_TYPE_NAMES = Object.keys(VIRTUALPORT_TYPES) as VirtualPortType[];

/** The spec of a type, or undefined for a type we do not know (a malformed profile). */
export function virtualPortType(type: string): VirtualPortTypeSpec | undefined {
  return Object.hasOwn(VIRTUALPORT_TYPES, type) ? VIRTUALPORT_TYPES[type as VirtualPortType] : undefined;
}

/** Parameters per type (the `parameters` column of the table). */
export const VIRTUALPORT_PARAMETERS: Readonly<Record<VirtualPortType, readonly ParameterSpec[]>> = Object.fromEntries(
  VIRTUALPORT_TYPE_NAMES.map((t) => [t, VIRTUALPORT_TYPES[t].parameters]),
) as Record<VirtualPortType, readonly ParameterSpec[]>;

/** Whether a NIC with this virtualport type needs VDP (lldpad) on the host when it starts. */
export function needsVdp(type: VirtualPortType | undefined): boolean {
  return type !== undefined && virtualPortType(type)?.vdp === true;
}

/** Every key a catalog offer of some type may set, in table order. */
export const CATALOG_OFFER_KEYS: readonly string[] = [...new Set(VIRTUALPORT_TYPE_NAMES.flatMap((t) => VIRTUALPORT_TYPES[t].catalog.keys))];
