/**
 * Firmware → libvirt `<os>` (formatdomain "Operating system booting", BIOS
 * and UEFI autoselection): `<os firmware='efi'>` lets libvirt pick an OVMF
 * build from the host's firmware descriptors (/usr/share/qemu/firmware);
 * secure boot asks for one with the `secure-boot` and `enrolled-keys`
 * features, which needs SMM (`<features><smm state='on'/>`) and q35; plain
 * UEFI asks for `secure-boot` disabled, so it gets a build without SMM.
 *
 * `--firmware bios|efi|efi-secure` overrides what the package says; an
 * unknown package value renders BIOS with a warning.
 */
import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { packageFirmware } from '../ovf/firmware.js';
import type { VirtualSystem } from '../ovf/model.js';
import { element, type XmlNode } from '../xml/writer.js';
import { ownerLocator } from './hardware.js';
import { isQ35 } from './options.js';
import type { RenderOptions } from './types.js';

export type FirmwareChoice = 'bios' | 'efi' | 'efi-secure';
export const FIRMWARE_CHOICES: readonly FirmwareChoice[] = ['bios', 'efi', 'efi-secure'];

export interface RenderedFirmware {
  firmware: FirmwareChoice;
  /** `firmware` attribute of `<os>`, absent for BIOS (libvirt's default). */
  osAttribute?: 'efi';
  /** `<firmware>` inside `<os>` (secure boot features). */
  osChild?: XmlNode;
  /** `<smm state='on'/>` for `<features>`. */
  feature?: XmlNode;
}

export function renderFirmware(vs: VirtualSystem, options: RenderOptions, notes: string[], problems: Diagnostic[]): RenderedFirmware {
  const owner = ownerLocator(vs);
  const found = packageFirmware(vs);
  let firmware: FirmwareChoice;
  if (options.firmware !== undefined) {
    firmware = options.firmware;
    if (found.source) notes.push(`${owner}: firmware ${firmware} (--firmware) instead of the package's ${found.source}`);
  } else if (found.unknown) {
    problems.push(
      diagnostic('render-firmware', 'warning', `${owner}: unknown firmware '${found.unknown.value}' (${found.unknown.source}); rendering BIOS (use --firmware to choose)`, found.unknown.loc, owner),
    );
    firmware = 'bios';
  } else {
    firmware = found.firmware === 'efi' ? (found.secureBoot ? 'efi-secure' : 'efi') : 'bios';
    if (found.source) notes.push(`${owner}: firmware ${firmware} from ${found.source}${found.secureBoot ? ' with uefi.secureBoot.enabled' : ''}`);
  }
  if (firmware === 'bios') return { firmware };
  // Plain UEFI says "no secure boot" outright: autoselection would otherwise prefer the hosts' secure
  // builds (Debian's 40-edk2-x86_64-secure-enrolled.json), which need SMM the guest did not ask for.
  if (firmware === 'efi') return { firmware, osAttribute: 'efi', osChild: element('firmware', {}, element('feature', { enabled: 'no', name: 'secure-boot' })) };
  if (!isQ35(options.machine)) notes.push(`${owner}: secure boot needs a q35 machine type; '${options.machine}' may not start`);
  return {
    firmware,
    osAttribute: 'efi',
    osChild: element('firmware', {}, element('feature', { enabled: 'yes', name: 'secure-boot' }), element('feature', { enabled: 'yes', name: 'enrolled-keys' })),
    feature: element('smm', { state: 'on' }),
  };
}
