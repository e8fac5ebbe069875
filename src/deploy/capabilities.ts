/**
 * What a host can run, checked before any byte is sent (PRODUCT.md §7
 * "Preflight"). libvirt answers per (domain type, arch, machine, emulator)
 * through `virsh domcapabilities`: it fails outright when the emulator lacks
 * the domain type ("KVM is not supported …") or the machine type, and lists
 * the firmware, loader features and disk buses it offers otherwise
 * (https://libvirt.org/formatdomaincaps.html). NIC models are QEMU devices,
 * which domcapabilities does not list: `EMULATOR -device help` does.
 *
 * The rendered domain XML is the source of what a VM needs, so the check
 * follows whatever render produced (options, firmware, buses, models).
 */
import { attr, child, children, childText, type XmlElement } from '../xml/element.js';
import { parseXml } from '../xml/parse.js';
import type { BatchCommand } from './batch.js';
import { virshCommand } from './host-queries.js';

/** What one rendered domain asks of the host's hypervisor. */
export interface DomainNeeds {
  domainType: string;
  arch: string;
  machine?: string;
  emulator?: string;
  /** `<os firmware='…'>` (libvirt's firmware autoselection). */
  firmware?: string;
  secureBoot: boolean;
  diskBuses: string[];
  nicModels: string[];
}

export function domainNeeds(domainXml: string): DomainNeeds | undefined {
  const r = parseXml(domainXml);
  return r.ok ? domainNeedsOf(r.root) : undefined;
}

/** What a domain asks of the hypervisor, from its tree: parsed, or render's own (node-view.ts), which spares a parse per VM. */
export function domainNeedsOf(root: XmlElement): DomainNeeds | undefined {
  if (root.local !== 'domain') return undefined;
  const r = { root };
  const os = child(r.root, 'os');
  const type = os && child(os, 'type');
  const devices = child(r.root, 'devices');
  const loader = os && child(os, 'loader');
  const features = os ? children(os, 'firmware').flatMap((f) => children(f, 'feature')) : [];
  const uniq = (xs: Array<string | undefined>) => [...new Set(xs.filter((x): x is string => !!x))];
  return {
    domainType: attr(r.root, 'type') ?? 'kvm',
    arch: (type && attr(type, 'arch')) ?? 'x86_64',
    machine: type && attr(type, 'machine'),
    emulator: devices && childText(devices, 'emulator'),
    firmware: os && attr(os, 'firmware'),
    secureBoot: (loader && attr(loader, 'secure')) === 'yes' || features.some((f) => attr(f, 'name') === 'secure-boot' && attr(f, 'enabled') === 'yes'),
    diskBuses: uniq(
      (devices ? children(devices, 'disk') : []).map((d) => {
        const t = child(d, 'target');
        return t && attr(t, 'bus');
      }),
    ),
    nicModels: uniq(
      (devices ? children(devices, 'interface') : []).map((i) => {
        const m = child(i, 'model');
        return m && attr(m, 'type');
      }),
    ),
  };
}

/** Domains that ask the same of libvirt share one domcapabilities query. */
export const capabilityKey = (n: Pick<DomainNeeds, 'domainType' | 'arch' | 'machine' | 'emulator'>): string => [n.domainType, n.arch, n.machine ?? '', n.emulator ?? ''].join('|');

/** The emulator whose devices a domain gets: its own `<emulator>`, or QEMU's binary for the arch on the PATH. */
export const emulatorFor = (n: Pick<DomainNeeds, 'arch' | 'emulator'>): string => n.emulator ?? `qemu-system-${n.arch}`;

export function domcapabilitiesCommand(uri: string, n: Pick<DomainNeeds, 'domainType' | 'arch' | 'machine' | 'emulator'>): BatchCommand {
  const args = ['domcapabilities', '--virttype', n.domainType, '--arch', n.arch];
  if (n.machine) args.push('--machine', n.machine);
  if (n.emulator) args.push('--emulatorbin', n.emulator);
  return { ...virshCommand(uri, ...args), stderr: 'merge' };
}

