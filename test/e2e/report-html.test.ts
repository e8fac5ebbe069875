/**
 * The HTML run report and `netsec graph`, looked at as a person would: in
 * Debian's real chromium (headless, playwright-core). The reports come from
 * real runs of a pipeline on two loopback OpenSSH hosts sharing the real
 * libvirtd: one with host B down, one converged, and a two-shard run merged.
 * Screenshots go to test-results/report-html/.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { RunReport } from '../../src/deploy/report.js';
import { HeadlessChromium, requireChromium } from '../helpers/browser.js';
import { testDomainType } from '../helpers/domain-type.js';
import { requireLibvirt, run } from './services.js';
import { requireSshd, startSshds, type SshdCluster } from './sshd.js';

const live = requireSshd('HTML report end-to-end test') && requireLibvirt('HTML report end-to-end test') && requireChromium('HTML report end-to-end test');
const OUT = resolve('test-results/report-html');
const work = mkdtempSync(join(tmpdir(), 'ovfpipe-e2e-report-html-'));
const storage = `/var/lib/ovfpipe-e2e/report-html-${process.pid}`;
const PIPELINE = join(work, 'pipeline.yaml');
const BRIDGES = ['ovfpic-br0', 'ovfpic-br1'];
let cluster: SshdCluster | undefined;
let browser: HeadlessChromium | undefined;
const made: Array<() => void> = [];

async function ovfpipe(...args: string[]) {
  let out = '';
  let err = '';
  const code = await main(args, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, env: process.env, cwd: process.cwd() });
  return { code, out, err };
}

/** The example pipeline with its own tenants (pic…) and bridges, so it never meets pipeline.test.ts's domains. */
function writePipeline(): void {
  const examples = resolve('examples');
  const text = readFileSync('examples/provision/pipeline.yaml', 'utf8')
    .replaceAll('path: ../', `path: ${examples}/`)
    .replace(/^ {2}(acme|globex|initech):$/gm, '  pic$1:')
    .replaceAll('hostname: acme-www', 'hostname: picacme-www')
    .replaceAll('ovfpipe-br', 'ovfpic-br');
  writeFileSync(PIPELINE, text);
}

const reports: Record<'down' | 'converged' | 'merged', { json: RunReport; html: string }> = {} as never;

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  if (!live) return;
  writePipeline();
  cluster = await startSshds(2);
  Object.assign(process.env, {
    OVFPIPE_HOST_A: `ssh://root@127.0.0.1:${cluster.hosts[0]!.port}`,
    OVFPIPE_HOST_B: `ssh://root@127.0.0.1:${cluster.hosts[1]!.port}`,
    OVFPIPE_IDENTITY: cluster.clientKey,
    OVFPIPE_KNOWN_HOSTS: cluster.knownHostsFile,
    OVFPIPE_STORAGE: storage,
    OVFPIPE_DOMAIN_TYPE: testDomainType(),
  });
  for (const b of BRIDGES)
    if (run('ip', ['link', 'show', b], { allowFail: true }).status !== 0) {
      run('ip', ['link', 'add', b, 'type', 'bridge']);
      made.push(() => run('ip', ['link', 'del', b], { allowFail: true }));
    }
  browser = await HeadlessChromium.launch();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  if (live) await ovfpipe('destroy', PIPELINE);
  for (const step of made.reverse()) step();
  await cluster?.stopAll();
  for (const k of ['OVFPIPE_HOST_A', 'OVFPIPE_HOST_B', 'OVFPIPE_IDENTITY', 'OVFPIPE_KNOWN_HOSTS', 'OVFPIPE_STORAGE', 'OVFPIPE_DOMAIN_TYPE']) delete process.env[k];
  rmSync(work, { recursive: true, force: true });
  rmSync(storage, { recursive: true, force: true });
}, 180_000);

