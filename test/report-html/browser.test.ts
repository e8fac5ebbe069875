/** A report whose every name is hostile, opened in Debian's real chromium: nothing runs, nothing is fetched, names read as text. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildHtmlReport } from '../../src/deploy/report-html/build.js';
import { HeadlessChromium, requireChromium } from '../helpers/browser.js';
import { syntheticReport } from './synthetic.js';

const live = requireChromium('HTML report XSS browser test');
const HOSTILE = '"><img src=x onerror=alert(1)></svg><script>alert(2)</script>';
const work = mkdtempSync(join(tmpdir(), 'ovfpipe-report-xss-'));
let browser: HeadlessChromium | undefined;
let noScript: HeadlessChromium | undefined;

afterAll(async () => {
  await browser?.close();
  await noScript?.close();
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!live)('a report built from hostile names', () => {
  it('runs none of their markup, fetches nothing and shows them as text', async () => {
    const report = syntheticReport(12, { hostile: HOSTILE });
    const file = join(work, 'xss.html');
    writeFileSync(file, await buildHtmlReport([report]));
    browser = await HeadlessChromium.launch();
    const { page, errors, requests } = await browser.open(file);
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.waitForTimeout(300);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('script').count()).toBe(1);
    expect(await page.textContent('#vm-table tbody tr:first-child td:first-child')).toBe(report.vms[0]!.name);
    expect(await page.locator('.tenant-security svg text', { hasText: 'onerror' }).count()).toBeGreaterThan(0);
  }, 60_000);

  it('reads the same with scripts off: summary, lanes, table and graphs are all there', async () => {
    const report = syntheticReport(20);
    const file = join(work, 'plain.html');
    writeFileSync(file, await buildHtmlReport([report]));
    noScript = await HeadlessChromium.launch({ javaScript: false });
    const { page, errors, requests } = await noScript.open(file);
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    expect(await page.locator('#vm-table tbody tr').count()).toBe(20);
    expect(await page.locator('.lane').count()).toBe(20);
    expect(await page.locator('.lane.failed .lane-error').first().isVisible()).toBe(true);
    expect(await page.locator('.tenant-security svg').count()).toBe(report.security!.length);
    expect(await page.locator('#vm-filter').isVisible()).toBe(false);
  }, 60_000);
});
