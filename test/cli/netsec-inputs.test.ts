/**
 * Inputs named on the command line are reported as themselves: `netsec embed` points an error in a filter file at
 * that file's line (not where it would land in the output) and says when it replaces a filter the package already
 * carried; `lint` of several standalone nwfilter files treats them as one library (filterrefs across them resolve).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'ovfpipe-netsec-inputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('netsec embed inputs', () => {
  it('an error in an input filter points at that file and line, and nothing is written', async () => {
    const bad = join(dir, 'bad.xml');
    writeFileSync(bad, "<filter name='i14b-bad' chain='root'>\n  <rule action='accept' direction='in' priority='500'>\n    <tcp dstportstart='99999'/>\n  </rule>\n</filter>\n");
    const out = join(dir, 'out1');
    const r = await runCli(['netsec', 'embed', 'examples/web-appliance', '-o', out, '--filter', bad]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${bad}:3:`);
    expect(r.err).toContain('[nwfilter-attribute-value]');
    expect(r.err).not.toContain('web-appliance.ovf:');
    expect(existsSync(out)).toBe(false);
  });

  it('replacing a filter of a name the package already carries says so', async () => {
    const out = join(dir, 'out2');
    const r = await runCli(['netsec', 'embed', 'examples/secure-web', '-o', out, '--filter', 'examples/netsec/web-ingress.xml']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('replaced filter web-ingress: the package already carried one of that name');
    const fresh = await runCli(['netsec', 'embed', 'examples/web-appliance', '-o', join(dir, 'out3'), '--filter', 'examples/netsec/web-ingress.xml']);
    expect(fresh.code, fresh.err).toBe(0);
    expect(fresh.err).not.toContain('replaced');
  });
});

describe('lint of standalone nwfilter files', () => {
  const refWarning = /filter 'antispoof' is neither a libvirt built-in nor defined alongside/;

  it('resolves a filterref to another file of the same run', async () => {
    const alone = await runCli(['lint', 'examples/netsec/db-guard.xml']);
    expect(alone.out).toMatch(refWarning);
    const together = await runCli(['lint', 'examples/netsec/db-guard.xml', 'examples/netsec/antispoof.xml', 'examples/netsec/web-ingress.xml']);
    expect(together.code, together.out).toBe(0);
    expect(together.out).not.toMatch(refWarning);
  });

  it('finds a reference cycle across files, and keeps results in argument order', async () => {
    const a = join(dir, 'i14b-a.xml');
    const b = join(dir, 'i14b-b.xml');
    writeFileSync(a, "<filter name='i14b-a' chain='root'>\n  <filterref filter='i14b-b'/>\n</filter>\n");
    writeFileSync(b, "<filter name='i14b-b' chain='root'>\n  <filterref filter='i14b-a'/>\n</filter>\n");
    const r = await runCli(['lint', '--format', 'json', b, 'examples/secure-web', a]);
    const results = JSON.parse(r.out) as Array<{ file: string; diagnostics: Array<{ message: string }> }>;
    expect(results.map((x) => x.file)).toEqual([b, 'examples/secure-web/web-appliance.ovf', a]);
    expect(results.flatMap((x) => x.diagnostics.map((d) => d.message)).join('\n')).toMatch(/filter reference cycle/);
  });
});