/** `EMULATOR -device help`: the devices it has (NIC models among them). Exit 127 when there is no such binary. */
export const deviceHelpCommand = (emulator: string): BatchCommand => ({
  argv: ['sh', '-c', 'command -v "$1" >/dev/null 2>&1 || exit 127; exec "$1" -device help', 'ovfpipe-devices', emulator],
  stderr: 'merge',
});

/** Whether /dev/kvm exists on the host (so the hint can say why KVM is missing). */
export const KVM_DEVICE_QUERY: BatchCommand = { argv: ['test', '-c', '/dev/kvm'] };

export type DomCapabilities = { ok: true; emulator?: string; machine?: string; firmware: string[]; secureBoot: boolean; diskBuses: string[]; loaders: string[] } | { ok: false; error: string };

export function parseDomCapabilities(code: number, output: string): DomCapabilities {
  const start = output.indexOf('<domainCapabilities');
  if (code !== 0 || start < 0) return { ok: false, error: errorText(output) || `virsh domcapabilities exited ${code}` };
  const end = output.lastIndexOf('</domainCapabilities>');
  const r = parseXml(output.slice(start, end < 0 ? undefined : end + '</domainCapabilities>'.length));
  if (!r.ok) return { ok: false, error: `unreadable domcapabilities: ${r.problem.message}` };
  const os = child(r.root, 'os');
  const osOk = os !== undefined && attr(os, 'supported') === 'yes';
  const loader = os && child(os, 'loader');
  const devices = child(r.root, 'devices');
  const disk = devices && child(devices, 'disk');
  return {
    ok: true,
    emulator: childText(r.root, 'path'),
    machine: childText(r.root, 'machine'),
    firmware: osOk && os ? enumValues(os, 'firmware') : [],
    secureBoot: loader !== undefined && enumValues(loader, 'secure').includes('yes'),
    loaders: loader ? children(loader, 'value').map((v) => v.text.trim()) : [],
    diskBuses: disk && attr(disk, 'supported') === 'yes' ? enumValues(disk, 'bus') : [],
  };
}

function enumValues(el: XmlElement, name: string): string[] {
  const e = children(el, 'enum').find((x) => attr(x, 'name') === name);
  return e ? children(e, 'value').map((v) => v.text.trim()) : [];
}

/** virsh prints "error: failed to get emulator capabilities" then the reason: keep the reason. */
function errorText(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('error:'));
  const reason = lines.at(-1) ?? output.trim().split('\n')[0] ?? '';
  return reason.replace(/^error:\s*/, '').replace(/^invalid argument:\s*/, '');
}

/** `-device help` lines: `name "virtio-net-pci", bus PCI, …`. */
export function parseDeviceNames(code: number, output: string): Set<string> | undefined {
  if (code !== 0) return undefined;
  const names = new Set<string>();
  for (const line of output.split('\n')) {
    const m = /^name "([^"]+)"/.exec(line);
    if (!m) continue;
    names.add(m[1]!);
    const alias = /alias "([^"]+)"/.exec(line)?.[1];
    if (alias) names.add(alias);
  }
  return names.size > 0 ? names : undefined;
}

/** libvirt's `<model type>` → the QEMU device it becomes (libvirt src/qemu/qemu_command.c). */
export function nicDeviceName(model: string): string {
  if (model === 'virtio') return 'virtio-net-pci';
  if (model === 'virtio-transitional' || model === 'virtio-non-transitional') return `virtio-net-pci-${model.slice('virtio-'.length)}`;
  return model;
}

export interface HostCapabilities {
  /** capabilityKey → what libvirt said. */
  domains: Map<string, DomCapabilities>;
  /** emulator → its device names (undefined: could not be listed, so not checked). */
  devices: Map<string, Set<string> | undefined>;
  kvmDevice: boolean;
}

export interface CapabilityContext {
  host: string;
  /** Where the fix for a domain type goes, e.g. "pass --domain-type qemu or set defaults.domainType". */
  domainTypeHint?: string;
}

