/**
 * lint's `file` is the descriptor's own path, the same in every format: `dir/x.ovf` for a package directory,
 * the path given for a bare .ovf, `pkg.ova!/x.ovf` for a member of an OVA (SARIF names the archive itself,
 * since code scanning cannot open a member, and drops the line).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attr, children } from '../../src/xml/element.js';
import { parseXml } from '../../src/xml/parse.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'ovfpipe-lint-paths-'));
const pkg = join(dir, 'web');
const ovf = join(pkg, 'web-appliance.ovf');
const ova = join(dir, 'web.ova');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  // examples/web-appliance with a warning of its own (a type name in the wrong case, line 31), so every format has findings to locate.
  cpSync('examples/web-appliance', pkg, { recursive: true });
  rmSync(join(pkg, 'web-appliance.mf'));
  writeFileSync(ovf, readFileSync(ovf, 'utf8').replace('ovf:key="hostname" ovf:type="string"', 'ovf:key="hostname" ovf:type="String"'));
  const r = await runCli(['pack', pkg, '-o', ova]);
  expect(r.code, r.err).toBe(0);
});

async function filesIn(format: string, path: string): Promise<{ listed: string[]; located: string[] }> {
  const r = await runCli(['lint', '--format', format, path]);
  expect(r.code, r.err).toBe(0);
  if (format === 'json') {
    const j = JSON.parse(r.out) as Array<{ file: string }>;
    return { listed: j.map((x) => x.file), located: [] };
  }
  if (format === 'junit') {
    const x = parseXml(r.out);
    if (!x.ok) throw new Error(x.problem.message);
    const suites = children(x.root, 'testsuite');
    const out = suites.flatMap((s) => children(s, 'testcase')).flatMap((c) => children(c, 'system-out').map((o) => o.text.split(':')[0]!));
    return { listed: suites.map((s) => attr(s, 'name')!), located: out };
  }
  if (format === 'sarif') {
    const s = JSON.parse(r.out) as { runs: Array<{ results: Array<{ locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region?: unknown } }> }> }> };
    return {
      listed: s.runs[0]!.results.map((x) => x.locations[0]!.physicalLocation.artifactLocation.uri),
      located: s.runs[0]!.results.map((x) => (x.locations[0]!.physicalLocation.region ? 'region' : 'none')),
    };
  }
  return { listed: [r.out.split('\n')[0]!], located: [] };
}

describe('lint file paths', () => {
  it.each([
    ['a package directory', pkg, ovf],
    ['a bare descriptor', ovf, ovf],
  ])('%s: the descriptor path in stylish, json, junit and sarif', async (_what, path, expected) => {
    expect((await filesIn('stylish', path)).listed).toEqual([expected]);
    expect((await filesIn('json', path)).listed).toEqual([expected]);
    const junit = await filesIn('junit', path);
    expect(junit.listed).toEqual([expected]);
    expect(new Set(junit.located)).toEqual(new Set([expected]));
    const sarif = await filesIn('sarif', path);
    // Outside the working directory, SARIF's artifact URI is the file: URI of the same path.
    expect(new Set(sarif.listed)).toEqual(new Set([`file://${expected}`]));
    expect(new Set(sarif.located)).toEqual(new Set(['region']));
  });

  it('an OVA member: pkg.ova!/name.ovf in stylish, json and junit; the archive, without a line, in SARIF', async () => {
    const expected = `${ova}!/web-appliance.ovf`;
    expect((await runCli(['lint', '--format', 'json', ova])).out).toContain('"line": 31');
    expect((await filesIn('stylish', ova)).listed).toEqual([expected]);
    expect((await filesIn('json', ova)).listed).toEqual([expected]);
    const junit = await filesIn('junit', ova);
    expect(junit.listed).toEqual([expected]);
    expect(new Set(junit.located)).toEqual(new Set([expected]));
    const sarif = await filesIn('sarif', ova);
    expect(new Set(sarif.listed)).toEqual(new Set([`file://${ova}`]));
    expect(new Set(sarif.located)).toEqual(new Set(['none']));
  });
});
