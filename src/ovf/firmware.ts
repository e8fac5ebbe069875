/**
 * The firmware a VirtualSystem was built for. DSP0243 has no element for it
 * (neither 1.x nor 2.x; CIM_VirtualSystemSettingData has no firmware
 * property), so producers write it in their own extensions, which this reads
 * whatever the envelope version:
 *   - VMware (ovftool, open-vmdk): `<vmw:Config vmw:key="firmware" vmw:value="efi"/>`
 *     and `vmw:key="uefi.secureBoot.enabled"` in the VirtualHardwareSection
 *     (some tools qualify the attributes with ovf: instead of vmw:; ovftool's
 *     extra-config export writes the same keys as `vmw:ExtraConfig`);
 *   - VirtualBox: `<Firmware type="EFI"/>` in `vbox:Machine/Hardware`
 *     (BIOS, EFI, EFI32, EFI64, EFIDUAL).
 * Pure; an unknown value is reported with its location, not guessed.
 */
import type { SourceLocation } from '../diagnostics/diagnostic.js';
import type { VirtualSystem } from './model.js';
import type { XmlElement } from '../xml/element.js';

export const VMWARE_OVF_NS = 'http://www.vmware.com/schema/ovf';
export const VBOX_OVF_NS = 'http://www.virtualbox.org/ovf/machine';

export type FirmwareKind = 'bios' | 'efi';

export interface PackageFirmware {
  firmware?: FirmwareKind;
  secureBoot?: boolean;
  /** Where it was read, for notes: e.g. `vmw:Config firmware=efi`. */
  source?: string;
  /** A firmware value this reader does not know (rendered as BIOS, with a warning). */
  unknown?: { value: string; loc: SourceLocation; source: string };
}

export function packageFirmware(vs: VirtualSystem): PackageFirmware {
  const out: PackageFirmware = {};
  const file = vs.loc.file;
  for (const section of vs.element.children.filter((c) => c.local === 'VirtualHardwareSection'))
    for (const config of section.children.filter((c) => (c.local === 'Config' || c.local === 'ExtraConfig') && c.ns === VMWARE_OVF_NS)) {
      const key = attribute(config, 'key');
      const value = attribute(config, 'value')?.trim() ?? '';
      if (key === 'firmware' && out.firmware === undefined && out.unknown === undefined) read(out, value, `vmw:Config firmware=${value}`, { file, line: config.line, column: config.column });
      if (key === 'uefi.secureBoot.enabled') out.secureBoot = /^(true|1|yes)$/i.test(value);
    }
  if (out.firmware === undefined && out.unknown === undefined) {
    const machine = vs.element.children.find((c) => c.local === 'Machine' && c.ns === VBOX_OVF_NS);
    const hardware = machine?.children.find((c) => c.local === 'Hardware');
    const fw = hardware?.children.find((c) => c.local === 'Firmware');
    const type = fw ? attribute(fw, 'type') : undefined;
    if (fw && type !== undefined) read(out, type.trim(), `vbox:Machine Firmware type=${type}`, { file, line: fw.line, column: fw.column });
  }
  return out;
}

function read(out: PackageFirmware, value: string, source: string, loc: SourceLocation): void {
  const v = value.toLowerCase();
  if (v === 'bios') out.firmware = 'bios';
  else if (v === 'efi' || v === 'uefi' || v === 'efi64' || v === 'efidual') out.firmware = 'efi';
  else {
    out.unknown = { value, loc, source };
    return;
  }
  out.source = source;
}

/** `key`/`value`/`type` in whatever namespace the producer used (vmw:, ovf: or none). */
function attribute(el: XmlElement, local: string): string | undefined {
  return el.attributes.find((a) => a.local === local)?.value;
}
