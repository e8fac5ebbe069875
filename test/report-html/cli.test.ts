import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

const work = mkdtempSync(join(tmpdir(), 'ovfpipe-report-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function ovfpipe(...args: string[]) {
  let out = '';
  let err = '';
  const code = await main(args, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, env: process.env, cwd: process.cwd() });
  return { code, out, err };
}

describe('pictures from the CLI', () => {
  it('plan --offline --html draws every placed VM and each tenant graph, with no host', async () => {
    const file = join(work, 'plan.html');
    const r = await ovfpipe('plan', 'examples/provision/pipeline.yaml', '--offline', '--html', file);
    expect(r.code, r.err).toBe(0);
    const html = readFileSync(file, 'utf8');
    for (const vm of ['acme-web', 'acme-db', 'acme-www', 'globex-www1', 'globex-www2', 'initech-web', 'initech-db']) expect(html).toContain(`data-vm="${vm}"`);
    for (const t of ['acme', 'globex', 'initech']) expect(html).toContain(`data-tenant="${t}"`);
    expect(html.match(/<svg/g)?.length).toBe(3);
  });

  it('netsec graph: DOT and Mermaid as carried; with --tenant, names scoped and parameters resolved', async () => {
    const dot = await ovfpipe('netsec', 'graph', 'examples/secure-web');
    expect(dot.code, dot.err).toBe(0);
    expect(dot.out).toContain('label="web-ingress", class="filter"');
    expect(dot.out).toContain('class="filterref"');
    expect(dot.out).toContain('label="IP=${ip}"');
    const resolved = await ovfpipe('netsec', 'graph', 'examples/secure-web', '--tenant', 'acme', '--vars', 'examples/vars/secure-web.yaml', '--format', 'mermaid');
    expect(resolved.code, resolved.err).toBe(0);
    expect(resolved.out).toContain('"acme-web-ingress"');
    expect(resolved.out).toMatch(/\|"IP=\d+\.\d+\.\d+\.\d+"\|/);
    expect((await ovfpipe('netsec', 'graph', 'examples/secure-web', '--format', 'png')).code).toBe(2);
  });

  it('report html refuses a file that is not a run report', async () => {
    const r = await ovfpipe('report', 'html', 'package.json', '-o', join(work, 'x.html'));
    expect(r.code).toBe(2);
    expect(r.err).toContain('not an ovfpipe run report');
  });
});
