/**
 * render's output folder: written whole or not at all, the OVF environment
 * ISO built in-process (no xorriso or genisoimage on PATH), secrets 0600.
 * isoinfo and xorriso are oracles here only: they read back what we wrote.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { writeDirAtomically } from '../../src/actions/output-dir.js';
import { tempDir } from '../helpers/archives.js';
import { inCI } from '../helpers/corpus.js';

const EXAMPLES = join(import.meta.dirname, '../../examples');
const tmp = tempDir('ovfpipe-render-out-');
afterAll(() => tmp.cleanup());

const run = runCli;

const renderArgs = (out: string, ...more: string[]) => ['render', join(EXAMPLES, 'web-appliance'), '--tenant', 'demo', '--vars', join(EXAMPLES, 'vars/web-appliance.yaml'), '--out', out, ...more];
const onPath = (tool: string, path = process.env['PATH'] ?? '') => path.split(delimiter).some((d) => d !== '' && existsSync(join(d, tool)));

describe('render output', () => {
  it('writes the ovf-env ISO with no ISO tool on PATH; isoinfo and xorriso read it back', async (ctx) => {
    const out = tmp.file('no-tools');
    const hidden = tmp.file('empty-bin');
    mkdirSync(hidden);
    const savedPath = process.env['PATH'];
    process.env['PATH'] = hidden;
    let r: Awaited<ReturnType<typeof run>>;
    try {
      expect(['xorriso', 'genisoimage', 'mkisofs', 'isoinfo'].filter((t) => onPath(t))).toEqual([]);
      r = await run(renderArgs(out));
    } finally {
      process.env['PATH'] = savedPath;
    }
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const iso = join(out, 'demo-web.ovf-env.iso');
    const xml = readFileSync(join(out, 'demo-web.ovf-env.xml'), 'utf8');
    expect(statSync(iso).mode & 0o777).toBe(0o600);
    expect(statSync(join(out, 'demo-web.ovf-env.xml')).mode & 0o777).toBe(0o600);
    expect(statSync(join(out, 'demo-web.xml')).mode & 0o777).toBe(0o644);
    for (const tool of ['isoinfo', 'xorriso'])
      if (!onPath(tool)) {
        if (inCI) expect.fail(`${tool} is required in CI`);
        return ctx.skip();
      }
    expect(execFileSync('isoinfo', ['-J', '-x', '/ovf-env.xml', '-i', iso], { encoding: 'utf8' })).toBe(xml);
    expect(execFileSync('isoinfo', ['-d', '-i', iso], { encoding: 'utf8' })).toMatch(/^Volume id: OVF ENV$/m);
    const find = spawnSync('xorriso', ['-abort_on', 'WARNING', '-indev', iso, '-find', '/', '-type', 'f'], { encoding: 'utf8' });
    expect([find.status, find.stdout.trim()]).toEqual([0, "'/ovf-env.xml'"]);
  });

  it('leaves no output folder when render fails', async () => {
    const out = tmp.file('absent');
    const r = await run(renderArgs(out, '--configuration', 'no-such-config'));
    expect(r.code).toBe(2);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(tmp.dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('leaves an earlier output untouched when a re-render fails, and replaces it when one succeeds', async () => {
    const out = tmp.file('again');
    expect((await run(renderArgs(out))).code).toBe(0);
    writeFileSync(join(out, 'stale.txt'), 'from before');
    const before = readFileSync(join(out, 'plan.json'), 'utf8');
    expect((await run(renderArgs(out, '--tenant', 'bad tenant!'))).code).toBe(1);
    expect(readFileSync(join(out, 'plan.json'), 'utf8')).toBe(before);
    expect(existsSync(join(out, 'stale.txt'))).toBe(true);
    expect((await run(renderArgs(out))).code).toBe(0);
    expect(existsSync(join(out, 'stale.txt'))).toBe(false);
    expect(readdirSync(tmp.dir).filter((f) => f.includes('.tmp-') || f.includes('.old-'))).toEqual([]);
  });

  it('refuses to replace a non-empty folder that is not an earlier render output', async () => {
    const out = tmp.file('home');
    mkdirSync(out);
    writeFileSync(join(out, 'precious.txt'), 'keep me');
    const r = await run(renderArgs(out));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/not empty and holds no plan\.json/);
    expect(readdirSync(out)).toEqual(['precious.txt']);
  });

  it('removes the temporary folder and keeps the target when the writer fails midway', async () => {
    const out = tmp.file('midway');
    mkdirSync(out);
    writeFileSync(join(out, 'plan.json'), '{}');
    await expect(
      writeDirAtomically(out, 'plan.json', async (dir) => {
        writeFileSync(join(dir, 'half.xml'), '<x/>');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(readdirSync(out)).toEqual(['plan.json']);
    expect(readdirSync(tmp.dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});
