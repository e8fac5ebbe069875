/**
 * Lint against an oracle we can run: the DMTF envelope XSD through xmllint
 * (../shared/corpus/dmtf-schemas, offline catalog). The same comparison as
 * `bash bench/xsd-agreement.sh`, with the library's lintFiles:
 *   - over the corpus, the disagreements are exactly the reviewed ones in
 *     bench/xsd-agreement-reasons.yaml (none unexplained, none stale);
 *   - no descriptor the XSD accepts gets an xsd-types error;
 *   - each XSD-typed row of the constraint table, broken in an XSD-valid
 *     descriptor, is refused by xmllint and reported by xsd-types.
 * In CI a missing corpus or xmllint is a failure; elsewhere these tests skip loudly.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// A plain ESM module shared with `bash bench/xsd-agreement.sh`, so both compare the same way.
import { compare, DEFAULT_REASONS, findDescriptors, readReasons, xsdVerdicts } from '../../bench/xsd-agreement.mjs';
import { lintFiles } from '../../src/actions/lint-files.js';
import { runRules } from '../../src/lint/engine.js';
import { allRules } from '../../src/lint/rules/index.js';
import { parseDescriptor } from '../../src/ovf/parser.js';
import { XSD_CONSTRAINTS, type XsdConstraint } from '../../src/ovf/xsd-constraints.js';
import { corpusPath, inCI } from '../helpers/corpus.js';

function xmllintPresent(): boolean {
  if (!spawnSync('xmllint', ['--version']).error) return true;
  const why = 'xmllint not found (Debian: libxml2-utils, installed by test/e2e/infra.sh install)';
  if (inCI) throw new Error(`${why}: it is required in CI`);
  console.warn(`\n*** SKIPPING XSD agreement tests: ${why} ***\n`);
  return false;
}

interface Row {
  file: string;
  xsd: { verdict: string; message: string };
  lint: { verdict: string; ruleIds: string[] };
}
interface Disagreement {
  file: string;
  direction: string;
  reasonId?: string;
  lint: { ruleIds: string[] };
  xsd: { message: string };
}

const root = corpusPath();
const haveXmllint = root !== undefined && xmllintPresent();

describe.skipIf(!haveXmllint)('lint against the DMTF XSD (xmllint) over the corpus', () => {
  it('disagrees only where bench/xsd-agreement-reasons.yaml gives a reviewed reason, and every reason there is still needed', async () => {
    const files: string[] = findDescriptors(root!);
    expect(files.length).toBeGreaterThan(500);
    const results = await lintFiles(
      files.map((f) => join(root!, f)),
      { descriptorOnly: true },
    );
    const lint = new Map(results.map((r) => [relative(root!, r.file), r]));
    const reasons = readReasons(DEFAULT_REASONS);
    const result = compare(files, lint, xsdVerdicts(root!, files), reasons) as {
      counts: Record<string, number>;
      disagreements: Disagreement[];
      stale: string[];
      rows: Row[];
    };
    console.log(`XSD agreement: ${JSON.stringify(result.counts)}`);
    const unexplained = result.disagreements.filter((d) => d.reasonId === undefined).map((d) => `${d.file} (${d.direction}: ${d.lint.ruleIds.join(', ') || d.xsd.message})`);
    expect(unexplained, 'review each with bash bench/xsd-agreement.sh and add it to bench/xsd-agreement-reasons.yaml').toEqual([]);
    expect(result.stale, 'these now agree: remove them from bench/xsd-agreement-reasons.yaml').toEqual([]);

    // The table must not call a descriptor the XSD accepts broken by the XSD's own measure. (Its checks
    // beyond the XSD, a byte count past 2^53 or negative, and DSP0243's enumerations, may still fire.)
    const xsdOwn = new Set(['type', 'range', 'missing']);
    const falseErrors = result.rows
      .filter((r) => r.xsd.verdict === 'valid')
      .flatMap((r) => (lint.get(r.file)?.diagnostics ?? []).filter((d) => d.ruleId === 'xsd-types' && xsdOwn.has(d.messageId ?? '')).map((d) => `${r.file}:${d.line}: ${d.message}`));
    expect(falseErrors).toEqual([]);
  });
});

/** A descriptor the DSP8023 1.1.1 XSD accepts, carrying every element the table has a 1.x row for. */
const BASE = `<?xml version="1.0" encoding="UTF-8"?>
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData">
  <References>
    <File ovf:id="file1" ovf:href="disk1.vmdk" ovf:size="1048576" ovf:chunkSize="524288"/>
  </References>
  <DiskSection>
    <Info>disks</Info>
    <Disk ovf:diskId="disk1" ovf:fileRef="file1" ovf:capacity="1" ovf:capacityAllocationUnits="byte * 2^30" ovf:populatedSize="1048576"/>
  </DiskSection>
  <NetworkSection>
    <Info>networks</Info>
    <Network ovf:name="lan"><Description>lan</Description></Network>
  </NetworkSection>
  <DeploymentOptionSection>
    <Info>options</Info>
    <Configuration ovf:id="small" ovf:default="true"><Label>small</Label><Description>small</Description></Configuration>
  </DeploymentOptionSection>
  <VirtualSystemCollection ovf:id="app">
    <Info>app</Info>
    <StartupSection>
      <Info>startup</Info>
      <Item ovf:id="vm" ovf:order="1" ovf:startDelay="0" ovf:stopDelay="0" ovf:waitingForGuest="false" ovf:startAction="powerOn" ovf:stopAction="powerOff"/>
    </StartupSection>
    <VirtualSystem ovf:id="vm">
      <Info>vm</Info>
      <ProductSection>
        <Info>product</Info>
        <Icon ovf:fileRef="file1" ovf:height="32" ovf:width="32"/>
        <Property ovf:key="k" ovf:type="string" ovf:value="a" ovf:userConfigurable="true" ovf:password="false">
          <Value ovf:value="b" ovf:configuration="small"/>
        </Property>
      </ProductSection>
      <OperatingSystemSection ovf:id="1" ovf:required="true">
        <Info>os</Info>
      </OperatingSystemSection>
      <InstallSection ovf:initialBootStopDelay="0">
        <Info>install</Info>
      </InstallSection>
      <AnnotationSection>
        <Info>annotation</Info>
        <Annotation>a note</Annotation>
      </AnnotationSection>
      <EulaSection>
        <Info>eula</Info>
        <License>the license</License>
      </EulaSection>
      <VirtualHardwareSection>
        <Info>hw</Info>
        <Item ovf:required="true" ovf:bound="normal">
          <rasd:ElementName>cpu</rasd:ElementName>
          <rasd:InstanceID>1</rasd:InstanceID>
          <rasd:ResourceType>3</rasd:ResourceType>
          <rasd:VirtualQuantity>1</rasd:VirtualQuantity>
        </Item>
        <Item>
          <rasd:AutomaticAllocation>true</rasd:AutomaticAllocation>
          <rasd:AutomaticDeallocation>true</rasd:AutomaticDeallocation>
          <rasd:Connection>lan</rasd:Connection>
          <rasd:ElementName>nic</rasd:ElementName>
          <rasd:InstanceID>2</rasd:InstanceID>
          <rasd:Limit>100</rasd:Limit>
          <rasd:Reservation>10</rasd:Reservation>
          <rasd:ResourceType>10</rasd:ResourceType>
          <rasd:VirtualQuantity>1</rasd:VirtualQuantity>
          <rasd:Weight>5</rasd:Weight>
        </Item>
      </VirtualHardwareSection>
    </VirtualSystem>
  </VirtualSystemCollection>
</Envelope>
`;

