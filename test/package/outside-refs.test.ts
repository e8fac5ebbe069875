/**
 * References files outside the package's folder (issue 12): an href that
 * climbs out with `..`, an absolute path, or a link that leads out. verify,
 * render, deploy and pack read none of them without --allow-outside-refs;
 * lint calls them not portable in a folder and an error in an archive.
 */
import { mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lintFiles } from '../../src/actions/lint-files.js';
import { renderToDir } from '../../src/actions/render-to-dir.js';
import { verifyPath } from '../../src/actions/verify.js';
import { openDescriptor } from '../../src/package/open-descriptor.js';
import { packPackage } from '../../src/package/pack.js';
import { preparePipeline } from '../../src/pipeline/run.js';
import { renderOptions } from '../../src/render/options.js';
import { buildTar, tempDir } from '../helpers/archives.js';
import { runCli } from '../helpers/cli.js';
import { manifestFor, WEB_DISK, WEB_OVF, WEB_VARS } from '../helpers/packages.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

/** The web appliance with its one File pointing at `href` (size as given). */
function ovfWithHref(href: string, size = WEB_DISK.length): string {
  return WEB_OVF.replace(/ovf:href="web-disk1\.vmdk"( ovf:size="[0-9]+")?/, `ovf:href="${href}" ovf:size="${size}"`);
}

/** A directory package `<dir>/pkg` whose File is `href`; the disk sits in `<dir>/disks`. */
function climbingPackage(href = '../disks/web-disk1.vmdk'): string {
  mkdirSync(tmp.file('pkg'));
  mkdirSync(tmp.file('disks'));
  writeFileSync(tmp.file('disks/web-disk1.vmdk'), WEB_DISK);
  writeFileSync(tmp.file('pkg/web-appliance.ovf'), ovfWithHref(href));
  return tmp.file('pkg');
}

