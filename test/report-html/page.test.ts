import { mkdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildHtmlReport } from '../../src/deploy/report-html/build.js';
import { dotString, graphElements, toDot, toMermaid } from '../../src/netsec/graph.js';
import { dotToSvg } from '../../src/netsec/graph-svg.js';
import { syntheticReport } from './synthetic.js';

const HOSTILE = '"><img src=x onerror=alert(1)></svg><script>alert(2)</script>\\N';

describe('the HTML run report', () => {
  it('escapes every name from packages and reports: no markup of theirs reaches the page', async () => {
    const html = await buildHtmlReport([syntheticReport(12, { hostile: HOSTILE })]);
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<script>alert');
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('is one self-contained file: nothing to fetch, a CSP that forbids fetching', async () => {
    const html = await buildHtmlReport([syntheticReport(10)]);
    expect(html).not.toMatch(/\b(?:src|href)="(?:https?:)?\/\//);
    expect(html).not.toContain('<link');
    expect(html).toContain("default-src 'none'");
  });

  it('stays under 1 MB for 100 VMs (synthesized report)', async () => {
    const report = syntheticReport(100);
    // Kept for the CLI figure in docs/run-report.md (`ovfpipe report html` on it, timed from a cold process).
    mkdirSync('test-results/report-html', { recursive: true });
    writeFileSync('test-results/report-html/synthetic-100.json', JSON.stringify(report));
    const started = performance.now();
    const html = await buildHtmlReport([report]);
    const ms = performance.now() - started;
    console.log(`100-VM synthesized report: ${Buffer.byteLength(html)} bytes in ${ms.toFixed(0)} ms (in-process, Graphviz already loaded)`);
    expect(Buffer.byteLength(html)).toBeLessThan(1024 * 1024);
  });
});

describe('the filter graph', () => {
  const graph = {
    title: 't',
    filters: [
      { name: 'a', references: ['b', 'clean-traffic'], builtin: false },
      { name: 'b', references: [], builtin: false },
    ],
    nics: [{ vm: 'web', nic: '5', filter: 'a', parameters: [{ name: 'IP', value: '10.0.0.1' }], profile: 'bridge br0' }],
  };

  it('has a node per filter (referenced built-ins included) and an edge per filterref', () => {
    const { nodes, edges } = graphElements(graph);
    expect(nodes.filter((n) => n.kind === 'filter').map((n) => n.label)).toEqual(['a', 'b']);
    expect(nodes.filter((n) => n.kind === 'builtin').map((n) => n.label)).toEqual(['clean-traffic']);
    expect(edges.filter((e) => e.kind === 'filterref')).toHaveLength(2);
    expect(edges.filter((e) => e.kind === 'binding')).toHaveLength(1);
  });

  it('quotes DOT strings so a name cannot close them or use Graphviz escapes', () => {
    expect(dotString('a"b\\Nc\nd')).toBe('"a\\"b\\\\Nc\\nd"');
  });

  it('Graphviz lays out hostile labels as escaped SVG text', async () => {
    const svg = await dotToSvg(toDot({ ...graph, filters: [{ name: HOSTILE, references: [], builtin: false }] }));
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).not.toContain('<script>');
    expect(svg).not.toContain('<img');
  });

  it('writes Mermaid with entity-coded labels', () => {
    const m = toMermaid({ ...graph, filters: [{ name: 'x"<y>', references: [], builtin: false }] });
    expect(m).toContain('"x#34;#60;y#62;"');
    expect(m.split('\n')[0]).toBe('flowchart LR');
  });
});