/** The checks every report page must pass, whatever the run. */
async function looksRight(name: string, file: string, json: RunReport) {
  const { page, errors, requests } = await browser!.open(file);
  expect(errors, 'console errors').toEqual([]);
  expect(requests, 'network requests').toEqual([]);
  expect(statSync(file).size).toBeLessThan(1024 * 1024);
  console.log(`${name}: ${statSync(file).size} bytes, ${json.vms.length} VM(s)`);
  const rows = await page.$$eval('#vm-table tbody tr', (trs) => trs.map((tr) => ({ vm: tr.getAttribute('data-vm'), status: tr.getAttribute('data-status') })));
  expect(rows).toEqual(json.vms.map((v) => ({ vm: v.name, status: v.status })));
  expect(await page.textContent('#vm-count')).toBe(String(json.vms.length));
  const byStatus = new Map<string, number>();
  for (const v of json.vms) byStatus.set(v.status, (byStatus.get(v.status) ?? 0) + 1);
  for (const [status, n] of byStatus) expect(await page.textContent(`#summary .count[data-status="${status}"] b`)).toBe(String(n));
  expect(await page.textContent('#bytes-sent')).toBe(String(json.bytesUploaded));
  expect(await page.$$eval('.lane', (l) => l.length)).toBe(json.vms.length);
  // The filter graph: a node per filter (built-ins included) and an edge per filterref.
  for (const t of json.security ?? []) {
    const block = `.tenant-security[data-tenant="${t.tenant}"]`;
    expect(await page.$$eval(`${block} svg g.node.filter, ${block} svg g.node.builtin`, (n) => n.length)).toBe(t.filters.length);
    expect(await page.$$eval(`${block} svg g.edge.filterref`, (n) => n.length)).toBe(t.filters.reduce((n, f) => n + f.references.length, 0));
    expect(await page.$$eval(`${block} table.nics tbody tr`, (n) => n.length)).toBe(t.nics.length);
  }
  await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
  return page;
}

