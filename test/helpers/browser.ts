/**
 * A real browser for the picture tests: Debian's chromium, headless, driven
 * by playwright-core (which never downloads a browser of its own). Outside CI
 * a missing chromium skips loudly; in CI (CI=true) it is a failure.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { inCI } from './corpus.js';

export const CHROMIUM = '/usr/bin/chromium';

export function requireChromium(what: string): boolean {
  if (existsSync(CHROMIUM)) return true;
  const why = `${CHROMIUM} is missing — install it with: bash test/e2e/infra.sh install (Debian package chromium)`;
  if (inCI) throw new Error(`${what}: ${why}`);
  console.warn(`\n*** SKIPPING ${what}: ${why} ***\n`);
  return false;
}

export interface OpenedPage {
  page: Page;
  /** console.error messages and uncaught page errors. */
  errors: string[];
  /** Every request but the page's own file. */
  requests: string[];
}

export class HeadlessChromium {
  private constructor(
    private readonly context: BrowserContext,
    private readonly profile: string,
  ) {}

  /** `javaScript: false` opens pages as a reader with scripts off would see them. */
  static async launch(opts: { javaScript?: boolean } = {}): Promise<HeadlessChromium> {
    const profile = mkdtempSync(join(tmpdir(), 'ovfpipe-chromium-'));
    // A fresh, empty profile (--user-data-dir, which playwright passes for a persistent context).
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 900 },
      javaScriptEnabled: opts.javaScript ?? true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    return new HeadlessChromium(context, profile);
  }

  async open(file: string, viewport = { width: 1400, height: 900 }): Promise<OpenedPage> {
    const page = await this.context.newPage();
    await page.setViewportSize(viewport);
    const errors: string[] = [];
    const requests: string[] = [];
    const own = pathToFileURL(file).href;
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => {
      if (r.url() !== own) requests.push(r.url());
    });
    await page.goto(own, { waitUntil: 'load' });
    return { page, errors, requests };
  }

  async close(): Promise<void> {
    await this.context.close();
    rmSync(this.profile, { recursive: true, force: true });
  }
}
