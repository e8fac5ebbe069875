/**
 * Render compared with virt-manager's virt-convert (an independent OVF →
 * libvirt converter) on its own test fixtures (../shared/corpus/virt-manager,
 * see its NOTES.md). Each input is rendered with ovfpipe's defaults; memory,
 * vCPUs, disks and NICs are compared with virt-convert's expected output.
 * Every difference must be listed, with its reason, in EXPECTED_DIFFERENCES
 * below and in docs/virt-manager-comparison.md: the test fails on any
 * difference that is not listed, and on any listed one that has gone away.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ResourceType } from '../../src/ovf/cim.js';
import { virtualSystems } from '../../src/ovf/model.js';
import { parseDescriptor } from '../../src/ovf/parser.js';
import { renderDomain } from '../../src/render/domain.js';
import { placementsFor, planDisks } from '../../src/render/disk-plan.js';
import { nicModelFor } from '../../src/render/nic-model.js';
import { renderOptions } from '../../src/render/options.js';
import type { DiskPlacement, ResolvedNic } from '../../src/render/types.js';
import { attr, child, childText, children, type XmlElement } from '../../src/xml/element.js';
import { parseXml } from '../../src/xml/parse.js';
import { writeXml } from '../../src/xml/writer.js';
import { corpusPath } from '../helpers/corpus.js';
import { inCI, validateDomains, validatorMissing, type Verdict } from './domain-fixtures.js';

interface Facts {
  memoryKiB: number;
  vcpus: number;
  disks: number;
  diskBuses: string;
  nics: number;
  nicModels: string;
  machine: string;
  graphics: string;
}
type Field = keyof Facts;
interface Difference {
  case: string;
  field: Field;
  ours: string | number;
  theirs: string | number;
  reason: string;
}

const BUS = 'ovfpipe renders every hard disk on virtio (RenderOptions.diskBus); virt-convert keeps the OVF controller type (IDE for a disk on a SATA controller, which it does not know)';
const NIC_MODEL = 'nicModelFor maps E1000 to virtio by default (RenderOptions.nicModelMap); virt-convert lower-cases the ResourceSubType';
/** The same for every case: different defaults, each chosen on purpose. */
const FOR_EVERY_CASE: Array<Omit<Difference, 'case'>> = [
  { field: 'machine', ours: 'q35', theirs: 'pc', reason: 'ovfpipe targets q35 (PCIe, AHCI, no IDE); virt-convert took the i440fx default of its day' },
  { field: 'graphics', ours: 'vnc', theirs: 'spice', reason: 'ovfpipe serves VNC on 127.0.0.1 only (RenderOptions.graphics); virt-convert added SPICE with its qxl/usb-redirection set' },
];

/** Case-specific differences; keep in step with docs/virt-manager-comparison.md. */
const EXPECTED_DIFFERENCES: Difference[] = [
  { case: 'test1', field: 'diskBuses', ours: 'virtio,virtio', theirs: 'scsi,ide', reason: BUS },
  { case: 'test1', field: 'nicModels', ours: 'virtio', theirs: 'e1000', reason: NIC_MODEL },
  { case: 'test2', field: 'diskBuses', ours: 'virtio', theirs: 'scsi', reason: BUS },
  { case: 'test2', field: 'nicModels', ours: 'virtio', theirs: 'e1000', reason: NIC_MODEL },
  { case: 'test_gzip', field: 'diskBuses', ours: 'virtio', theirs: 'scsi', reason: BUS },
  { case: 'test_gzip', field: 'nicModels', ours: 'virtio', theirs: 'e1000', reason: NIC_MODEL },
  { case: 'ovf_directory', field: 'diskBuses', ours: 'virtio', theirs: 'ide', reason: BUS },
  { case: 'ovf_directory', field: 'nicModels', ours: 'virtio', theirs: 'e1000', reason: NIC_MODEL },
];

const CASES: Array<{ case: string; input: string; outputs: string[] }> = [
  { case: 'test1', input: 'ovf_input/test1.ovf', outputs: ['ovf2libvirt_test1.libvirt', 'ovf2libvirt_test1.libvirt.disk_qcow2', '../cli-test-xml/compare/virt-convert-ovf-compare.xml'] },
  { case: 'test2', input: 'ovf_input/test2.ovf', outputs: ['ovf2libvirt_test2.libvirt'] },
  { case: 'test_gzip', input: 'ovf_input/test_gzip.ovf', outputs: ['ovf2libvirt_test_gzip.libvirt', 'ovf2libvirt_test_gzip.libvirt.disk_raw'] },
  { case: 'ovf_directory', input: 'ovf_input/ovf_directory/CentOS-6.4-i386-Gnome.ovf', outputs: ['ovf2libvirt_ovf_directory.libvirt'] },
];

