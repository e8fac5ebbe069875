/**
 * OVF fixtures for the domain render tests, built with our own XML writer so
 * that odd characters are escaped, plus helpers to read the rendered XML.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { virtualSystems, type Envelope, type VirtualSystem } from '../../src/ovf/model.js';
import { parseDescriptor } from '../../src/ovf/parser.js';
import { renderDomain } from '../../src/render/domain.js';
import { renderOptions } from '../../src/render/options.js';
import type { RenderDomainInput } from '../../src/render/types.js';
import { attr, child, children, type XmlElement } from '../../src/xml/element.js';
import { parseXml } from '../../src/xml/parse.js';
import { element, writeXml, type XmlNode } from '../../src/xml/writer.js';

const execFileAsync = promisify(execFile);

export const OVF = 'http://schemas.dmtf.org/ovf/envelope/1';
export const RASD = 'http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData';
export const VSSD = 'http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData';

export type Fields = Record<string, string | undefined>;
/** A RASD Item; child elements in CIM (alphabetical) order. */
export const item = (fields: Fields, attrs: Fields = {}): XmlNode =>
  element(
    'Item',
    Object.entries(attrs).map(([k, v]) => [`ovf:${k}`, v] as const),
    Object.keys(fields)
      .sort()
      .filter((k) => fields[k] !== undefined)
      .map((k) => element(`rasd:${k}`, {}, fields[k]!)),
  );
export const cpu = (n: string, id = '1', attrs: Fields = {}) => item({ InstanceID: id, ResourceType: '3', VirtualQuantity: n, AllocationUnits: 'hertz * 10^6' }, attrs);
export const mem = (q: string, units: string | undefined = 'byte * 2^20', id = '2', attrs: Fields = {}) =>
  item({ InstanceID: id, ResourceType: '4', VirtualQuantity: q, AllocationUnits: units }, attrs);
export const ctrl = (id: string, type: string, sub?: string, address?: string) => item({ InstanceID: id, ResourceType: type, ResourceSubType: sub, Address: address });
export const drive = (id: string, type: string, parent?: string, aop?: string, host?: string, attrs: Fields = {}) =>
  item({ InstanceID: id, ResourceType: type, Parent: parent, AddressOnParent: aop, HostResource: host }, attrs);
export const nicItem = (id: string, sub = 'VmxNet3', net = 'frontend') => item({ InstanceID: id, ResourceType: '10', ResourceSubType: sub, Connection: net });

export interface Spec {
  items: XmlNode[];
  name?: string;
  info?: string;
  annotation?: string;
  disks?: string[];
  configurations?: Array<{ id: string; default?: boolean }>;
  transport?: string;
}

export function descriptor(spec: Spec): { env: Envelope; vs: VirtualSystem } {
  const disks = spec.disks ?? [];
  const xml = writeXml(
    element(
      'Envelope',
      [
        ['xmlns', OVF],
        ['xmlns:ovf', OVF],
        ['xmlns:rasd', RASD],
        ['xmlns:vssd', VSSD],
      ],
      element(
        'References',
        {},
        disks.map((d) => element('File', { 'ovf:id': `f-${d}`, 'ovf:href': `${d}.vmdk` })),
      ),
      disks.length === 0
        ? undefined
        : element(
            'DiskSection',
            {},
            element('Info', {}, 'disks'),
            disks.map((d) => element('Disk', { 'ovf:diskId': d, 'ovf:fileRef': `f-${d}`, 'ovf:capacity': '1', 'ovf:capacityAllocationUnits': 'byte * 2^30' })),
          ),
      spec.configurations
        ? element(
            'DeploymentOptionSection',
            {},
            element('Info', {}, 'sizes'),
            spec.configurations.map((c) => element('Configuration', { 'ovf:id': c.id, 'ovf:default': c.default ? 'true' : undefined }, element('Label', {}, c.id), element('Description', {}, c.id))),
          )
        : undefined,
      element(
        'VirtualSystem',
        { 'ovf:id': 'web' },
        element('Info', {}, spec.info ?? 'A web server'),
        spec.name === undefined ? undefined : element('Name', {}, spec.name),
        spec.annotation === undefined ? undefined : element('AnnotationSection', {}, element('Info', {}, 'note'), element('Annotation', {}, spec.annotation)),
        element(
          'VirtualHardwareSection',
          { 'ovf:transport': spec.transport },
          element('Info', {}, 'hardware'),
          element('System', {}, element('vssd:ElementName', {}, 'hw'), element('vssd:InstanceID', {}, '0'), element('vssd:VirtualSystemType', {}, 'vmx-13')),
          spec.items,
        ),
      ),
    ),
  );
  const { envelope, diagnostics } = parseDescriptor(xml, 'test.ovf');
  if (!envelope) throw new Error(JSON.stringify(diagnostics));
  return { env: envelope, vs: [...virtualSystems(envelope.content)][0]! };
}

