/**
 * Packages built in code from examples/web-appliance, and one helper that runs
 * every read-only command (lint, verify, inspect, render) on a path through the
 * library and reports a verdict for each. Used by the pathological-input tests
 * and the fuzz suite.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { main } from '../../src/cli/main.js';
import { inspectPackage } from '../../src/actions/inspect.js';
import { lintFiles } from '../../src/actions/lint-files.js';
import { renderOptions } from '../../src/render/options.js';
import { renderToDir } from '../../src/actions/render-to-dir.js';
import { verifyPath } from '../../src/actions/verify.js';
import { buildTar, type TarEntrySpec } from './archives.js';

const example = (name: string) => new URL(`../../examples/${name}`, import.meta.url);

export const WEB_OVF = readFileSync(example('web-appliance/web-appliance.ovf'), 'utf8');
export const WEB_DISK = readFileSync(example('web-appliance/web-disk1.vmdk'));
export const TWO_TIER_OVF = readFileSync(example('two-tier/two-tier.ovf'), 'utf8');
export const SECURE_WEB_OVF = readFileSync(example('secure-web/web-appliance.ovf'), 'utf8');
export const WEB_VARS = new URL('../../examples/vars/web-appliance.yaml', import.meta.url).pathname;

/** A SHA256 manifest (`SHA256(name)= hex`) over the given members. */
export function manifestFor(members: Record<string, Buffer | string>): string {
  return Object.entries(members)
    .map(([name, data]) => `SHA256(${name})= ${createHash('sha256').update(data).digest('hex')}\n`)
    .join('');
}

/** The tar entries of an OVA in DSP0243 order: descriptor, manifest, then the disk. */
export function ovaEntries(ovf: string | Buffer, disk: Buffer = WEB_DISK): TarEntrySpec[] {
  const members = { 'web-appliance.ovf': ovf, 'web-disk1.vmdk': disk };
  return [
    { name: 'web-appliance.ovf', data: ovf },
    { name: 'web-appliance.mf', data: manifestFor(members) },
    { name: 'web-disk1.vmdk', data: disk },
  ];
}

/** An OVA of the web appliance with `ovf` as its descriptor and a matching manifest. */
export function buildOva(ovf: string | Buffer, disk: Buffer = WEB_DISK): Buffer {
  return buildTar(ovaEntries(ovf, disk));
}

export type Verdict = { ok: true; failed: boolean } | { ok: false; thrown: unknown };

export interface CommandVerdicts {
  lint: Verdict;
  verify: Verdict;
  inspect: Verdict;
  render: Verdict;
}

async function verdict(run: () => Promise<boolean>): Promise<Verdict> {
  try {
    return { ok: true, failed: await run() };
  } catch (thrown) {
    return { ok: false, thrown };
  }
}

/**
 * Runs lint, verify, inspect and render (into `outDir`, created here) on `path`
 * through the library. Each either returns a result (failed or not) or is
 * recorded as having thrown: the API must never throw for a bad package.
 */
export async function runCommands(path: string, outDir: string, varsFile: string = WEB_VARS): Promise<CommandVerdicts> {
  mkdirSync(outDir, { recursive: true });
  return {
    lint: await verdict(async () => {
      const [result] = await lintFiles([path]);
      JSON.stringify(result);
      return result!.diagnostics.some((d) => d.severity === 'error');
    }),
    verify: await verdict(async () => !(await verifyPath(path)).ok),
    inspect: await verdict(async () => (await inspectPackage(path)).problems.some((d) => d.severity === 'error')),
    render: await verdict(async () => {
      const r = await renderToDir({ pkg: path, tenant: 'fuzz', varsFile, out: outDir, options: renderOptions() });
      return r.diagnostics.some((d) => d.severity === 'error');
    }),
  };
}

/** Every file under `dir` (relative paths, sorted), to check that a command wrote nothing it should not. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}