/** Where each row's element starts in BASE (`Section` rows are tried on the OperatingSystemSection). */
const TAG: Record<string, string> = {
  'References/File': '<File ',
  'DiskSection/Disk': '<Disk ',
  'ProductSection/Property': '<Property ',
  'Property/Value': '<Value ',
  'ProductSection/Icon': '<Icon ',
  'DeploymentOptionSection/Configuration': '<Configuration ',
  OperatingSystemSection: '<OperatingSystemSection ',
  Section: '<OperatingSystemSection ',
  InstallSection: '<InstallSection ',
  'StartupSection/Item': '<Item ovf:id=',
  'VirtualHardwareSection/Item': '<Item ovf:required=',
  AnnotationSection: '<AnnotationSection>',
  EulaSection: '<EulaSection>',
};
/** RASD fields are tried on the NIC Item (a CPU's VirtualQuantity is allocation-units' to check). */
const RASD_TAG = '<Item>\n';
/** 2.x-only elements, which a 1.x descriptor cannot carry (their rows are tested in xsd-types.test.ts). */
const NOT_IN_BASE = new Set([
  'VirtualHardwareSection/EthernetPortItem',
  'VirtualHardwareSection/StorageItem',
  'ScaleOutSection',
  'ScaleOutSection/InstanceCount',
  'PlacementGroupSection',
  'PlacementSection',
  'EnvironmentFilesSection/File',
  'SharedDiskSection/SharedDisk',
]);
const BAD: Partial<Record<XsdConstraint['type'], string>> = { boolean: 'yes', unsignedShort: '70000', unsignedInt: '-1', unsignedLong: '-1', long: 'x', anyURI: 'a%zz.vmdk' };

