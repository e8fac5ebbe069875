/**
 * The package is what the descriptor says (issues 12 and 14): a bare `.ovf`
 * is the descriptor, its References and `<stem>.mf`/`<stem>.cert`, never the
 * folder around it; only `<stem>.mf` is the manifest and `<stem>.cert` the
 * certificate (DSP0243 §5.1), other `.mf` members are ordinary members whose
 * digests are checked when they name members.
 */
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lintFiles } from '../../src/actions/lint-files.js';
import { verifyPath } from '../../src/actions/verify.js';
import { tempDir } from '../helpers/archives.js';
import { runCli } from '../helpers/cli.js';
import { manifestFor, WEB_DISK, WEB_OVF } from '../helpers/packages.js';

const EXAMPLE = new URL('../../examples/web-appliance', import.meta.url).pathname;

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

describe('a bare .ovf in a folder of unrelated things', () => {
  beforeEach(() => {
    cpSync(EXAMPLE, tmp.file('work'), { recursive: true });
    // An unrelated dangling link, and a subtree over both the member-count and the nesting limits.
    symlinkSync(tmp.file('gone'), tmp.file('work/dangling'));
    const deep = tmp.file(`work/node_modules/${Array.from({ length: 40 }, (_, i) => `d${i}`).join('/')}`);
    mkdirSync(deep, { recursive: true });
    writeFileSync(join(deep, 'x'), 'x');
    mkdirSync(tmp.file('work/node_modules/many'));
    for (let i = 0; i < 10_050; i++) writeFileSync(tmp.file(`work/node_modules/many/${i}`), '');
  });

  it('inspect, verify, spec and netsec show read only the package', async () => {
    const ovf = tmp.file('work/web-appliance.ovf');
    const inspect = await runCli(['inspect', '--json', ovf]);
    expect(inspect.code, inspect.out + inspect.err).toBe(0);
    expect((JSON.parse(inspect.out) as { members: Array<{ name: string }> }).members.map((m) => m.name)).toEqual(['web-appliance.ovf', 'web-appliance.mf', 'web-disk1.vmdk']);
    const verify = await runCli(['verify', ovf]);
    expect(verify.code, verify.out + verify.err).toBe(0);
    expect(verify.out).toMatch(/ok +web-disk1\.vmdk/);
    const spec = await runCli(['spec', ovf]);
    expect(spec.code, spec.err).toBe(0);
    const netsec = await runCli(['netsec', 'show', ovf]);
    expect(netsec.code, netsec.err).toBe(0);
  }, 60_000);

  it('the folder itself is still refused as a package: it is not one', async () => {
    const r = await verifyPath(tmp.file('work'));
    expect(r.ok).toBe(false);
  }, 60_000);
});

describe('only <stem>.mf is the manifest', () => {
  function pkg(extra: Record<string, string> = {}): string {
    mkdirSync(tmp.file('pkg'));
    writeFileSync(tmp.file('pkg/web-appliance.ovf'), WEB_OVF);
    writeFileSync(tmp.file('pkg/web-disk1.vmdk'), WEB_DISK);
    for (const [name, text] of Object.entries(extra)) writeFileSync(tmp.file(`pkg/${name}`), text);
    return tmp.file('pkg');
  }

  it('a stray .mf is not adopted as the manifest, but its digests of members are checked', async () => {
    const dir = pkg({ 'web-disk1.vmdk.mf': manifestFor({ 'web-disk1.vmdk': WEB_DISK }) });
    const ok = await verifyPath(dir);
    expect(ok.manifest.name).toBeUndefined();
    expect(ok.problems.filter((p) => p.severity === 'error')).toEqual([]);
    writeFileSync(tmp.file('pkg/web-disk1.vmdk.mf'), manifestFor({ 'web-disk1.vmdk': 'something else', 'not-here.vmdk': 'x' }));
    const bad = await verifyPath(dir);
    expect(bad.ok).toBe(false);
    expect(bad.problems.find((p) => p.ruleId === 'manifest-digest')).toMatchObject({ file: 'web-disk1.vmdk.mf', line: 1, locator: 'web-disk1.vmdk' });
    // A line naming nothing in the package is not this package's business.
    expect(bad.problems.filter((p) => p.ruleId === 'manifest-complete' && p.severity === 'error')).toEqual([]);
  });

  it('with two stray .mf and no <stem>.mf, the package has no manifest, and both strays are checked', async () => {
    const dir = pkg({ 'a.mf': manifestFor({ 'web-disk1.vmdk': WEB_DISK }), 'b.mf': manifestFor({ 'web-disk1.vmdk': 'stale' }) });
    const r = await verifyPath(dir);
    expect(r.manifest.name).toBeUndefined();
    expect(r.problems.filter((p) => p.ruleId === 'manifest-digest').map((p) => p.file)).toEqual(['b.mf']);
  });

  it('two stray .mf beside a real <stem>.mf leave it the manifest', async () => {
    const real = manifestFor({ 'web-appliance.ovf': WEB_OVF, 'web-disk1.vmdk': WEB_DISK });
    const dir = pkg({ 'web-appliance.mf': real, 'a.mf': manifestFor({ 'web-disk1.vmdk': WEB_DISK }), 'b.mf': 'not a manifest at all\n' });
    const r = await verifyPath(dir);
    expect(r.manifest.name).toBe('web-appliance.mf');
    expect(r.ok, JSON.stringify(r.problems)).toBe(true);
    const [l] = await lintFiles([dir]);
    expect(l!.diagnostics.filter((d) => d.ruleId.startsWith('manifest'))).toEqual([]);
  });

  it('a stray .cert is not the signature', async () => {
    const dir = pkg({ 'web-appliance.mf': manifestFor({ 'web-appliance.ovf': WEB_OVF, 'web-disk1.vmdk': WEB_DISK }), 'vendor.cert': 'not ours' });
    const r = await verifyPath(dir);
    expect(r.signature).toBeUndefined();
    expect(r.ok, JSON.stringify(r.problems)).toBe(true);
  });

  it('a bare .ovf takes its own <stem>.mf even when a neighbour has one', async () => {
    const dir = pkg({ 'web-appliance.mf': manifestFor({ 'web-appliance.ovf': WEB_OVF, 'web-disk1.vmdk': WEB_DISK }) });
    writeFileSync(tmp.file('pkg/other.ovf'), readFileSync(tmp.file('pkg/web-appliance.ovf')));
    writeFileSync(tmp.file('pkg/other.mf'), 'SHA256(other.ovf)= 00\n');
    const r = await verifyPath(`${dir}/web-appliance.ovf`);
    expect(r.manifest.name).toBe('web-appliance.mf');
    expect(r.ok, JSON.stringify(r.problems)).toBe(true);
  });
});