describe.skipIf(!live).sequential('the HTML run report in a real browser', () => {
  it('a run with host B down: its VMs are failed, red, and carry their error', async () => {
    await cluster!.stop(1);
    const json = join(work, 'down.json');
    const html = join(work, 'down.html');
    const r = await ovfpipe('apply', PIPELINE, '--report', json, '--html', html);
    expect(r.code, r.err).toBe(1);
    reports.down = { json: JSON.parse(readFileSync(json, 'utf8')), html };
    const page = await looksRight('run-host-down', html, reports.down.json);
    const failed = reports.down.json.vms.filter((v) => v.status === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    for (const v of failed) {
      const lane = page.locator(`.lane[data-vm="${v.name}"]`);
      expect(await lane.getAttribute('class')).toContain('failed');
      expect(await lane.locator('.lane-error').textContent()).toContain(v.error!);
      expect(await lane.locator('.bar.failed').count()).toBeGreaterThan(0);
      expect(await lane.locator('.bar.failed').evaluate((e) => getComputedStyle(e).backgroundColor)).toBe('rgb(185, 28, 28)');
    }
    for (const v of reports.down.json.vms.filter((x) => x.status !== 'failed')) {
      expect(await page.locator(`.lane[data-vm="${v.name}"] .lane-error`).count()).toBe(0);
      // The host measured each remote step: define is a bar of its own, after the upload and the filters.
      const ids = v.steps!.map((s) => s.id);
      expect(ids, v.name).toEqual(expect.arrayContaining(['preflight', 'filters', 'define']));
      expect(await page.locator(`.lane[data-vm="${v.name}"] .bar[data-step="define"]`).count()).toBe(1);
    }
    await page.close();
  }, 600_000);

  it('a converged run: every VM has its steps on the timeline; the table sorts and filters', async () => {
    await cluster!.start(1);
    const json = join(work, 'converged.json');
    const html = join(work, 'converged.html');
    const r = await ovfpipe('apply', PIPELINE, '--report', json, '--html', html);
    expect(r.code, r.err).toBe(0);
    reports.converged = { json: JSON.parse(readFileSync(json, 'utf8')), html };
    const rep = reports.converged.json;
    for (const v of rep.vms) expect(v.steps?.length, v.name).toBeGreaterThan(0);
    const page = await looksRight('run-converged', html, rep);
    for (const v of rep.vms) expect(await page.locator(`.lane[data-vm="${v.name}"] .bar`).count()).toBe(v.steps!.length);
    // Sorting: by seconds, descending then ascending (numbers as numbers); by name.
    const names = () => page.$$eval('#vm-table tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-vm')));
    await page.click('th[data-col="seconds"] button');
    expect(await names()).toEqual([...rep.vms].sort((a, b) => a.seconds - b.seconds).map((v) => v.name));
    await page.click('th[data-col="seconds"] button');
    expect(await names()).toEqual([...rep.vms].sort((a, b) => b.seconds - a.seconds).map((v) => v.name));
    await page.click('th[data-col="name"] button');
    expect(await names()).toEqual(rep.vms.map((v) => v.name).sort((a, b) => a.localeCompare(b)));
    // Filtering by a tenant's name.
    await page.fill('#vm-filter', 'picglobex');
    const shown = await page.$$eval('#vm-table tbody tr:not(.hidden)', (trs) => trs.map((tr) => tr.getAttribute('data-vm')));
    expect(shown.sort()).toEqual(
      rep.vms
        .filter((v) => v.tenant === 'picglobex')
        .map((v) => v.name)
        .sort(),
    );
    expect(await page.textContent('#vm-shown')).toBe(String(shown.length));
    await page.fill('#vm-filter', '');
    expect(await page.locator('#vm-table tbody tr.hidden').count()).toBe(0);
    await page.close();
  }, 600_000);

  it('a two-shard run, merged: both shards, every VM, one page', async () => {
    const a = join(work, 's1.json');
    const b = join(work, 's2.json');
    expect((await ovfpipe('apply', PIPELINE, '--shard', '1/2', '--report', a)).code).toBe(0);
    expect((await ovfpipe('apply', PIPELINE, '--shard', '2/2', '--report', b)).code).toBe(0);
    const merged = join(work, 'merged.json');
    expect((await ovfpipe('report', 'merge', a, b, '-o', merged)).code).toBe(0);
    const html = join(work, 'merged.html');
    const r = await ovfpipe('report', 'html', a, b, '-o', html);
    expect(r.code, r.err).toBe(0);
    reports.merged = { json: JSON.parse(readFileSync(merged, 'utf8')), html };
    const page = await looksRight('run-merged-shards', html, reports.merged.json);
    expect(await page.textContent('[data-field="shard(s)"]')).toBe('1/2, 2/2');
    expect(await page.locator('.host-timeline').count()).toBe(2);
    await page.close();
  }, 600_000);

  it('an audit with drift, repaired: the drift section names what drifted on which VM and that it was repaired', async () => {
    // Drift made by hand: one VM's domain undefined, one tenant filter changed.
    run('virsh', ['-c', 'qemu:///system', 'undefine', 'picinitech-db']);
    const auditJson = join(work, 'audit.json');
    const html = join(work, 'audit.html');
    const r = await ovfpipe('audit', PIPELINE, '--repair', '--json', '--html', html);
    writeFileSync(auditJson, r.out);
    expect(r.code, r.err).toBe(0);
    const audit = JSON.parse(r.out) as { before: Array<{ vms: Array<{ name: string; status: string; findings: Array<{ class: string }> }> }> };
    const drifted = audit.before.flatMap((h) => h.vms).filter((v) => v.status !== 'clean');
    expect(drifted.map((v) => v.name)).toContain('picinitech-db');
    // The same page from the converged report plus the audit JSON.
    const combined = join(work, 'converged-audit.html');
    expect((await ovfpipe('report', 'html', join(work, 'converged.json'), '--audit', auditJson, '-o', combined)).code).toBe(0);
    for (const [name, file] of [
      ['audit-repaired', html],
      ['run-with-drift', combined],
    ] as const) {
      const { page, errors, requests } = await browser!.open(file);
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      expect(await page.locator('#drift tbody tr').count()).toBe(audit.before.flatMap((h) => h.vms).length);
      for (const v of drifted) {
        const row = page.locator(`#drift tbody tr[data-vm="${v.name}"]`);
        expect(await row.getAttribute('data-status')).toBe('drift');
        for (const f of v.findings) expect(await row.textContent()).toContain(f.class);
        expect(await row.locator('td').last().textContent()).toBe('yes');
      }
      await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
      await page.close();
    }
  }, 600_000);

  it('netsec graph --format svg draws a node per filter and an edge per filterref', async () => {
    const r = await ovfpipe('netsec', 'graph', 'examples/two-tier', '--format', 'svg');
    expect(r.code, r.err).toBe(0);
    const show = JSON.parse((await ovfpipe('netsec', 'show', '--json', 'examples/two-tier')).out) as { filters: Array<{ name: string; references: string[] }>; bindings: unknown[] };
    expect(r.out.trimStart().startsWith('<svg')).toBe(true);
    // The SVG as a person opens it: inline in a page of its own, rendered by chromium to PNG.
    const svg = join(work, 'graph.html');
    writeFileSync(svg, `<!DOCTYPE html><html><head><meta charset="utf-8"><title>netsec graph</title></head><body style="margin:8px;background:#fff">${r.out}</body></html>`);
    const { page, errors, requests } = await browser!.open(svg, { width: 1100, height: 700 });
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    const own = show.filters.map((f) => f.name);
    const builtins = new Set(show.filters.flatMap((f) => f.references).filter((n) => !own.includes(n)));
    expect(await page.locator('g.node.filter').count()).toBe(own.length);
    expect(await page.locator('g.node.builtin').count()).toBeGreaterThanOrEqual(builtins.size);
    expect(await page.locator('g.edge.filterref').count()).toBe(show.filters.reduce((n, f) => n + f.references.length, 0));
    expect(await page.locator('g.edge.binding').count()).toBe(show.bindings.filter((b) => (b as { filter?: string }).filter).length);
    await page
      .locator('svg')
      .first()
      .screenshot({ path: join(OUT, 'netsec-graph.png') });
    await page.close();
  }, 120_000);
});
