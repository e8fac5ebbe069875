/**
 * A pipeline run's local stages in its report: every package (lint, verify) and VM (render) a check, written
 * for a gate without a deploy stage as for a run the stages stopped; the JUnit lists them as suites.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeReports, reportJunit, runFailed, summaryLine, type RunCheck, type RunReport } from '../../src/deploy/report.js';
import { runPipeline } from '../../src/pipeline/run.js';
import { renderReportHtml } from '../../src/deploy/report-html/page.js';
import { runCli } from '../helpers/cli.js';
import { attr, children } from '../../src/xml/element.js';
import { parseXml } from '../../src/xml/parse.js';

const parse = (text: string) => {
  const r = parseXml(text);
  if (!r.ok) throw new Error(r.problem.message);
  return r.root;
};

describe('the checks of a pipeline run', () => {
  it('the image-release gate (no deploy stage): its JUnit lists lint and verify per package and render per VM', async () => {
    const r = await runPipeline({ file: 'pipeline/image-release.yaml', dryRun: false, env: {} });
    const root = parse(reportJunit(r.report));
    expect(attr(root, 'name')).toBe('ovfpipe apply');
    const suites = children(root, 'testsuite');
    expect(suites.map((s) => attr(s, 'name'))).toEqual(['pipeline', 'lint', 'verify', 'render']);
    const names = (i: number) => children(suites[i]!, 'testcase').map((c) => attr(c, 'name'));
    expect(names(1)).toEqual(['package secure-web', 'package two-tier']);
    expect(names(2)).toEqual(['package secure-web', 'package two-tier']);
    expect(names(3)).toEqual(['vm release-check-www (tenant release-check)', 'vm release-check-web (tenant release-check)', 'vm release-check-db (tenant release-check)']);
    expect(suites.flatMap((s) => children(s, 'testcase')).flatMap((c) => children(c, 'failure'))).toEqual([]);
    expect(runFailed(r.report)).toBe(false);
    expect(summaryLine(r.report)).toMatch(/^8\/8 check\(s\) passed; 0 VM\(s\)/);
  });

  it('a pipeline file that does not validate is one failed case carrying its located errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ovfpipe-checks-'));
    try {
      const file = join(dir, 'p.yaml');
      writeFileSync(file, 'version: 1\npackages: {}\ntenants: { t: { deployments: [ { pakage: web } ] } }\n');
      const r = await runPipeline({ file, dryRun: false, env: {} });
      expect(r.report.checks).toHaveLength(1);
      const [only] = r.report.checks!;
      expect(only).toMatchObject({ stage: 'pipeline', kind: 'pipeline', name: file, status: 'failed' });
      expect(only!.diagnostics.some((d) => d.severity === 'error' && d.line === 3)).toBe(true);
      const failure = children(children(children(parse(reportJunit(r.report)), 'testsuite')[0]!, 'testcase')[0]!, 'failure')[0]!;
      expect(failure.text).toContain(`${file}:3:`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a failed check fails the run, and merge keeps one check per stage and subject (a failure wins)', () => {
    const c = (status: RunCheck['status']): RunCheck => ({ stage: 'lint', kind: 'package', name: 'web', status, diagnostics: [] });
    const a: RunReport = { checks: [c('passed')], vms: [], hosts: [], bytesUploaded: 0 };
    const b: RunReport = { checks: [c('failed')], vms: [], hosts: [], bytesUploaded: 0 };
    expect(runFailed(a)).toBe(false);
    expect(runFailed(b)).toBe(true);
    expect(mergeReports([a, b]).checks).toEqual([c('failed')]);
    expect(mergeReports([{ vms: [], hosts: [], bytesUploaded: 0 }]).checks).toBeUndefined();
    // A deploy report (no checks) keeps its old JUnit name.
    expect(attr(parse(reportJunit({ vms: [], hosts: [], bytesUploaded: 0 })), 'name')).toBe('ovfpipe deploy');
  });

  it('the HTML page of a stopped run lists its checks, escaped', () => {
    const hostile = '<img src=x onerror=alert(1)>';
    const report: RunReport = {
      checks: [
        { stage: 'lint', kind: 'package', name: hostile, status: 'failed', diagnostics: [{ ruleId: 'r', severity: 'error', message: hostile, file: 'a.ovf', line: 3, column: 4, locator: '' }] },
        { stage: 'render', kind: 'vm', name: 't-www', status: 'passed', diagnostics: [] },
      ],
      vms: [],
      hosts: [],
      bytesUploaded: 0,
    };
    const html = renderReportHtml({ report, graphs: new Map(), generator: 'test' });
    expect(html).toContain('<section id="checks"><h2>Checks</h2>');
    expect(html).toContain('data-status="failed"');
    expect(html).toContain('a.ovf:3:4');
    expect(html).not.toContain(hostile);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(renderReportHtml({ report: { vms: [], hosts: [], bytesUploaded: 0 }, graphs: new Map(), generator: 'test' })).not.toContain('id="checks"');
  });

  it('deploy of a package that renders nothing still writes its reports: one failed render check carrying the diagnostics', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ovfpipe-deploy-stopped-'));
    try {
      const report = join(dir, 'r.json');
      const junit = join(dir, 'r.xml');
      // No vars: ${ip} and ${bridge} are missing, so nothing renders and no host is contacted (port 1 would refuse).
      const r = await runCli(['deploy', 'examples/secure-web', '--host', 'ssh://root@127.0.0.1:1', '--tenant', 'i14b-t', '--report', report, '--junit', junit]);
      expect(r.code).toBe(1);
      expect(r.err).toContain('stopped before deploy; failed: render of package examples/secure-web');
      const json = JSON.parse(readFileSync(report, 'utf8')) as RunReport;
      expect(json.hosts).toEqual([]);
      expect(json.checks).toHaveLength(1);
      expect(json.checks![0]).toMatchObject({ stage: 'render', kind: 'package', status: 'failed' });
      expect(json.checks![0]!.diagnostics.map((d) => d.ruleId)).toContain('macro-source');
      const root = parse(readFileSync(junit, 'utf8'));
      expect(attr(root, 'name')).toBe('ovfpipe deploy');
      expect(children(children(children(root, 'testsuite')[0]!, 'testcase')[0]!, 'failure')).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