/** Why this host cannot run the domain, or undefined when it can. One sentence, naming the host and the fix. */
export function unsupportedReason(n: DomainNeeds, caps: HostCapabilities, ctx: CapabilityContext): string | undefined {
  const dc = caps.domains.get(capabilityKey(n));
  if (dc === undefined) return undefined;
  const host = ctx.host;
  if (!dc.ok) {
    if (n.domainType === 'kvm' && /\bkvm\b/i.test(dc.error)) {
      const why = caps.kvmDevice ? '/dev/kvm is not usable by libvirt' : '/dev/kvm missing';
      return `host ${host} has no KVM (${why}): ${ctx.domainTypeHint ?? 'pass --domain-type qemu or set defaults.domainType'}`;
    }
    if (n.machine && /machine/i.test(dc.error))
      return `host ${host} does not support machine type '${n.machine}' for ${n.arch} (${dc.error}): pass --machine with one of its machine types (see ovfpipe hosts probe)`;
    return `host ${host} cannot run a '${n.domainType}' ${n.arch} domain: ${dc.error}`;
  }
  if (n.firmware && !dc.firmware.includes(n.firmware))
    return `host ${host} offers no '${n.firmware}' firmware for machine ${dc.machine ?? n.machine ?? '?'} (offered: ${dc.firmware.join(', ') || 'none'}; for UEFI install OVMF, e.g. apt install ovmf, or pass --firmware bios)`;
  if (n.secureBoot && !dc.secureBoot) return `host ${host} offers no secure-boot firmware loader (install OVMF with secure boot, e.g. apt install ovmf, or pass --firmware efi)`;
  const buses = n.diskBuses.filter((b) => dc.diskBuses.length > 0 && !dc.diskBuses.includes(b));
  if (buses.length > 0)
    return `host ${host} does not support disk bus ${buses.map((b) => `'${b}'`).join(', ')} on machine ${dc.machine ?? n.machine ?? '?'} (supported: ${dc.diskBuses.join(', ')}): pass --disk-bus`;
  const devices = caps.devices.get(emulatorFor(n));
  const models = devices ? n.nicModels.filter((m) => !devices.has(nicDeviceName(m))) : [];
  if (models.length > 0) return `host ${host} has no NIC model ${models.map((m) => `'${m}'`).join(', ')} in ${emulatorFor(n)}: pass --nic-model`;
  return undefined;
}

/** `virsh capabilities`, one guest arch: the domain types and machine types its emulator offers. */
export function parseGuestArch(output: string, arch: string): { emulator?: string; domainTypes: string[]; machines: string[]; aliases: Record<string, string> } | undefined {
  const start = output.indexOf('<capabilities');
  if (start < 0) return undefined;
  const r = parseXml(output.slice(start));
  if (!r.ok) return undefined;
  for (const guest of children(r.root, 'guest')) {
    const a = children(guest, 'arch').find((x) => attr(x, 'name') === arch);
    if (!a || childText(guest, 'os_type') !== 'hvm') continue;
    const aliases: Record<string, string> = {};
    const machines = children(a, 'machine').map((m) => {
      const canonical = attr(m, 'canonical');
      if (canonical) aliases[m.text.trim()] = canonical;
      return m.text.trim();
    });
    return {
      emulator: childText(a, 'emulator'),
      domainTypes: children(a, 'domain')
        .map((d) => attr(d, 'type') ?? '')
        .filter(Boolean),
      machines: machines.sort(),
      aliases,
    };
  }
  return undefined;
}

/** libvirt `<model type>` names of the NICs in `-device help`'s "Network devices" section. */
export function nicModelsOf(deviceHelp: string): string[] {
  const at = deviceHelp.indexOf('Network devices:\n');
  if (at < 0) return [];
  const rest = deviceHelp.slice(at + 'Network devices:\n'.length);
  const end = rest.indexOf('\n\n');
  const names = (end < 0 ? rest : rest.slice(0, end))
    .split('\n')
    .map((l) => /^name "([^"]+)"/.exec(l)?.[1])
    .filter((x): x is string => !!x);
  return names.map((n) => (n === 'virtio-net-pci' ? 'virtio' : n.startsWith('virtio-net-pci-') ? `virtio-${n.slice('virtio-net-pci-'.length)}` : n)).filter((n) => !n.startsWith('virtio-net-'));
}
