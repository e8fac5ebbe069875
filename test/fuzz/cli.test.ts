/**
 * A few fuzz cases through the real executable (`dist/cli/bin.js`, built by
 * `npm run build`/`npm test`): exit code 0 or 1, never a stack trace, JSON and
 * SARIF output that parses, and render writing only into its --out directory.
 * Few runs: each spawns node several times.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/archives.js';
import { buildOva, filesUnder, WEB_DISK, WEB_OVF, WEB_VARS } from '../helpers/packages.js';
import { applyAll, mutation } from './mutations.js';

const BIN = new URL('../../dist/cli/bin.js', import.meta.url).pathname;
const run = promisify(execFile);
const tmp = tempDir('ovfpipe-fuzz-cli-');
afterAll(() => tmp.cleanup());

async function bin(args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const r = await run(process.execPath, [BIN, ...args], { cwd: tmp.dir, env: { PATH: process.env['PATH'] ?? '' }, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === 'number' ? x.code : -1, out: x.stdout ?? '', err: x.stderr ?? String(e) };
  }
}

let n = 0;
describe('mutated packages through dist/cli/bin.js', () => {
  it('exits 0 or 1 with parseable JSON, and render writes only into --out', { timeout: 120_000 }, async () => {
    expect(existsSync(BIN), `${BIN} is missing: run npm run build first`).toBe(true);
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 2 }), fc.boolean(), async (mutations, asOva) => {
        const dir = join(tmp.dir, `case-${++n}`);
        mkdirSync(dir);
        const ovf = applyAll(Buffer.from(WEB_OVF), mutations);
        if (asOva) writeFileSync(join(dir, 'x.ova'), buildOva(ovf));
        else {
          writeFileSync(join(dir, 'x.ovf'), ovf);
          writeFileSync(join(dir, 'web-disk1.vmdk'), WEB_DISK);
        }
        const pkg = join(dir, asOva ? 'x.ova' : 'x.ovf');
        const before = filesUnder(dir);
        for (const args of [
          ['lint', '--format', 'json', pkg],
          ['lint', '--format', 'sarif', pkg],
          ['verify', '--json', pkg],
          ['inspect', '--json', pkg],
        ]) {
          const r = await bin(args);
          expect([0, 1], `${args.join(' ')}: ${r.err}`).toContain(r.code);
          expect(r.err).not.toMatch(/\n\s+at /);
          expect(() => JSON.parse(r.out) as unknown, args.join(' ')).not.toThrow();
        }
        const out = join(dir, 'out');
        const r = await bin(['render', pkg, '--tenant', 't', '--vars', WEB_VARS, '--out', out]);
        expect([0, 1], `render: ${r.err}`).toContain(r.code);
        expect(r.err).not.toMatch(/\n\s+at /);
        expect(filesUnder(dir).filter((f) => !f.startsWith('out/'))).toEqual(before);
      }),
      { numRuns: Number(process.env['FUZZ_RUNS'] ?? 4), seed: Number(process.env['FUZZ_SEED'] ?? 18), endOnFailure: true },
    );
  });
});
