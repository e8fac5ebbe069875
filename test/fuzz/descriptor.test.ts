/**
 * Property-based fuzzing of descriptors (fast-check): real descriptors (the
 * examples, and a few from the reference corpus when present) are mutated —
 * byte flips, truncation, element and attribute duplication, extreme values —
 * and packaged as a bare .ovf, a directory or an OVA built in code. Every
 * command must give a verdict, write nothing outside its render target and
 * keep its JSON parseable. Run counts are fixed (numRuns) so the suite stays fast.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, it } from 'vitest';
import { buildTar } from '../helpers/archives.js';
import { CORPUS_DIR } from '../helpers/corpus.js';
import { manifestFor } from '../helpers/packages.js';
import { FuzzHarness, type FuzzCase } from './harness.js';
import { applyAll, mutation } from './mutations.js';

interface Seed {
  name: string;
  ovf: Buffer;
  members: Record<string, Buffer>;
  varsFile?: string;
}

function exampleSeed(dir: string, vars: string): Seed {
  const root = new URL(`../../examples/${dir}/`, import.meta.url).pathname;
  const names = readdirSync(root);
  const members: Record<string, Buffer> = {};
  for (const n of names) if (!/\.(ovf|mf)$/.test(n)) members[n] = readFileSync(join(root, n));
  return { name: dir, ovf: readFileSync(join(root, names.find((n) => n.endsWith('.ovf'))!)), members, varsFile: new URL(`../../examples/vars/${vars}`, import.meta.url).pathname };
}

const SEEDS: Seed[] = [exampleSeed('web-appliance', 'web-appliance.yaml'), exampleSeed('two-tier', 'two-tier.yaml'), exampleSeed('secure-web', 'secure-web.yaml')];
for (const f of ['cot/csr1000v.ovf', 'cot/v0.9.ovf', 'cot/ersatz_ovf_3.0.ovf', 'govmomi/ttylinux-pc_i486-16.1.ovf']) {
  try {
    SEEDS.push({ name: f, ovf: readFileSync(join(CORPUS_DIR, f)), members: {} });
  } catch {
    // The corpus is optional here: the examples alone exercise every mutation.
  }
}

type Form = 'ovf' | 'dir' | 'ova';

function packageOf(seed: Seed, ovf: Buffer, form: Form): FuzzCase {
  const members = { 'x.ovf': ovf, ...seed.members };
  const files = { ...members, 'x.mf': manifestFor(members) };
  if (form === 'ova')
    return { files: { 'x.ova': buildTar(Object.entries({ 'x.ovf': ovf, 'x.mf': files['x.mf'], ...seed.members }).map(([name, data]) => ({ name, data }))) }, target: 'x.ova', varsFile: seed.varsFile };
  return { files, target: form === 'dir' ? '.' : 'x.ovf', varsFile: seed.varsFile };
}

const harness = new FuzzHarness('descriptor fuzz');
afterAll(() => {
  console.log(harness.summary());
  harness.cleanup();
});

describe('mutated descriptors', () => {
  it('every command gives a verdict and writes only into its target', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...SEEDS.map((s) => s.name)),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        fc.constantFrom<Form>('ovf', 'dir', 'ova'),
        fc.integer({ min: 0, max: 9 }),
        async (name, mutations, form, dice) => {
          const seed = SEEDS.find((s) => s.name === name)!;
          const ovf = applyAll(seed.ovf, mutations);
          await harness.check(packageOf(seed, ovf, form), { cli: dice === 0 });
        },
      ),
      { numRuns: Number(process.env['FUZZ_RUNS'] ?? 120), seed: Number(process.env['FUZZ_SEED'] ?? 18), endOnFailure: true },
    );
  });
});