describe('an href that climbs out of a directory package', () => {
  it('verify fails on File ../../../../etc/passwd, located at the File, and reads nothing outside', async () => {
    // Deep enough that the href really is /etc/passwd (four levels below /).
    const depth = tmp.dir.split('/').filter(Boolean).length;
    const dir = tmp.file([...Array.from({ length: Math.max(0, 3 - depth) }, (_, i) => `d${i}`), 'pkg'].join('/'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'web-appliance.ovf'), ovfWithHref('../../../../etc/passwd'));
    if (depth <= 3) expect(resolve(dir, '../../../../etc/passwd')).toBe('/etc/passwd');
    const report = await verifyPath(dir);
    expect(report.ok).toBe(false);
    const d = report.problems.find((p) => p.ruleId === 'reference-outside');
    expect(d).toMatchObject({ severity: 'error', messageId: 'outsideFolder', file: 'web-appliance.ovf', locator: 'References/File[file1]' });
    expect(d!.line).toBeGreaterThan(0);
    expect(report.files.map((f) => f.name)).not.toContain('../../../../etc/passwd');
    const cli = await runCli(['verify', dir]);
    expect(cli.code).toBe(1);
    expect(cli.out).toMatch(/web-appliance\.ovf:\d+:\d+: File 'file1' href '\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd' points to .*--allow-outside-refs/);
    expect(cli.out).toMatch(/FAILED/);
    // Only the flag makes it read the file (and then its size is checked like any member's).
    const allowed = await verifyPath(dir, { allowOutsideRefs: true });
    if (depth <= 3) expect(allowed.files.find((f) => f.name === '../../../../etc/passwd')?.size).toBe(statSync('/etc/passwd').size);
  });

  it('verify exits 1 without --allow-outside-refs and 0 with it, checking the outside file', async () => {
    const pkg = climbingPackage();
    expect((await runCli(['verify', pkg])).code).toBe(1);
    const ok = await runCli(['verify', '--allow-outside-refs', pkg]);
    expect(ok.code, ok.out).toBe(0);
    expect(ok.out).toMatch(/\.\.\/disks\/web-disk1\.vmdk \(131072 bytes/);
    // With the flag the file is really read: a wrong size is caught.
    writeFileSync(tmp.file('disks/web-disk1.vmdk'), WEB_DISK.subarray(0, 1000));
    const bad = await verifyPath(pkg, { allowOutsideRefs: true });
    expect(bad.problems.map((p) => p.ruleId)).toContain('member-size');
  });

  it('verify with the flag checks a manifest entry that climbs out like its href', async () => {
    const pkg = climbingPackage();
    const ovf = readFileSync(tmp.file('pkg/web-appliance.ovf'));
    writeFileSync(tmp.file('pkg/web-appliance.mf'), manifestFor({ 'web-appliance.ovf': ovf, '../disks/web-disk1.vmdk': WEB_DISK }));
    expect((await verifyPath(pkg, { allowOutsideRefs: true })).ok).toBe(true);
    writeFileSync(tmp.file('pkg/web-appliance.mf'), manifestFor({ 'web-appliance.ovf': ovf, '../disks/web-disk1.vmdk': 'other bytes' }));
    expect((await verifyPath(pkg, { allowOutsideRefs: true })).problems.map((p) => p.ruleId)).toContain('manifest-digest');
  });

  it('the same holds for a bare .ovf', async () => {
    const pkg = climbingPackage();
    expect((await runCli(['verify', `${pkg}/web-appliance.ovf`])).code).toBe(1);
    expect((await runCli(['verify', '--allow-outside-refs', `${pkg}/web-appliance.ovf`])).code).toBe(0);
  });

  it('an absolute href is outside too', async () => {
    const pkg = climbingPackage(tmp.file('disks/web-disk1.vmdk'));
    const r = await verifyPath(pkg);
    expect(r.problems.find((p) => p.ruleId === 'reference-outside')?.data).toMatchObject({ reason: 'absolute' });
    expect((await verifyPath(pkg, { allowOutsideRefs: true })).ok).toBe(true);
  });

  it('inspect mentions it as a warning and exits 0 (it reads no References file)', async () => {
    const pkg = climbingPackage();
    const r = await runCli(['inspect', '--json', pkg]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as { members: Array<{ name: string }>; problems: Array<{ ruleId: string; severity: string }> };
    expect(report.problems).toMatchObject([{ ruleId: 'reference-outside', severity: 'warning' }]);
    expect(report.members.map((m) => m.name)).toEqual(['web-appliance.ovf']);
  });

  it('lint warns that the package is not portable', async () => {
    const pkg = climbingPackage();
    const [r] = await lintFiles([pkg]);
    const d = r!.diagnostics.find((x) => x.ruleId === 'references-file');
    expect(d).toMatchObject({ severity: 'warning', messageId: 'notPortable' });
    expect(r!.diagnostics.filter((x) => x.severity === 'error')).toEqual([]);
  });

  it('render refuses without the flag and renders with it', async () => {
    const pkg = climbingPackage();
    const req = { pkg, tenant: 'i12b', out: tmp.file('out'), varsFile: WEB_VARS, options: renderOptions() };
    const refused = await renderToDir(req);
    expect(refused.written).toEqual([]);
    expect(refused.diagnostics[0]).toMatchObject({ ruleId: 'reference-outside', severity: 'error' });
    const rendered = await renderToDir({ ...req, allowOutsideRefs: true });
    expect(rendered.written.length, JSON.stringify(rendered.diagnostics)).toBeGreaterThan(0);
    expect(rendered.result!.disks.some((d) => d.sha256 !== undefined)).toBe(true);
  });

  it('pack refuses without the flag and, with it, packs the file under its own name with the href rewritten', async () => {
    const pkg = climbingPackage();
    await expect(packPackage(pkg, { output: tmp.file('x.ova') })).rejects.toThrow(/outside the package's folder.*--allow-outside-refs/);
    const packed = await packPackage(pkg, { output: tmp.file('x.ova'), allowOutsideRefs: true });
    expect(packed.members.map((m) => m.name)).toEqual(['web-appliance.ovf', 'web-appliance.mf', 'web-disk1.vmdk']);
    const verified = await verifyPath(tmp.file('x.ova'));
    expect(verified.ok, JSON.stringify(verified.problems)).toBe(true);
    const opened = await openDescriptor(tmp.file('x.ova'));
    expect(opened.envelope!.references[0]!.href).toBe('web-disk1.vmdk');
    await opened.reader.close();
  });
});

describe('a pipeline package with an href that climbs out', () => {
  it('fails the gate with a located error, and passes with packages.NAME.allowOutsideRefs', async () => {
    const pkg = climbingPackage();
    const gate = async (extra: string) => {
      writeFileSync(tmp.file('gate.yaml'), `version: 1\npackages:\n  app: { path: ${pkg}${extra} }\nstages: [verify, render]\n`);
      return (await preparePipeline({ file: tmp.file('gate.yaml'), env: {} })).diagnostics.filter((d) => d.severity === 'error');
    };
    const refused = await gate('');
    expect(refused.map((d) => [d.ruleId, d.messageId])).toEqual([['reference-outside', 'outsideFolder']]);
    expect(refused[0]!.line).toBeGreaterThan(0);
    expect(await gate(', allowOutsideRefs: true')).toEqual([]);
  });
});

describe('a symbolic link that leads out counts as outside', () => {
  it('a referenced link to a file outside: refused without the flag, read with it', async () => {
    mkdirSync(tmp.file('pkg'));
    writeFileSync(tmp.file('outside.vmdk'), WEB_DISK);
    symlinkSync(tmp.file('outside.vmdk'), tmp.file('pkg/web-disk1.vmdk'));
    writeFileSync(tmp.file('pkg/web-appliance.ovf'), WEB_OVF);
    const r = await verifyPath(tmp.file('pkg'));
    expect(r.problems.find((p) => p.ruleId === 'reference-outside')?.data).toMatchObject({ reason: 'symlink' });
    expect(r.ok).toBe(false);
    expect((await verifyPath(tmp.file('pkg'), { allowOutsideRefs: true })).ok).toBe(true);
    // lint: not portable (a warning, as for ..), whether the package is the folder or the bare .ovf.
    for (const path of [tmp.file('pkg'), tmp.file('pkg/web-appliance.ovf')]) {
      const [l] = await lintFiles([path]);
      expect(l!.diagnostics.find((d) => d.ruleId === 'reference-file-present')).toMatchObject({ severity: 'warning', messageId: 'linkedOutside' });
    }
  });

  it('a linked folder on the way out counts too', async () => {
    mkdirSync(tmp.file('pkg'));
    mkdirSync(tmp.file('elsewhere'));
    writeFileSync(tmp.file('elsewhere/web-disk1.vmdk'), WEB_DISK);
    symlinkSync(tmp.file('elsewhere'), tmp.file('pkg/disks'));
    writeFileSync(tmp.file('pkg/web-appliance.ovf'), ovfWithHref('disks/web-disk1.vmdk'));
    const r = await verifyPath(tmp.file('pkg/web-appliance.ovf'));
    expect(r.problems.find((p) => p.ruleId === 'reference-outside')?.data).toMatchObject({ reason: 'symlink' });
  });

  it('a link that stays inside the folder is an ordinary member', async () => {
    mkdirSync(tmp.file('pkg/store'), { recursive: true });
    writeFileSync(tmp.file('pkg/store/disk.bin'), WEB_DISK);
    symlinkSync('store/disk.bin', tmp.file('pkg/web-disk1.vmdk'));
    writeFileSync(tmp.file('pkg/web-appliance.ovf'), WEB_OVF);
    const r = await verifyPath(tmp.file('pkg/web-appliance.ovf'));
    expect(r.ok, JSON.stringify(r.problems)).toBe(true);
    for (const path of [tmp.file('pkg'), tmp.file('pkg/web-appliance.ovf')]) {
      const [l] = await lintFiles([path]);
      expect(l!.diagnostics.filter((d) => d.ruleId === 'reference-file-present')).toEqual([]);
    }
  });
});

describe('an href that climbs out inside an archive', () => {
  it('is an error in lint and in verify, flag or not', async () => {
    writeFileSync(tmp.file('x.ova'), buildTar([{ name: 'web-appliance.ovf', data: ovfWithHref('../disks/web-disk1.vmdk') }]));
    const [r] = await lintFiles([tmp.file('x.ova')]);
    expect(r!.diagnostics.find((x) => x.ruleId === 'references-file')).toMatchObject({ severity: 'error', messageId: 'unsafeHref' });
    for (const allowOutsideRefs of [false, true]) {
      const v = await verifyPath(tmp.file('x.ova'), { allowOutsideRefs });
      expect(v.ok).toBe(false);
      expect(v.problems.find((p) => p.ruleId === 'reference-outside')).toMatchObject({ messageId: 'outsideArchive' });
    }
  });
});