export const UUID = '6f1c2a8e-3b4d-4e5f-8a9b-0c1d2e3f4a5b';
export const input = (over: Partial<RenderDomainInput> = {}): RenderDomainInput => ({ name: 'acme-web', uuid: UUID, nics: [], disks: [], options: renderOptions(), ...over });

export function render(spec: Spec, over: Partial<RenderDomainInput> = {}): { dom: XmlElement; notes: string[]; xml: string; problems: string[] } {
  const { env, vs } = descriptor(spec);
  const r = renderDomain(vs, env, input(over));
  const xml = writeXml(r.node);
  const parsed = parseXml(xml);
  if (!parsed.ok) throw new Error(parsed.problem.message);
  return { dom: parsed.root, notes: r.notes, xml, problems: r.problems.map((p) => p.message) };
}

export const devices = (dom: XmlElement, local: string) => children(child(dom, 'devices')!, local);
export const attrs = (el: XmlElement | undefined) => Object.fromEntries((el?.attributes ?? []).map((a) => [a.qname, a.value]));
export const targets = (dom: XmlElement) => devices(dom, 'disk').map((d) => ({ device: attr(d, 'device'), ...attrs(child(d, 'target')), source: attr(child(d, 'source') ?? d, 'file') }));

// ---- libvirt's RNG, through virt-xml-validate (libvirt-clients) ----
export const inCI = process.env['CI'] === 'true';

/** Why the validator cannot run here, or undefined when it can. */
export function validatorMissing(): string | undefined {
  const found = (process.env['PATH'] ?? '').split(delimiter).some((d) => d !== '' && existsSync(join(d, 'virt-xml-validate')));
  return found ? undefined : 'virt-xml-validate not installed (apt-get install libvirt-clients libxml2-utils)';
}

export interface Verdict {
  name: string;
  valid: boolean;
  /** The validator's own words when it refuses the document. */
  output: string;
}

/** Runs `virt-xml-validate FILE domain` on every document, a few at a time (exit 0: valid, 3: invalid). */
export async function validateDomains(docs: Array<{ name: string; xml: string }>, parallel = 8): Promise<Verdict[]> {
  const dir = await mkdtemp(join(tmpdir(), 'ovfpipe-rng-'));
  try {
    const run = async ({ name, xml }: { name: string; xml: string }, i: number): Promise<Verdict> => {
      const file = join(dir, `${i}.xml`);
      await writeFile(file, xml);
      try {
        await execFileAsync('virt-xml-validate', [file, 'domain']);
        return { name, valid: true, output: '' };
      } catch (e) {
        const { stdout, stderr } = e as { stdout?: string; stderr?: string };
        return { name, valid: false, output: `${stdout ?? ''}${stderr ?? ''}`.replaceAll(file, name).trim() };
      }
    };
    const verdicts: Verdict[] = [];
    for (let i = 0; i < docs.length; i += parallel) verdicts.push(...(await Promise.all(docs.slice(i, i + parallel).map((d, k) => run(d, i + k)))));
    return verdicts;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
