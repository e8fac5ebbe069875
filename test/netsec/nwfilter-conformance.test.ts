/**
 * Conformance with libvirt's schema: for every filter in libvirt's xml2xml
 * test inputs and every built-in filter, ovfpipe's lint verdict (any error or
 * none) equals `virt-xml-validate FILE nwfilter` (exit 0 valid, 3 invalid).
 * virt-xml-validate is xmllint with nwfilter.rng; to stay fast, the schema is
 * run once over all files with xmllint, and virt-xml-validate itself is
 * checked to agree on a valid and an invalid sample.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { hasErrors } from '../../src/diagnostics/diagnostic.js';
import { lintFilterElement } from '../../src/lint/lint-nwfilter.js';
import { parseXml } from '../../src/xml/parse.js';
import { CORPUS_DIR, inCI } from '../helpers/corpus.js';

const SCHEMA = '/usr/share/libvirt/schemas/nwfilter.rng';
const DIRS = ['nwfilterxml2xmlin', 'builtin-filters'];

function onPath(bin: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
}

function missingPrerequisite(): string | undefined {
  const corpus = join(CORPUS_DIR, 'libvirt');
  if (!existsSync(corpus)) return `libvirt corpus not found at ${corpus}`;
  if (!onPath('virt-xml-validate')) return 'virt-xml-validate not installed (apt-get install libvirt-clients)';
  if (!onPath('xmllint')) return 'xmllint not installed (apt-get install libxml2-utils)';
  if (!existsSync(SCHEMA)) return `libvirt schema ${SCHEMA} not found`;
  return undefined;
}

function corpusFiles(): string[] {
  return DIRS.flatMap((d) => {
    const dir = join(CORPUS_DIR, 'libvirt', d);
    return readdirSync(dir)
      .filter((f) => f.endsWith('.xml'))
      .sort()
      .map((f) => join(dir, f));
  });
}

/** One xmllint run; it prints "FILE validates" or "FILE fails to validate" per file. */
function schemaVerdicts(files: string[]): Map<string, boolean> {
  const r = spawnSync('xmllint', ['--noout', '--relaxng', SCHEMA, ...files], { encoding: 'utf8' });
  const verdicts = new Map<string, boolean>();
  for (const line of r.stderr.split('\n')) {
    const m = /^(.*) (validates|fails to validate)$/.exec(line);
    if (m) verdicts.set(m[1]!, m[2] === 'validates');
  }
  return verdicts;
}

function ourVerdict(file: string): { valid: boolean; errors: string[] } {
  const parsed = parseXml(readFileSync(file));
  if (!parsed.ok) return { valid: false, errors: [parsed.problem.message] };
  const diags = lintFilterElement(parsed.root, file);
  return { valid: !hasErrors(diags), errors: diags.filter((d) => d.severity === 'error').map((d) => `${d.ruleId}: ${d.message}`) };
}

const missing = missingPrerequisite();

describe('nwfilter verdicts match virt-xml-validate', () => {
  if (missing) {
    if (inCI) it('has the libvirt corpus and validator (required in CI)', () => expect.fail(missing));
    else {
      console.warn(`\n*** SKIPPING nwfilter conformance tests: ${missing} ***\n`);
      it.skip(`SKIPPED: ${missing}`, () => {});
    }
    return;
  }
  const files = corpusFiles();
  let verdicts = new Map<string, boolean>();
  beforeAll(() => {
    verdicts = schemaVerdicts(files);
  });

  it('covers the whole corpus (48 xml2xml inputs, 24 built-ins)', () => {
    expect(files.length).toBe(72);
    expect(verdicts.size).toBe(files.length);
  });

  it('virt-xml-validate gives the same verdicts as the batched xmllint run', () => {
    const valid = files.find((f) => verdicts.get(f) === true)!;
    const invalid = files.find((f) => verdicts.get(f) === false)!;
    expect(spawnSync('virt-xml-validate', [valid, 'nwfilter']).status).toBe(0);
    expect(spawnSync('virt-xml-validate', [invalid, 'nwfilter']).status).toBe(3);
  });

  it.each(
    DIRS.flatMap((d) =>
      readdirSync(join(CORPUS_DIR, 'libvirt', d))
        .filter((f) => f.endsWith('.xml'))
        .map((f) => `${d}/${f}`),
    ),
  )('agrees with the schema on %s', (rel) => {
    const file = join(CORPUS_DIR, 'libvirt', rel);
    const ours = ourVerdict(file);
    expect({ file: rel, valid: ours.valid, errors: ours.valid ? [] : ours.errors }).toMatchObject({ file: rel, valid: verdicts.get(file) });
  });
});
