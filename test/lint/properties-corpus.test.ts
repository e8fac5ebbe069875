/**
 * The property rules over every descriptor of the reference corpus
 * (../shared/corpus/govmomi and cot): no rule may throw, and no descriptor
 * gets a property error. Every finding there was inspected; what the corpus
 * does get is VMware tolerance, reported as warnings:
 * - dotted keys (`guestinfo.cis.*` in the vCenter appliance): property-key;
 * - `int`/`real` types and `String`/`Boolean` spellings: property-type;
 * - whitespace-separated `MinValue(1) MaxValue(10000)`, unquoted ValueMap
 *   entries, vSphere qualifiers such as `Ip` in ovf:qualifiers: property-qualifiers;
 * - `<Value>` without ovf:configuration, empty DeploymentOptionSection: property-configuration;
 * - no default for a non-configurable numeric property, `'  42  '`: property-value.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/diagnostics/diagnostic.js';
import { runRules } from '../../src/lint/engine.js';
import { propertiesRules } from '../../src/lint/rules/properties/index.js';
import { parseDescriptor } from '../../src/ovf/parser.js';
import { corpusPath, walkFiles } from '../helpers/corpus.js';

const root = corpusPath();

function lint(file: string): Diagnostic[] {
  const rel = relative(root!, file);
  const { envelope } = parseDescriptor(readFileSync(file), rel);
  return envelope ? runRules({ scope: 'descriptor', file: rel, envelope }, {}, propertiesRules) : [];
}

describe.skipIf(!root)('property rules over the reference corpus', () => {
  const files = root ? [...walkFiles(`${root}/govmomi`, (n) => n.endsWith('.ovf')), ...walkFiles(`${root}/cot`, (n) => n.endsWith('.ovf'))] : [];
  const all = files.flatMap(lint);

  it('lints every descriptor without a rule throwing', () => {
    expect(files.length).toBeGreaterThan(500);
    expect(all.filter((d) => d.ruleId === 'internal-error')).toEqual([]);
  });

  it('finds no property errors: the corpus only uses tolerated vendor variants (warnings)', () => {
    const counts: Record<string, number> = {};
    for (const d of all) counts[`${d.ruleId} ${d.severity}`] = (counts[`${d.ruleId} ${d.severity}`] ?? 0) + 1;
    console.log(`property rules over ${files.length} corpus descriptors:`, counts);
    expect(all.filter((d) => d.severity === 'error').map((d) => `${d.file}:${d.line} ${d.message}`)).toEqual([]);
  });

  it('gives the real appliances (govmomi/vmware, COT csr1000v) at most warnings', () => {
    const appliances = files.filter((f) => /govmomi\/vmware\/|cot\/csr1000v\.ovf$/.test(f));
    expect(appliances.length).toBeGreaterThanOrEqual(8);
    for (const f of appliances)
      expect(
        lint(f).filter((d) => d.severity === 'error'),
        f,
      ).toEqual([]);
  });

  it("flags govmomi's invalid-property-key.ovf negative case", () => {
    const ds = lint(`${root}/govmomi/invalid-property-key.ovf`);
    expect(ds.map((d) => `${d.ruleId}:${d.severity}:${d.locator}`)).toEqual(['property-key:warning:VirtualSystem[invalid-key-vm]/ProductSection/Property[key=invalid.key]']);
  });

  it('reads the vSphere qualifier fixture: unknown qualifiers warn, DMTF ones are checked', () => {
    const ds = lint(`${root}/govmomi/qualifiers.ovf`).filter((d) => d.ruleId === 'property-qualifiers');
    expect(ds.every((d) => d.severity === 'warning')).toBe(true);
    expect(new Set(ds.map((d) => d.message.split("'")[1]))).toContain('Ip');
  });
});
