/**
 * The schema validators precompiled by `npm run build` (src/macros/schema-validator.ts): the generated
 * (ajv standalone) validator gives the same verdicts, coercions, errors and located diagnostics as the one
 * ajv compiles at run time, on the example files and on mutants of them; a generated module is used only
 * when its fingerprint is the one of the schema and options in force (stale, missing or broken: compiled).
 */
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import type { ValidateFunction } from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import { compileValidator, loadGeneratedValidator, schemaValidator, validatorFingerprint, type SchemaValidatorSpec } from '../../src/macros/schema-validator.js';
import { generatedValidatorSource } from '../../src/macros/schema-validator-codegen.js';
import { parseLocatedYaml, schemaDiagnostics, type LocatedYaml, type YamlPath } from '../../src/macros/yaml-input.js';
import { GENERATED_VALIDATORS } from '../../src/pipeline/generated-validators.js';
import { inCI } from '../helpers/corpus.js';

const ROOT = resolve(import.meta.dirname, '../..');
const requireHere = createRequire(import.meta.url);

/** The generated module's source evaluated as CommonJS (its `require('ajv/dist/runtime/…')` resolved from here). */
function evaluateGenerated(source: string): ValidateFunction & { fingerprint?: string } {
  const module = { exports: {} as unknown };
  new Function('module', 'exports', 'require', source)(module, module.exports, requireHere);
  return module.exports as ValidateFunction & { fingerprint?: string };
}

/** `${env:NAME:-default}` → default, so that the example pipelines are valid as they stand. */
const withEnvDefaults = (text: string) => text.replace(/\$\{env:[A-Z_]+:-([^}]*)\}/g, '$1').replace(/\$\{env:[A-Z_]+\}/g, 'x');

const SEEDS: Record<string, string[]> = {
  pipeline: ['examples/provision/pipeline.yaml', 'pipeline/tenant-provisioning.yaml', 'pipeline/image-release.yaml'],
  vars: ['examples/vars/secure-web.yaml', 'examples/vars/two-tier.yaml', 'examples/vars/web-appliance.yaml'],
  catalog: ['examples/catalog/catalog.yaml'],
  profile: ['examples/profiles/web-ovs.yaml', 'examples/profiles/tenant-vepa.yaml', 'examples/profiles/dmz-network.yaml', 'examples/netsec/web-bridge.yaml'],
};

function seedInputs(name: string): LocatedYaml[] {
  const files = SEEDS[name];
  if (!files) throw new Error(`no seed files for the ${name} schema: add some to SEEDS`);
  return files.map((f) => parseLocatedYaml(withEnvDefaults(readFileSync(join(ROOT, f), 'utf8')), f, 'test'));
}

/** Every path of a JSON value (the root is []). */
function paths(value: unknown, at: YamlPath = []): YamlPath[] {
  if (Array.isArray(value)) return [at, ...value.flatMap((v, i) => paths(v, [...at, i]))];
  if (value !== null && typeof value === 'object') return [at, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...at, k]))];
  return [at];
}

type Edit = { op: 'set'; value: unknown } | { op: 'delete' } | { op: 'add'; key: string; value: unknown };

function mutate(data: unknown, path: YamlPath, edit: Edit): unknown {
  const copy = structuredClone(data);
  if (path.length === 0) return edit.op === 'set' ? edit.value : copy;
  let parent = copy as Record<string | number, unknown>;
  for (const seg of path.slice(0, -1)) parent = parent[seg] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (edit.op === 'set') parent[last] = edit.value;
  else if (edit.op === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else {
    const target = parent[last];
    if (target !== null && typeof target === 'object' && !Array.isArray(target)) (target as Record<string, unknown>)[edit.key] = edit.value;
    else parent[last] = { [edit.key]: edit.value };
  }
  return copy;
}

const scalar = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer({ min: -5, max: 70000 }).map(String),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('', 'kvm', 'qemu', 'convert', '0x10', '8', 'true', '10.0.0.1'),
);
const value = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 8 }), scalar, { maxKeys: 3 }));
const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), value }),
  fc.constant({ op: 'delete' as const }),
  fc.record({ op: fc.constant('add' as const), key: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('name', 'vars', 'host', 'count', 'network', 'typo')), value }),
);

/** Located like the YAML reader, with the path written into the location so that diagnostics compare on it. */
function located(data: unknown): LocatedYaml {
  return { data, diagnostics: [], locate: (p) => ({ file: `node ${JSON.stringify(p)}`, line: 1, column: 1 }), locateKey: (p) => ({ file: `key ${JSON.stringify(p)}`, line: 1, column: 1 }) };
}

/** Both validators on their own copy of `data`: same verdict, same errors, same coerced data, same diagnostics. */
function expectSame(generated: ValidateFunction, compiled: ValidateFunction, data: unknown): boolean {
  const a = structuredClone(data);
  const b = structuredClone(data);
  const verdict = generated(a);
  expect(verdict).toBe(compiled(b));
  expect(generated.errors ?? null).toEqual(compiled.errors ?? null);
  expect(a).toEqual(b);
  expect(schemaDiagnostics(() => generated, located(structuredClone(data)), 'test')).toEqual(schemaDiagnostics(() => compiled, located(structuredClone(data)), 'test'));
  return verdict;
}

