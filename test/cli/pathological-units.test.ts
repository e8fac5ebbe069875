/**
 * Issue #18: a unit string of `byte * 2`, 300 000 spaces and one more
 * character made the units regex backtrack in O(n²), so every command on such
 * a package ran for minutes. Now each command gives a verdict, and lint says
 * where the absurd unit is. No timing assertion: the explicit per-test timeout
 * catches a hang.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lintFiles } from '../../src/actions/lint-files.js';
import { tempDir } from '../helpers/archives.js';
import { runCli } from '../helpers/cli.js';
import { buildOva, runCommands, WEB_DISK, WEB_OVF } from '../helpers/packages.js';

const PATHOLOGICAL = 'byte * 2' + ' '.repeat(300_000) + 'x';
const tmp = tempDir('ovfpipe-units-');
afterAll(() => tmp.cleanup());

const variants: Array<[string, string, string]> = [
  ['Disk/@ovf:capacityAllocationUnits', WEB_OVF.replace('ovf:capacityAllocationUnits="byte * 2^20"', `ovf:capacityAllocationUnits="${PATHOLOGICAL}"`), 'disk-capacity'],
  [
    'a memory Item rasd:AllocationUnits',
    WEB_OVF.replace('<rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits>', `<rasd:AllocationUnits>${PATHOLOGICAL}</rasd:AllocationUnits>`),
    'allocation-units',
  ],
];

describe('300 000 spaces in a unit string', () => {
  for (const [where, ovf, ruleId] of variants) {
    expect(ovf).toContain(PATHOLOGICAL);
    const forms: Array<[string, () => string]> = [
      ['a bare .ovf', () => write(tmp.file(`bare-${ruleId}`), { 'web-appliance.ovf': ovf, 'web-disk1.vmdk': WEB_DISK }, 'web-appliance.ovf')],
      ['an OVA built in code', () => write(tmp.file(`ova-${ruleId}`), { 'web.ova': buildOva(ovf) }, 'web.ova')],
    ];
    for (const [form, make] of forms)
      it(`in ${where}, as ${form}: lint, verify, inspect and render each give a verdict`, { timeout: 20_000 }, async () => {
        const path = make();
        const out = tmp.file(`out-${ruleId}-${form.replace(/\W+/g, '-')}`);
        const verdicts = await runCommands(path, out);
        for (const [command, v] of Object.entries(verdicts)) expect(v, command).toMatchObject({ ok: true });
        expect(verdicts.lint).toEqual({ ok: true, failed: true });

        const [result] = await lintFiles([path]);
        const located = result!.diagnostics.find((d) => d.ruleId === ruleId && /characters long/.test(d.message));
        expect(located, JSON.stringify(result!.diagnostics)).toBeDefined();
        expect(located!.line).toBeGreaterThan(0);
        expect(located!.locator).not.toBe('');
        expect(located!.message.length).toBeLessThan(200);

        for (const args of [
          ['lint', '--format', 'json', path],
          ['verify', '--json', path],
          ['inspect', '--json', path],
        ]) {
          const r = await runCli(args);
          expect([0, 1], `${args[0]}: ${r.err}`).toContain(r.code);
          expect(() => JSON.parse(r.out) as unknown).not.toThrow();
        }
      });
  }
});

/** Writes `files` into a fresh directory `dir` and returns the path of its member `target`. */
function write(dir: string, files: Record<string, string | Buffer>, target: string): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, data] of Object.entries(files)) writeFileSync(join(dir, name), data);
  return join(dir, target);
}
