/**
 * VirtualSystem → libvirt domain XML (PRODUCT.md §6; libvirt formatdomain).
 * Pure: the VirtualSystem, its Envelope and the values resolved per tenant
 * and VM in, an XmlNode tree and notes out. Everything reaches the output
 * through src/xml/writer.ts, so every value is escaped.
 *
 * Notes list each conversion and omission (IDE → SATA, lsilogic →
 * virtio-scsi, a floppy left out…) for plan.json. Any parsed descriptor
 * renders: missing processor or memory Items fall back to 1 vCPU and 1 GiB.
 */
import { ResourceType } from '../ovf/cim.js';
import type { Envelope, Item, VirtualSystem } from '../ovf/model.js';
import { element, writeXml, type XmlNode } from '../xml/writer.js';
import { renderGraphics, renderMemballoon, renderRng, renderSerials } from './devices.js';
import { activeHardware, locate, memoryKiB, ownerLocator, vcpuCount } from './hardware.js';
import { renderInterface } from './interface.js';
import { renderStorage } from './storage.js';
import { renderFirmware, type FirmwareChoice } from './firmware.js';
import { driveKind } from '../ovf/drive-kind.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { RenderDomainInput } from './types.js';

/** Namespace of ovfpipe's element in the domain `<metadata>` (deploy reads it to recognise its own domains). */
export const DOMAIN_METADATA_NS = 'http://ovfpipe.dev/schema/domain/1';

export interface RenderedDomain {
  node: XmlNode;
  /** Conversions and omissions, each prefixed by a locator, for plan.json. */
  notes: string[];
  /** The deployment configuration rendered (DSP0243 §9.8), when the package has any. */
  configuration?: string;
  /** Memory (KiB) and vCPUs written into the document, for placement. */
  memoryKiB: number;
  vcpus: number;
  /** What makes the document unusable (a disk that cannot be rendered): errors, located at the Item; and warnings. */
  problems: Diagnostic[];
  /** The firmware rendered (package, or --firmware). */
  firmware: FirmwareChoice;
}

/** Item types render consumes; any other Item gets a "not rendered" note. */
const CONSUMED = new Set<number>([
  ResourceType.Processor,
  ResourceType.Memory,
  ResourceType.IDEController,
  ResourceType.ParallelSCSIHBA,
  ResourceType.FCHBA,
  ResourceType.iSCSIHBA,
  ResourceType.IBHCA,
  ResourceType.EthernetAdapter,
  ResourceType.OtherNetworkAdapter,
  ResourceType.FloppyDrive,
  ResourceType.CDDrive,
  ResourceType.DVDDrive,
  ResourceType.DiskDrive,
  ResourceType.OtherStorageDevice,
  ResourceType.SerialPort,
  ResourceType.USBController,
  ResourceType.GraphicsController,
]);

export function renderDomain(vs: VirtualSystem, env: Envelope, input: RenderDomainInput): RenderedDomain {
  const notes: string[] = [];
  const problems: Diagnostic[] = [];
  const hw = activeHardware(vs, env, input.configuration, notes);
  const memory = memoryKiB(vs, hw.items, notes);
  const vcpus = vcpuCount(vs, hw.items, notes);
  const devices = renderDevices(vs, env, input, hw.items, hw.transport, notes, problems);
  noteUnrendered(vs, hw.items, notes);
  const { options } = input;
  const fw = renderFirmware(vs, options, notes, problems);
  const node = element(
    'domain',
    { type: options.domainType },
    element('name', {}, input.name),
    element('uuid', {}, input.uuid),
    title(vs),
    description(vs),
    metadata(vs, input, hw.configuration),
    element('memory', { unit: 'KiB' }, String(memory)),
    element('currentMemory', { unit: 'KiB' }, String(memory)),
    element('vcpu', { placement: 'static' }, String(vcpus)),
    element('os', { firmware: fw.osAttribute }, element('type', { arch: 'x86_64', machine: options.machine }, 'hvm'), fw.osChild, element('boot', { dev: 'hd' })),
    element('features', {}, element('acpi'), element('apic'), fw.feature),
    options.cpuMode === 'default' ? undefined : element('cpu', { mode: options.cpuMode }),
    element('clock', { offset: 'utc' }),
    element('on_poweroff', {}, 'destroy'),
    element('on_reboot', {}, 'restart'),
    element('on_crash', {}, 'destroy'),
    devices,
  );
  return { node, notes, configuration: hw.configuration, memoryKiB: memory, vcpus, problems, firmware: fw.firmware };
}

