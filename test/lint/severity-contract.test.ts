/**
 * The severity contract (docs/rules/README.md) on what real writers wrote:
 * VMware's OVF 0.9 dialect, vCloud collections, XenServer disks, UTF-16
 * descriptors; rule options; and the shipped examples under --strict.
 * Fixtures: test/fixtures/dialects (origins in its README).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inspectPackage } from '../../src/actions/inspect.js';
import { lintFiles } from '../../src/actions/lint-files.js';
import type { Diagnostic } from '../../src/diagnostics/diagnostic.js';
import { isOvfpipeError } from '../../src/diagnostics/errors.js';
import { parseLintConfig } from '../../src/lint/config.js';
import { runRules } from '../../src/lint/engine.js';
import { virtualSystems } from '../../src/ovf/model.js';
import { parseDescriptor } from '../../src/ovf/parser.js';
import { summarizeEnvelope } from '../../src/ovf/summary.js';
import { renderOptions } from '../../src/render/options.js';
import { renderPackage } from '../../src/render/render-package.js';
import { corpusPath, walkFiles } from '../helpers/corpus.js';
import { runCli } from '../helpers/cli.js';

const DIALECTS = join(import.meta.dirname, '../fixtures/dialects');
const APPLIANCES = join(import.meta.dirname, '../fixtures/appliances');
const EXAMPLES = join(import.meta.dirname, '../../examples');
const tmp = mkdtempSync(join(tmpdir(), 'ovfpipe-i12a-contract-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const fixture = (name: string) => readFileSync(join(DIALECTS, name), 'utf8');

/** Lints descriptor text (as a bare .ovf, descriptor only) and returns its diagnostics. */
async function lintText(text: string | Uint8Array, name = 'd.ovf'): Promise<Diagnostic[]> {
  const dir = mkdtempSync(join(tmp, 'd-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  const [r] = await lintFiles([file], { descriptorOnly: true });
  return r!.diagnostics;
}

const errors = (ds: readonly Diagnostic[]) => ds.filter((d) => d.severity === 'error');
const of = (ds: readonly Diagnostic[], ruleId: string) => ds.filter((d) => d.ruleId === ruleId);

describe("VMware's OVF 0.9 dialect", () => {
  it('reads unqualified children of a typed Content as the elements the spec means: Info, Name, sections', async () => {
    const { envelope } = parseDescriptor(fixture('vmware-0.9-unqualified.ovf'), 'x.ovf');
    expect(envelope!.version).toBe('0.9');
    const vs = [...virtualSystems(envelope!.content)][0]!;
    expect(vs.info).toBe('A virtual machine');
    expect(vs.name).toBe('smallxp');
    expect(vs.sectionOrder.map((s) => [s.local, s.hasInfo])).toEqual([
      ['OperatingSystemSection', true],
      ['VirtualHardwareSection', true],
    ]);
    expect(envelope!.sectionOrder.map((s) => [s.local, s.hasInfo])).toEqual([
      ['DiskSection', true],
      ['NetworkSection', true],
    ]);
    expect(envelope!.references.map((f) => f.id)).toEqual(['file1']);
    expect(vs.virtualHardware[0]!.items.map((i) => i.instanceId)).toEqual(['1', '2', '4', '5', '7', '8']);
  });

  it('lints it with no error and no false section-info, only the element-namespace warning', async () => {
    const ds = await lintText(fixture('vmware-0.9-unqualified.ovf'));
    expect(errors(ds)).toEqual([]);
    expect(of(ds, 'section-info')).toEqual([]);
    expect(of(ds, 'element-namespace').map((d) => d.severity)).toEqual(['warning']);
    // rasd:Connection on the CD-ROM (ResourceType 15) is not a network connection.
    expect(of(ds, 'network-connection')).toEqual([]);
  });

  it('finds xsi:type through any prefix bound to the XSI namespace, and an unqualified Info beside qualified elements', async () => {
    const text = fixture('vmware-0.9-any-xsi-prefix.ovf');
    expect(text).toContain('schema-instance:type="ovf:DiskSection_Type"');
    const { envelope } = parseDescriptor(text, 'x.ovf');
    expect(envelope!.disks.map((d) => d.diskId)).toEqual(['vmdisk1']);
    expect(envelope!.networks.map((n) => n.name)).toEqual(['bridged']);
    const vs = [...virtualSystems(envelope!.content)][0]!;
    expect(vs.info).toMatch(/^A virtual machine/);
    expect(vs.operatingSystem?.osType).toBe('other26xLinux64Guest');
    expect(vs.virtualHardware[0]!.items).toHaveLength(5);
    const ds = await lintText(text);
    expect(errors(ds)).toEqual([]);
    expect(of(ds, 'section-info')).toEqual([]);
  });

  it("reads a typed Section whose type is bound to VMware's namespace as a VMware section (a warning when required)", async () => {
    const { envelope } = parseDescriptor(fixture('vmware-0.9-any-xsi-prefix.ovf'), 'x.ovf');
    const vs = [...virtualSystems(envelope!.content)][0]!;
    expect(vs.unknownSections.map((u) => [u.qname, u.ns, u.required])).toEqual([['vmw:BootOrderSection', 'http://www.vmware.com/schema/ovf', true]]);
    const ds = await lintText(fixture('vmware-0.9-any-xsi-prefix.ovf'));
    expect(of(ds, 'required-section').map((d) => [d.severity, d.message])).toEqual([
      ['warning', 'VMware section vmw:BootOrderSection is marked required; ovftool understands it, but ovfpipe ignores it on KVM'],
    ]);
  });

  it('a prefix bound to another namespace is not xsi:type', () => {
    const text = fixture('vmware-0.9-unqualified.ovf')
      .replace('xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"', 'xmlns:xsi="http://example.com/not-xsi"')
      .replace('<ovf:Envelope ', '<ovf:Envelope xmlns:real="http://www.w3.org/2001/XMLSchema-instance" ');
    const { envelope } = parseDescriptor(text, 'x.ovf');
    // Nothing is typed any more: no DiskSection, no VirtualSystem.
    expect(envelope!.disks).toEqual([]);
    expect(envelope!.content).toBeUndefined();
  });

  it('lints every 0.9 descriptor of the reference corpus with no error', async () => {
    const root = corpusPath();
    if (!root) return;
    const files = [...walkFiles(join(root, 'govmomi'), (n) => n.endsWith('.ovf')), ...walkFiles(join(root, 'cot'), (n) => n.endsWith('.ovf'))].filter((f) =>
      readFileSync(f, 'latin1').includes('http://www.vmware.com/schema/ovf/1/envelope'),
    );
    expect(files.length).toBeGreaterThanOrEqual(4);
    const results = await lintFiles(files, { descriptorOnly: true });
    const found = results.flatMap((r) => errors(r.diagnostics).map((d) => `${relative(root, r.file)}:${d.line} ${d.ruleId} ${d.message}`));
    expect(found).toEqual([]);
    expect(results.flatMap((r) => of(r.diagnostics, 'section-info'))).toEqual([]);
  });
});

describe("vCloud: a collection sharing its only VirtualSystem's id", () => {
  it('is a warning that says exactly that', async () => {
    const ds = await lintText(fixture('vcloud-collection-shared-id.ovf'));
    expect(ds.map((d) => [d.ruleId, d.severity, d.message])).toEqual([
      ['unique-ids', 'warning', "VirtualSystemCollection 'tiny' has the same id as its only VirtualSystem (as vCloud Director writes it); DSP0243 wants ids unique, but consumers accept it"],
    ]);
  });

  it('a third Content with that id is still an ambiguous duplicate: an error', async () => {
    const base = fixture('vcloud-collection-shared-id.ovf');
    const vs = base.slice(base.indexOf('    <VirtualSystem ovf:id="tiny">'), base.indexOf('  </VirtualSystemCollection>'));
    const ds = await lintText(base.replace('  </VirtualSystemCollection>', `${vs}  </VirtualSystemCollection>`));
    expect(of(ds, 'unique-ids').map((d) => [d.severity, d.message])).toEqual([
      ['error', "VirtualSystem id 'tiny' is used more than once"],
      ['error', "VirtualSystem id 'tiny' is used more than once"],
    ]);
  });

  it('two sibling VirtualSystems with one id are an error', async () => {
    const base = fixture('vcloud-collection-shared-id.ovf').replace('<VirtualSystemCollection ovf:id="tiny">', '<VirtualSystemCollection ovf:id="vapp">');
    const vs = base.slice(base.indexOf('    <VirtualSystem ovf:id="tiny">'), base.indexOf('  </VirtualSystemCollection>'));
    const ds = await lintText(base.replace('  </VirtualSystemCollection>', `${vs}  </VirtualSystemCollection>`));
    expect(of(ds, 'unique-ids').map((d) => d.severity)).toEqual(['error']);
  });
});

describe('rasd:Connection is checked only on NICs', () => {
  const base = fixture('vcloud-collection-shared-id.ovf');
  it('a NIC on an undeclared network is an error', async () => {
    const ds = await lintText(base.replace('DHCP" vcloud:primaryNetworkConnection="true">vapp-net<', 'DHCP" vcloud:primaryNetworkConnection="true">nowhere<'));
    expect(of(ds, 'network-connection').map((d) => [d.severity, d.message])).toEqual([
      ['info', "Network 'vapp-net' is declared but no NIC connects to it"],
      ['error', "Connection 'nowhere' names no Network in the NetworkSection"],
    ]);
  });
  it('a Connection on a disk Item is not looked at', async () => {
    const ds = await lintText(base.replace('<rasd:ElementName>Hard disk 1</rasd:ElementName>', '<rasd:Connection>nowhere</rasd:Connection><rasd:ElementName>Hard disk 1</rasd:ElementName>'));
    expect(of(ds, 'network-connection')).toEqual([]);
  });
});

describe('an empty ovf:capacityAllocationUnits', () => {
  const base = fixture('vcloud-collection-shared-id.ovf');
  it('is an error, not silently bytes', async () => {
    const ds = await lintText(base.replace('ovf:capacityAllocationUnits="byte * 2^30"', 'ovf:capacityAllocationUnits=""'));
    expect(of(ds, 'disk-capacity').map((d) => [d.severity, d.message])).toEqual([
      ['error', "Disk 'vmdisk1' has an empty capacityAllocationUnits; write the unit (e.g. 'byte * 2^30') or leave the attribute out for bytes"],
    ]);
    const { envelope } = parseDescriptor(base.replace('ovf:capacityAllocationUnits="byte * 2^30"', 'ovf:capacityAllocationUnits="  "'), 'x.ovf');
    expect(envelope!.disks[0]!.capacityBytes).toBeUndefined();
  });
  it('absent, it means bytes', async () => {
    const text = base.replace(' ovf:capacityAllocationUnits="byte * 2^30"', '').replace('ovf:capacity="1"', 'ovf:capacity="1073741824"');
    expect(of(await lintText(text), 'disk-capacity')).toEqual([]);
    expect(parseDescriptor(text, 'x.ovf').envelope!.disks[0]!.capacityBytes).toBe(2 ** 30);
  });
});

describe('sizes past 2^53', () => {
  const base = fixture('vcloud-collection-shared-id.ovf');
  it('are errors that say so, not "not an unsigned integer"', async () => {
    const ds = await lintText(base.replace('ovf:size="68608"', 'ovf:size="9223372036854775807"').replace('ovf:diskId="vmdisk1"', 'ovf:diskId="vmdisk1" ovf:populatedSize="9223372036854775807"'));
    expect(
      errors(ds)
        .filter((d) => d.ruleId !== 'xsd-types')
        .map((d) => d.message),
    ).toEqual([
      "File 'file1' ovf:size '9223372036854775807' is more than 2^53 bytes, past what ovfpipe (and any real disk) handles exactly",
      "Disk 'vmdisk1' populatedSize '9223372036854775807' is more than 2^53 bytes, past what ovfpipe (and any real disk) handles exactly",
    ]);
    const negative = await lintText(base.replace('ovf:size="68608"', 'ovf:size="-2"'));
    expect(of(negative, 'references-file').map((d) => d.message)).toEqual(["File 'file1' ovf:size '-2' is not an unsigned integer"]);
  });
});

describe('a capacity of 0 cannot be deployed: an error', () => {
  const base = fixture('vcloud-collection-shared-id.ovf');
  it('a capacity of 0', async () => {
    const ds = await lintText(base.replace('ovf:capacity="1"', 'ovf:capacity="0"'));
    expect(of(ds, 'disk-capacity').map((d) => [d.severity, d.message])).toEqual([['error', "Disk 'vmdisk1' has a capacity of 0 bytes"]]);
  });
});

describe("VMware's ovf://disk/ HostResource", () => {
  it('is read as ovf:/disk/ by lint (a warning) and by render (attached)', async () => {
    const text = fixture('vcloud-collection-shared-id.ovf').replace('<rasd:HostResource>ovf:/disk/vmdisk1', '<rasd:HostResource>ovf://disk/vmdisk1');
    const ds = await lintText(text);
    expect(of(ds, 'host-resource').map((d) => [d.severity, d.message])).toEqual([['warning', "HostResource 'ovf://disk/vmdisk1' has a doubled slash; it was read as ovf:/disk/vmdisk1"]]);
    const bad = await lintText(text.replace('ovf://disk/vmdisk1', 'ovf://disk/gone'));
    expect(errors(bad).map((d) => d.message)).toEqual(["HostResource 'ovf://disk/gone' names no Disk in the DiskSection"]);
    const { envelope } = parseDescriptor(text, 'x.ovf');
    const r = renderPackage({ envelope: envelope!, packageName: 'x', tenant: 't', storageRoot: '/var/lib/ovfpipe', options: renderOptions(), digests: new Map() });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(r.domains[0]!.xml).toMatch(/<disk type='file' device='disk'>/);
  });
});

describe('XenServer: ResourceType 19 with an ovf:/disk/ HostResource is a disk', () => {
  const file = join(APPLIANCES, 'xenserver-rt19.ovf');
  it('in the library summary and in inspect', async () => {
    const { envelope } = parseDescriptor(readFileSync(file), file);
    const summary = summarizeEnvelope(envelope!);
    const kinds = summary.virtualSystems[0]!.disks.map((d) => [d.kind, d.hostResource]);
    expect(kinds).toContainEqual(['StorageExtent', expect.stringMatching(/^ovf:\/disk\//)]);
    const report = await inspectPackage(file);
    expect(report.envelope!.virtualSystems[0]!.disks.map((d) => [d.kind, d.hostResource])).toEqual(kinds);
  });
  it('and lint finds no error in it', async () => {
    const [r] = await lintFiles([file], { descriptorOnly: true });
    expect(errors(r!.diagnostics)).toEqual([]);
  });
});

describe('UTF-16 (both byte orders, with BOM) and UTF-8 with a BOM', () => {
  const utf8 = fixture('vcloud-collection-shared-id.ovf');
  const utf16Text = utf8.replace('encoding="UTF-8"', 'encoding="UTF-16"');
  const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(utf16Text, 'utf16le')]);
  const be = Buffer.from(le);
  be.swap16();
  const encodings: Array<[string, Uint8Array]> = [
    ['UTF-16LE', le],
    ['UTF-16BE', be],
    ['UTF-8 with BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(utf8)])],
  ];

  it('the byte orders really differ', () => {
    expect([le[0], le[1], le[2], le[3]]).toEqual([0xff, 0xfe, 0x3c, 0x00]);
    expect([be[0], be[1], be[2], be[3]]).toEqual([0xfe, 0xff, 0x00, 0x3c]);
  });

  for (const [name, bytes] of encodings) {
    it(`${name}: lint gives what the UTF-8 descriptor gives, at the same lines`, async () => {
      const plain = await lintText(utf8);
      const other = await lintText(bytes);
      const shape = (ds: Diagnostic[]) => ds.map((d) => [d.ruleId, d.severity, d.message, d.line, d.column]);
      expect(shape(other)).toEqual(shape(plain));
      expect(plain).toHaveLength(1);
    });

    it(`${name}: inspect reads the same package`, async () => {
      const dir = mkdtempSync(join(tmp, 'inspect-'));
      writeFileSync(join(dir, 'tiny.ovf'), bytes);
      const report = await inspectPackage(dir);
      expect(report.problems).toEqual([]);
      expect(report.envelope!.virtualSystems.map((v) => [v.id, v.cpus, v.memoryBytes, v.nics.length, v.disks.length])).toEqual([['tiny', 1, 512 * 2 ** 20, 1, 1]]);
      const { code, out } = await runCli(['inspect', '--json', dir]);
      expect(code).toBe(0);
      expect(JSON.parse(out).envelope.networks.map((n: { name: string }) => n.name)).toEqual(['vapp-net']);
    });
  }
});

describe('rule options', () => {
  const dotted = fixture('vcloud-collection-shared-id.ovf').replace(
    '<StartupSection>',
    '<ProductSection><Info>p</Info><Property ovf:key="guestinfo.ip" ovf:type="string" ovf:value="x"/></ProductSection>\n    <StartupSection>',
  );
  const periodSeverities = (yaml: string) => {
    const { envelope } = parseDescriptor(dotted, 'x.ovf');
    const config = parseLintConfig(yaml, 'cfg.yaml');
    return runRules({ scope: 'descriptor', file: 'x.ovf', envelope: envelope! }, config)
      .filter((d) => d.ruleId === 'property-key')
      .map((d) => d.severity);
  };

  it('property-key allowPeriod: unset → warning, true → not reported, false → the rule level', () => {
    expect(periodSeverities('')).toEqual(['warning']);
    expect(periodSeverities('rules:\n  property-key: [warn, { allowPeriod: true }]\n')).toEqual([]);
    expect(periodSeverities('rules:\n  property-key: [error, { allowPeriod: false }]\n')).toEqual(['error']);
  });

  function usage(yaml: string): string {
    try {
      parseLintConfig(yaml, 'cfg.yaml');
    } catch (e) {
      expect(isOvfpipeError(e) && e.code).toBe('OVFPIPE_USAGE');
      return (e as Error).message;
    }
    throw new Error('expected a configuration error');
  }

  it('an unknown option is a configuration error naming file, line and column and the known options', () => {
    expect(usage('rules:\n  property-key: [warn, { allowPeriods: true }]\n')).toContain("cfg.yaml:2:26: rules.property-key: unknown option 'allowPeriods' (options of property-key: allowPeriod)");
    expect(usage('rules:\n  section-info:\n    - warn\n    - colour: red\n')).toContain("cfg.yaml:4:7: rules.section-info: unknown option 'colour' (section-info takes no options)");
  });

  it('a value of the wrong type is a configuration error, for every kind of option', () => {
    const msg = usage(
      'rules:\n  property-key: [warn, { allowPeriod: "yes" }]\n  property-qualifiers: [warn, { allow: Ip }]\n  policy-nic-protected: [error, { require: all }]\n  nwfilter-filterref: [error, { knownFilters: [1, 2] }]\n',
    );
    expect(msg).toContain('cfg.yaml:2:39: rules.property-key.allowPeriod must be true or false (got "yes")');
    expect(msg).toContain('cfg.yaml:3:40: rules.property-qualifiers.allow must be a list of strings (got "Ip")');
    expect(msg).toContain('cfg.yaml:4:44: rules.policy-nic-protected.require must be one of either, filter, profile (got "all")');
    expect(msg).toContain('cfg.yaml:5:47: rules.nwfilter-filterref.knownFilters must be a list of strings (got [1,2])');
  });

  it('the CLI exits 2 with that message for a --config file', async () => {
    const cfg = join(tmp, 'bad-options.yaml');
    writeFileSync(cfg, 'rules:\n  property-key: [warn, { allowPeriods: true }]\n');
    const r = await runCli(['lint', '--config', cfg, join(DIALECTS, 'vcloud-collection-shared-id.ovf')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${cfg}:2:26: rules.property-key: unknown option 'allowPeriods'`);
  });
});

describe('the shipped example packages', () => {
  const packages = readdirSync(EXAMPLES, { withFileTypes: true })
    .filter((d) => d.isDirectory() && readdirSync(join(EXAMPLES, d.name)).some((f) => f.endsWith('.ovf')))
    .map((d) => join(EXAMPLES, d.name));

  it('are at least the three documented ones', () => {
    expect(packages.map((p) => p.slice(EXAMPLES.length + 1)).sort()).toEqual(expect.arrayContaining(['secure-web', 'two-tier', 'web-appliance']));
  });

  for (const pkg of packages)
    it(`ovfpipe lint --strict ${relative(join(EXAMPLES, '..'), pkg)} passes (no error, no warning)`, async () => {
      const r = await runCli(['lint', '--strict', '--format', 'json', pkg]);
      const diagnostics = (JSON.parse(r.out) as Array<{ diagnostics: Diagnostic[] }>).flatMap((f) => f.diagnostics);
      expect(diagnostics.filter((d) => d.severity !== 'info').map((d) => `${d.line}:${d.column} ${d.ruleId} ${d.message}`)).toEqual([]);
      expect(r.code).toBe(0);
    });
});

/**
 * The contract as a table: for each structure rule, the vCloud fixture (a real writer's form,
 * made DMTF-clean) is accepted, and one mutation is rejected at the severity the contract gives,
 * for the reason in the last column.
 */
describe('the contract, rule by rule: one descriptor accepted, one rejected', () => {
  const clean = fixture('vcloud-collection-shared-id.ovf').replace('<VirtualSystemCollection ovf:id="tiny">', '<VirtualSystemCollection ovf:id="vapp">');
  const vhsStart = clean.indexOf('      <VirtualHardwareSection>');
  const vhsEnd = clean.indexOf('</VirtualHardwareSection>') + '</VirtualHardwareSection>'.length;
  const rows: Array<[rule: string, mutate: (t: string) => string, severity: 'error' | 'warning', why: string]> = [
    [
      'references-file',
      (t) => t.replace('<File ovf:href="vm-disk1.vmdk" ovf:id="file1" ovf:size="68608"/>', '<File ovf:href="a.vmdk" ovf:id="file1"/><File ovf:href="vm-disk1.vmdk" ovf:id="file1" ovf:size="68608"/>'),
      'error',
      'a duplicate id makes a reference ambiguous',
    ],
    ['unique-ids', (t) => t.replace('<VirtualSystemCollection ovf:id="vapp">', '<VirtualSystemCollection ovf:id="tiny">'), 'warning', "a collection sharing its only child's id"],
    ['unique-ids', (t) => t.replace('</DiskSection>', '<Disk ovf:capacity="1" ovf:diskId="vmdisk1"/></DiskSection>'), 'error', 'a duplicate id makes a reference ambiguous'],
    ['section-info', (t) => t.replace('<Info>Virtual disk information</Info>', ''), 'warning', 'a missing <Info>'],
    ['content-present', (t) => t.slice(0, t.indexOf('  <VirtualSystemCollection')) + '</Envelope>\n', 'error', 'nothing to deploy'],
    ['disk-capacity', (t) => t.replace('ovf:capacity="1"', 'ovf:capacity="-1"'), 'error', 'a negative size'],
    ['disk-capacity', (t) => t.replace('ovf:capacityAllocationUnits="byte * 2^30"', 'ovf:capacityAllocationUnits="gallons"'), 'error', 'a bad allocation unit'],
    ['network-connection', (t) => t.replace('>vapp-net</rasd:Connection>', '>nowhere</rasd:Connection>'), 'error', 'a reference that resolves to nothing'],
    ['host-resource', (t) => t.replace('ovf:/disk/vmdisk1', 'ovf:/disk/gone'), 'error', 'a reference that resolves to nothing'],
    ['instance-id', (t) => t.replace('<rasd:InstanceID>2</rasd:InstanceID>', '<rasd:InstanceID>1</rasd:InstanceID>'), 'error', 'a duplicate id makes a reference ambiguous'],
    ['resource-type', (t) => t.replace('<rasd:ResourceType>3</rasd:ResourceType>', '<rasd:ResourceType>three</rasd:ResourceType>'), 'error', 'a value outside its type'],
    ['allocation-units', (t) => t.replace('<rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits>', '<rasd:AllocationUnits>gallons</rasd:AllocationUnits>'), 'error', 'a bad allocation unit'],
    ['virtual-hardware', (t) => t.slice(0, vhsStart) + t.slice(vhsEnd), 'warning', 'a VirtualSystem without a VirtualHardwareSection'],
    [
      'required-section',
      (t) => t.replace('<StartupSection>', '<x:LicenseSection xmlns:x="urn:vendor"><Info>l</Info></x:LicenseSection><StartupSection>'),
      'warning',
      'a vendor section marked required',
    ],
    ['required-section', (t) => t.replace('<StartupSection>', '<LicenseSection><Info>l</Info></LicenseSection><StartupSection>'), 'error', 'no DSP0243 section: a consumer must refuse it'],
    [
      'element-namespace',
      (t) => t.replace('<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1"', '<ovf:Envelope').replace('</Envelope>', '</ovf:Envelope>'),
      'warning',
      'unqualified OVF elements',
    ],
    [
      'property-key',
      (t) => t.replace('<StartupSection>', '<ProductSection><Info>p</Info><Property ovf:key="guestinfo.ip" ovf:type="string" ovf:value="x"/></ProductSection><StartupSection>'),
      'warning',
      'a dotted property key',
    ],
    [
      'property-key',
      (t) => t.replace('<StartupSection>', '<ProductSection><Info>p</Info><Property ovf:key="a" ovf:type="string"/><Property ovf:key="a" ovf:type="string"/></ProductSection><StartupSection>'),
      'error',
      'a duplicate key loses a value',
    ],
  ];

  it('the accepted descriptor is clean', async () => {
    expect(await lintText(clean)).toEqual([]);
  });

  for (const [rule, mutate, severity, why] of rows)
    it(`${rule}: ${severity} for ${why}`, async () => {
      const mutated = mutate(clean);
      expect(mutated).not.toBe(clean);
      const found = of(await lintText(mutated), rule);
      expect(
        found.map((d) => d.severity),
        found.map((d) => d.message).join('; '),
      ).toContain(severity);
      if (severity === 'warning') expect(found.filter((d) => d.severity === 'error')).toEqual([]);
    });
});