/** Our defaults, with the inputs deploy would resolve faked: one placement per DiskSection disk, one network NIC per NIC Item. */
function renderCase(corpus: string, input: string): { xml: string; notes: string[] } {
  const { envelope, diagnostics } = parseDescriptor(readFileSync(join(corpus, input)), basename(input));
  if (!envelope) throw new Error(`${input}: ${JSON.stringify(diagnostics)}`);
  const vs = [...virtualSystems(envelope.content)][0]!;
  const items = vs.virtualHardware.flatMap((h) => h.items);
  const disks: DiskPlacement[] = placementsFor(planDisks(envelope, vs, vs.id, '/var/lib/ovfpipe', new Map())).filter((p) => p.format !== 'raw');
  const nics: ResolvedNic[] = items
    .filter((i) => i.resourceType === ResourceType.EthernetAdapter)
    .map((i, n) => ({ instanceId: i.instanceId!, mac: `52:54:00:00:00:${String(n).padStart(2, '0')}`, model: nicModelFor(i.resourceSubType), mode: 'network', source: 'default' }));
  const name = (vs.name ?? vs.id).replace(/\s/g, '_');
  const r = renderDomain(vs, envelope, { name, uuid: '00000000-1111-2222-3333-444444444444', disks, nics, options: renderOptions() });
  return { xml: writeXml(r.node), notes: r.notes };
}

/** virt-convert's expected file is the domain XML followed by "Copying …" lines (NOTES.md): keep the XML. */
function theirDomain(corpus: string, output: string): XmlElement {
  const text = readFileSync(join(corpus, 'libvirt_output', output), 'utf8');
  const parsed = parseXml(text.slice(0, text.indexOf('</domain>') + '</domain>'.length));
  if (!parsed.ok) throw new Error(`${output}: ${parsed.problem.message}`);
  return parsed.root;
}

function facts(dom: XmlElement): Facts {
  const devices = child(dom, 'devices')!;
  const disks = children(devices, 'disk').filter((d) => attr(d, 'device') === 'disk');
  const memory = child(dom, 'memory')!;
  const unit = attr(memory, 'unit') ?? 'KiB';
  if (unit !== 'KiB') throw new Error(`memory unit ${unit}`);
  return {
    memoryKiB: Number(memory.text.trim()),
    vcpus: Number(childText(dom, 'vcpu')),
    disks: disks.length,
    diskBuses: disks.map((d) => attr(child(d, 'target')!, 'bus')).join(','),
    nics: children(devices, 'interface').length,
    nicModels: children(devices, 'interface')
      .map((i) => attr(child(i, 'model')!, 'type'))
      .join(','),
    machine: attr(child(child(dom, 'os')!, 'type')!, 'machine') ?? '',
    graphics: children(devices, 'graphics')
      .map((g) => attr(g, 'type'))
      .join(','),
  };
}

function differences(name: string, ours: Facts, theirs: Facts): Array<Omit<Difference, 'reason'>> {
  return (Object.keys(ours) as Field[]).filter((f) => ours[f] !== theirs[f]).map((field) => ({ case: name, field, ours: ours[field], theirs: theirs[field] }));
}

const corpus = corpusPath('virt-manager');

describe('render compared with virt-manager virt-convert', () => {
  if (!corpus) {
    it.skip('SKIPPED: the virt-manager corpus is missing (see test/helpers/corpus.ts)', () => {});
    return;
  }
  const rendered = new Map(CASES.map((c) => [c.case, renderCase(corpus, c.input)]));
  const ours = (name: string) => facts(parseXmlOk(rendered.get(name)!.xml));

  it.each(CASES)('$case: differs from virt-convert exactly as documented', ({ case: name, outputs }) => {
    const expected = [...FOR_EVERY_CASE.map((d) => ({ ...d, case: name })), ...EXPECTED_DIFFERENCES.filter((d) => d.case === name)].map(({ reason: _, ...d }) => d);
    expect(differences(name, ours(name), facts(theirDomain(corpus, outputs[0]!)))).toEqual(expected.sort(byField(Object.keys(ours(name)) as Field[])));
  });

  it.each(CASES.filter((c) => c.outputs.length > 1))("$case: virt-convert's other outputs (disk-format variants, CLI test) agree with its base output", ({ outputs }) => {
    const [base, ...variants] = outputs.map((o) => facts(theirDomain(corpus, o)));
    for (const v of variants) expect(v).toEqual(base);
  });

  it('gives every documented difference a reason', () => {
    for (const d of [...FOR_EVERY_CASE, ...EXPECTED_DIFFERENCES]) expect(d.reason.length).toBeGreaterThan(20);
  });

  it('renders a disk drive naming a bare File as a disk (test1, ovf:/file/vmfile1), as virt-convert does', () => {
    expect(rendered.get('test1')!.xml).toMatch(/vmfile1\.qcow2/);
  });

  describe('and every rendered case passes libvirt RNG', () => {
    const missing = validatorMissing();
    if (missing) {
      if (inCI) it('has virt-xml-validate (required in CI)', () => expect.fail(missing));
      else it.skip(`SKIPPED: ${missing}`, () => {});
      return;
    }
    let verdicts: Verdict[] = [];
    beforeAll(async () => {
      verdicts = await validateDomains([...rendered].map(([name, r]) => ({ name, xml: r.xml })));
    });
    it('is valid', () => {
      expect(verdicts.filter((v) => !v.valid)).toEqual([]);
      expect(verdicts).toHaveLength(CASES.length);
    });
  });
});

function parseXmlOk(xml: string): XmlElement {
  const parsed = parseXml(xml);
  if (!parsed.ok) throw new Error(parsed.problem.message);
  return parsed.root;
}

function byField(order: Field[]) {
  return (a: { field: Field }, b: { field: Field }) => order.indexOf(a.field) - order.indexOf(b.field);
}