describe.each(GENERATED_VALIDATORS.map((spec) => [spec.name, spec] as const))('the generated %s validator', (name, spec) => {
  const generated = evaluateGenerated(generatedValidatorSource(spec));
  const compiled = compileValidator(spec.schema(), spec.options);
  const seeds = seedInputs(name);

  it('carries the fingerprint of the schema and options it was generated from', () => {
    expect(generated.fingerprint).toBe(validatorFingerprint(spec.schema(), spec.options));
  });

  it('agrees with the compiled one on the example files, which are valid', () => {
    for (const seed of seeds) {
      expect(seed.diagnostics).toEqual([]);
      expect(expectSame(generated, compiled, seed.data)).toBe(true);
    }
  });

  it('agrees with the compiled one on mutants of them (errors, coercions, located diagnostics)', () => {
    let invalid = 0;
    fc.assert(
      fc.property(fc.nat(seeds.length - 1), fc.nat(), edit, (s, p, e) => {
        const data = seeds[s]!.data;
        const all = paths(data);
        if (!expectSame(generated, compiled, mutate(data, all[p % all.length]!, e))) invalid++;
      }),
      { numRuns: 300 },
    );
    expect(invalid).toBeGreaterThan(50); // the mutants do reach the error paths
  });
});

describe('using a generated validator module', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ovfpipe-validators-'));
  // The generated code requires ajv's runtime helpers: resolve them as from dist/.
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const schemaV1 = { type: 'object', properties: { port: { type: 'integer' } }, additionalProperties: false };
  const schemaV2 = { type: 'object', properties: { port: { type: 'integer' }, host: { type: 'string' } }, additionalProperties: false };
  const options = { allErrors: true, verbose: true, coerceTypes: true };
  let n = 0;
  const specAt = (schema: object, file: string): SchemaValidatorSpec => ({ name: `test${n++}`, schema: () => schema, options, generated: pathToFileURL(join(dir, file)) });

  it('uses the module when its fingerprint matches the schema and options', () => {
    const spec = specAt(schemaV1, 'current.cjs');
    writeFileSync(join(dir, 'current.cjs'), generatedValidatorSource(spec));
    const loaded = loadGeneratedValidator(spec, spec.schema());
    expect(loaded).toBe(requireHere(join(dir, 'current.cjs')));
    const data = { port: '22' };
    expect(schemaValidator(spec)()(data)).toBe(true);
    expect(data).toEqual({ port: 22 });
  });

  it('never uses a stale module (generated from another schema, or with other options): compiles instead', () => {
    writeFileSync(join(dir, 'stale.cjs'), generatedValidatorSource(specAt(schemaV1, 'stale.cjs')));
    const newer = specAt(schemaV2, 'stale.cjs');
    expect(loadGeneratedValidator(newer, newer.schema())).toBeUndefined();
    expect(schemaValidator(newer)()({ port: 1, host: 'a' })).toBe(true); // the stale one would say: unknown key host
    const otherOptions = { ...specAt(schemaV1, 'stale.cjs'), options: { ...options, coerceTypes: false } };
    expect(loadGeneratedValidator(otherOptions, otherOptions.schema())).toBeUndefined();
    expect(schemaValidator(otherOptions)()({ port: '22' })).toBe(false);
  });

  it('refuses to generate a validator whose options the fingerprint cannot carry (not JSON)', () => {
    const spec = { ...specAt(schemaV1, 'fn.cjs'), options: { ...options, formats: { odd: (s: string) => s.length > 1 } } };
    expect(() => generatedValidatorSource(spec)).toThrow(/only JSON options/);
  });

  it('compiles when the module is missing or broken', () => {
    const missing = specAt(schemaV1, 'missing.cjs');
    expect(loadGeneratedValidator(missing, missing.schema())).toBeUndefined();
    expect(schemaValidator(missing)()({ port: 'x' })).toBe(false);
    writeFileSync(join(dir, 'broken.cjs'), 'not JavaScript {');
    const broken = specAt(schemaV1, 'broken.cjs');
    expect(loadGeneratedValidator(broken, broken.schema())).toBeUndefined();
    expect(schemaValidator(broken)()({ port: 8 })).toBe(true);
    writeFileSync(join(dir, 'nofingerprint.cjs'), 'module.exports = () => true;');
    const unmarked = specAt(schemaV1, 'nofingerprint.cjs');
    expect(loadGeneratedValidator(unmarked, unmarked.schema())).toBeUndefined();
  });
});

describe('the build (npm run build → scripts/gen-validators.mjs)', () => {
  const distList = join(ROOT, 'dist/pipeline/generated-validators.js');
  it('wrote a current generated module for every validator in dist/', async (ctx) => {
    if (!existsSync(distList)) {
      const why = `${distList} is missing: run npm run build (npm test does)`;
      if (inCI) throw new Error(why);
      console.warn(`\n*** SKIPPING the dist/ check: ${why} ***\n`);
      ctx.skip();
    }
    const dist = (await import(pathToFileURL(distList).href)) as typeof import('../../src/pipeline/generated-validators.js');
    const load = (await import(pathToFileURL(join(ROOT, 'dist/macros/schema-validator.js')).href)) as typeof import('../../src/macros/schema-validator.js');
    expect(dist.GENERATED_VALIDATORS.map((s) => s.name)).toEqual(GENERATED_VALIDATORS.map((s) => s.name));
    for (const spec of dist.GENERATED_VALIDATORS) {
      expect(existsSync(spec.generated), `${spec.generated.pathname} exists`).toBe(true);
      expect(load.loadGeneratedValidator(spec, spec.schema()), `${spec.name}: generated module is current`).toBeTypeOf('function');
    }
  });
});