/** BASE with the row's attribute (or child element) removed (value undefined) or set to `value`, on the row's element only. */
function mutate(row: XsdConstraint, value: string | undefined): string {
  const start = BASE.indexOf(row.in === 'rasd' ? RASD_TAG : TAG[row.element]!);
  const end = row.in === undefined ? BASE.indexOf('>', start) : BASE.indexOf(`</${BASE.slice(start + 1).split(/[\s>]/)[0]}>`, start);
  const part = BASE.slice(start, end);
  const q = row.in === 'rasd' ? `rasd:${row.attribute}` : row.attribute;
  const pattern = row.in === undefined ? new RegExp(` ovf:${row.attribute}="[^"]*"`) : new RegExp(`\\s*<${q}>[^<]*</${q}>`);
  const replacement = value === undefined ? '' : row.in === undefined ? ` ovf:${row.attribute}="${value}"` : `<${q}>${value}</${q}>`;
  expect(part, `${row.element}@${row.attribute} in BASE`).toMatch(pattern);
  return BASE.slice(0, start) + part.replace(pattern, replacement) + BASE.slice(end);
}

describe.skipIf(!haveXmllint)('each XSD-typed row of the constraint table against xmllint', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ovfpipe-xsd-rows-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the base descriptor is valid for both and lints without errors', () => {
    writeFileSync(join(dir, 'base.ovf'), BASE);
    const r = spawnSync('xmllint', ['--nonet', '--noout', '--schema', join(root!, 'dmtf-schemas/dsp8023_1.1.1.xsd'), 'base.ovf'], {
      cwd: dir,
      env: { ...process.env, XML_CATALOG_FILES: join(root!, 'dmtf-schemas/catalog.xml') },
      encoding: 'utf8',
    });
    expect(r.stderr).toContain('base.ovf validates');
    const { envelope } = parseDescriptor(BASE, 'base.ovf');
    expect(runRules({ scope: 'descriptor', file: 'base.ovf', envelope: envelope! }, {}, allRules).filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('a value outside the row (or a missing required attribute) is refused by xmllint and reported by xsd-types', () => {
    // Rows this rule reports (not delegated, not a tolerance) whose constraint is the XSD's own (not DSP0243 text).
    const rows = XSD_CONSTRAINTS.filter((r) => r.tolerated !== true && (r.reportedBy === undefined || r.exceptResourceTypes !== undefined) && !r.source.startsWith('DSP0243'));
    expect(rows.filter((r) => !(r.element in TAG)).map((r) => r.element)).toEqual(rows.filter((r) => NOT_IN_BASE.has(r.element)).map((r) => r.element));
    const cases: Array<{ name: string; row: XsdConstraint; xml: string }> = [];
    for (const row of rows.filter((r) => r.element in TAG)) {
      if (row.required) cases.push({ name: `missing-${cases.length}.ovf`, row, xml: mutate(row, undefined) });
      const bad = BAD[row.type];
      if (bad !== undefined) cases.push({ name: `bad-${cases.length}.ovf`, row, xml: mutate(row, bad) });
    }
    // Every row in BASE is broken at least once (missing, or a bad value of its type).
    expect(new Set(cases.map((c) => c.row)).size).toBe(rows.filter((r) => r.element in TAG).length);
    expect(cases.length).toBeGreaterThan(25);
    for (const c of cases) writeFileSync(join(dir, c.name), c.xml);
    const verdicts = xsdVerdicts(
      dir,
      cases.map((c) => c.name),
      join(root!, 'dmtf-schemas'),
    ) as Map<string, { verdict: string; message: string }>;
    for (const c of cases) {
      const what = `${c.name}: ${c.row.element}@${c.row.attribute}`;
      expect(verdicts.get(c.name)?.verdict, what).toBe('invalid');
      const { envelope } = parseDescriptor(c.xml, c.name);
      const found = runRules({ scope: 'descriptor', file: c.name, envelope: envelope! }, {}, allRules).filter((d) => d.ruleId === 'xsd-types' && d.data?.['attribute'] === c.row.attribute);
      expect(found.length, what).toBe(1);
    }
  });
});