/** renderDomain serialised in libvirt's layout (2-space indent, single quotes). */
export function renderDomainXml(vs: VirtualSystem, env: Envelope, input: RenderDomainInput): string {
  return writeXml(renderDomain(vs, env, input).node);
}

function renderDevices(vs: VirtualSystem, env: Envelope, input: RenderDomainInput, items: Item[], transport: string[], notes: string[], problems: Diagnostic[]): XmlNode {
  const storage = renderStorage({ vs, env, items, placements: input.disks, options: input.options, ovfEnvIso: ovfEnvironmentIso(vs, input, transport, notes), notes, problems });
  noteNicMismatch(vs, items, input, notes);
  return element(
    'devices',
    {},
    input.options.emulator === undefined ? undefined : element('emulator', {}, input.options.emulator),
    storage.disks,
    storage.controllers,
    input.nics.map((nic) => renderInterface(nic, notes)),
    renderSerials(items),
    renderGraphics(input.options),
    renderMemballoon(),
    renderRng(),
  );
}

/** DSP0243 §11.1: the environment reaches the guest by the transports the section lists; ovfpipe implements `iso`. */
function ovfEnvironmentIso(vs: VirtualSystem, input: RenderDomainInput, transport: string[], notes: string[]): string | undefined {
  const owner = ownerLocator(vs);
  for (const t of transport) if (t !== 'iso') notes.push(`${owner}: OVF environment transport '${t}' is not supported; only 'iso' is`);
  const wantsIso = transport.includes('iso');
  if (wantsIso && input.ovfEnvIso === undefined) notes.push(`${owner}: the package requests the iso transport but no ovf-env ISO was given`);
  if (!wantsIso && input.ovfEnvIso !== undefined) notes.push(`${owner}: ovf-env ISO not attached: the package does not request the iso transport`);
  return wantsIso ? input.ovfEnvIso : undefined;
}

function isNicItem(item: Item): boolean {
  return item.element === 'EthernetPortItem' || item.resourceType === ResourceType.EthernetAdapter || item.resourceType === ResourceType.OtherNetworkAdapter;
}

function noteNicMismatch(vs: VirtualSystem, items: Item[], input: RenderDomainInput, notes: string[]): void {
  const nicItems = items.filter(isNicItem);
  for (const item of nicItems) if (!input.nics.some((n) => n.instanceId === item.instanceId)) notes.push(`${locate(vs, item)}: NIC omitted: no resolved NIC for it`);
  for (const nic of input.nics)
    if (!nicItems.some((i) => i.instanceId === nic.instanceId)) notes.push(`${ownerLocator(vs)}: NIC[InstanceID=${nic.instanceId}] matches no NIC Item of this configuration; rendered as resolved`);
}

function noteUnrendered(vs: VirtualSystem, items: Item[], notes: string[]): void {
  for (const item of items) {
    if (isNicItem(item) || driveKind(item) !== undefined || (item.resourceType !== undefined && CONSUMED.has(item.resourceType))) continue;
    const what = item.resourceType === undefined ? (item.resourceTypeText ?? 'no ResourceType') : `ResourceType ${item.resourceType}`;
    notes.push(`${locate(vs, item)}: ${item.elementName ?? 'Item'} (${what}${item.resourceSubType ? `, ${item.resourceSubType}` : ''}) not rendered`);
  }
}

// XML 1.0 §2.2: characters the writer refuses; a descriptor's free text should not make render fail.
const NOT_XML_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udfff]/gu;

function cleanText(s: string | undefined): string {
  return (s ?? '').replace(NOT_XML_CHAR, '').trim();
}

/** `<title>` is one line (domaincommon.rng: pattern `[^\n]+`). */
function title(vs: VirtualSystem): XmlNode | undefined {
  const t = cleanText(vs.name).replace(/\s+/g, ' ');
  return t === '' ? undefined : element('title', {}, t);
}

/** The VirtualSystem's Info, then its AnnotationSection (DSP0243 §9.6), as the human-readable description. */
function description(vs: VirtualSystem): XmlNode | undefined {
  const parts = [cleanText(vs.info), cleanText(vs.annotation?.annotation)].filter((p) => p !== '');
  return parts.length === 0 ? undefined : element('description', {}, parts.join('\n\n'));
}

/** formatdomain "General metadata": custom elements need their own namespace. */
function metadata(vs: VirtualSystem, input: RenderDomainInput, configuration: string | undefined): XmlNode {
  return element(
    'metadata',
    {},
    element('ovfpipe:source', [
      ['xmlns:ovfpipe', DOMAIN_METADATA_NS],
      ['package', input.packageName],
      ['virtualSystem', vs.id],
      ['configuration', configuration],
      ['tenant', input.tenant],
    ]),
  );
}
