import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { VirtualSystem } from '../../src/ovf/model.js';
import { environmentKey, OVF_ENV_NS, ovfEnvIso, ovfEnvironmentXml, type EnvironmentProperty } from '../../src/render/ovf-env.js';
import { buildOvfEnvIso } from '../../src/actions/ovf-env-iso.js';
import { isoImage } from '../../src/render/iso9660.js';
import { VERSION } from '../../src/version.js';
import { attr, child, childText, children, type XmlElement } from '../../src/xml/element.js';
import { parseXml } from '../../src/xml/parse.js';
import { corpusPath, inCI } from '../helpers/corpus.js';

// ovfEnvironmentXml reads only the id of the VirtualSystem.
const vs = { id: 'web' } as VirtualSystem;
const PROPS: EnvironmentProperty[] = [
  { key: 'hostname', value: 'web-1', class: 'org.example.web' },
  { key: 'ip', value: '10.0.0.5', class: 'org.example.web', instance: '1' },
  { key: 'motd', value: `it's <b>"bold"</b> & more\nsecond line` },
];

function parsed(xml: string): XmlElement {
  const r = parseXml(xml);
  if (!r.ok) throw new Error(r.problem.message);
  return r.root;
}
const oe = (el: XmlElement, local: string) => attr(el, local, OVF_ENV_NS);

describe('ovfEnvironmentXml (DSP0243 §11)', () => {
  it('writes Environment with the platform and the properties, qualified oe: attributes', () => {
    const xml = ovfEnvironmentXml(vs, PROPS);
    expect(
      xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<Environment xmlns="http://schemas.dmtf.org/ovf/environment/1" xmlns:oe="http://schemas.dmtf.org/ovf/environment/1" oe:id="web">'),
    ).toBe(true);
    const root = parsed(xml);
    expect([root.local, root.ns, oe(root, 'id')]).toEqual(['Environment', OVF_ENV_NS, 'web']);
    const platform = child(root, 'PlatformSection', OVF_ENV_NS)!;
    expect(['Kind', 'Version', 'Vendor', 'Locale'].map((k) => childText(platform, k))).toEqual(['KVM', VERSION, 'ovfpipe', 'en']);
    const props = children(child(root, 'PropertySection', OVF_ENV_NS)!, 'Property', OVF_ENV_NS);
    expect(props.map((p) => [oe(p, 'key'), oe(p, 'value')])).toEqual([
      ['org.example.web.hostname', 'web-1'],
      ['org.example.web.ip.1', '10.0.0.5'],
      ['motd', PROPS[2]!.value],
    ]);
  });

  it('forms keys as class.key.instance, leaving out absent parts', () => {
    expect([environmentKey({ key: 'k' }), environmentKey({ key: 'k', class: 'c' }), environmentKey({ key: 'k', instance: '2' }), environmentKey({ key: 'k', class: 'c', instance: '2' })]).toEqual([
      'k',
      'c.k',
      'k.2',
      'c.k.2',
    ]);
  });

  it('takes the id, platform values and sibling entities from the options', () => {
    const root = parsed(
      ovfEnvironmentXml(vs, [], {
        id: 'vApp/web',
        platform: { kind: 'QEMU', version: '7.2', vendor: 'Debian', locale: 'de', timezone: -60 },
        entities: [{ id: 'db', properties: [{ key: 'port', value: '5432' }] }],
      }),
    );
    expect(oe(root, 'id')).toBe('vApp/web');
    expect(child(root, 'PlatformSection')!.children.map((c) => `${c.local}=${c.text}`)).toEqual(['Kind=QEMU', 'Version=7.2', 'Vendor=Debian', 'Locale=de', 'Timezone=-60']);
    const entity = child(root, 'Entity', OVF_ENV_NS)!;
    expect(oe(entity, 'id')).toBe('db');
    expect(oe(child(child(entity, 'PropertySection')!, 'Property')!, 'key')).toBe('port');
  });

  it('refuses two properties with one environment key', () => {
    expect(() =>
      ovfEnvironmentXml(vs, [
        { key: 'a', value: '1', class: 'c' },
        { key: 'c.a', value: '2' },
      ]),
    ).toThrow(/property key 'c.a' given twice/);
  });

  it('passes the DMTF environment schema (DSP8027) with xmllint', (ctx) => {
    const schemas = corpusPath('dmtf-schemas');
    if (!schemas) return ctx.skip();
    const dir = mkdtempSync(join(tmpdir(), 'ovfpipe-env-xsd-'));
    try {
      const file = join(dir, 'ovf-env.xml');
      writeFileSync(file, ovfEnvironmentXml(vs, PROPS, { platform: { timezone: 120 }, entities: [{ id: 'db', properties: PROPS }] }));
      const r = spawnSync('xmllint', ['--nonet', '--noout', '--schema', join(schemas, 'citrix-modified/DSP8027.xsd'), file], {
        encoding: 'utf8',
        env: { ...process.env, XML_CATALOG_FILES: join(schemas, 'catalog.xml') },
      });
      expect(r.stderr.trim()).toBe(`${file} validates`);
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The oracle tools (genisoimage's isoinfo, xorriso) read what we wrote; render itself never runs them. */
function oracle(ctx: { skip: () => void }, ...tools: string[]): boolean {
  for (const tool of tools) {
    const found = (process.env['PATH'] ?? '').split(delimiter).some((d) => d !== '' && existsSync(join(d, tool)));
    if (found) continue;
    if (inCI) expect.fail(`${tool} is required in CI (oracle for the ISO writer)`);
    console.warn(`\n*** SKIPPING ISO oracle test: ${tool} not installed ***\n`);
    ctx.skip();
    return false;
  }
  return true;
}

describe('ovfEnvIso (in-process ISO 9660 + Joliet)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ovfpipe-env-iso-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const xml = ovfEnvironmentXml(vs, PROPS);

  it('builds an image isoinfo reads back: Joliet name ovf-env.xml, volume id OVF ENV, exact content', async (ctx) => {
    if (!oracle(ctx, 'isoinfo')) return;
    const iso = join(dir, 'env.iso');
    await buildOvfEnvIso(xml, iso);
    expect(execFileSync('isoinfo', ['-J', '-x', '/ovf-env.xml', '-i', iso], { encoding: 'utf8' })).toBe(xml);
    expect(/^Volume id: (.*)$/m.exec(execFileSync('isoinfo', ['-d', '-i', iso], { encoding: 'utf8' }))?.[1]).toBe('OVF ENV');
    expect(execFileSync('isoinfo', ['-d', '-i', iso], { encoding: 'utf8' })).toMatch(/Joliet with UCS level 3 found/);
    const listing = execFileSync('isoinfo', ['-J', '-l', '-i', iso], { encoding: 'utf8' });
    expect(listing).toMatch(new RegExp(`\\s${Buffer.byteLength(xml)} .* ovf-env\\.xml`));
    // The primary volume's 8.3 name, for readers without Joliet.
    expect(execFileSync('isoinfo', ['-x', '/OVF_ENV.XML;1', '-i', iso], { encoding: 'utf8' })).toBe(xml);
    expect(statSync(iso).mode & 0o777).toBe(0o600);
  });

  it('is read by xorriso without complaint, and xorriso extracts the file by its Joliet name', (ctx) => {
    if (!oracle(ctx, 'xorriso')) return;
    const iso = join(dir, 'x.iso');
    writeFileSync(iso, ovfEnvIso(xml));
    const find = spawnSync('xorriso', ['-abort_on', 'WARNING', '-indev', iso, '-find', '/', '-type', 'f'], { encoding: 'utf8' });
    expect(find.status, find.stderr).toBe(0);
    expect(find.stdout.trim().split('\n')).toEqual(["'/ovf-env.xml'"]);
    const out = join(dir, 'extracted.xml');
    const x = spawnSync('xorriso', ['-abort_on', 'WARNING', '-osirrox', 'on', '-indev', iso, '-extract', '/ovf-env.xml', out], { encoding: 'utf8' });
    expect(x.status, x.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(xml);
  });

  it('gives byte-identical images for the same XML and date, and stamps the date', () => {
    expect(ovfEnvIso(xml, { sourceDateEpoch: 1_700_000_000 }).equals(ovfEnvIso(xml, { sourceDateEpoch: 1_700_000_000 }))).toBe(true);
    expect(ovfEnvIso(xml).equals(ovfEnvIso(xml, { sourceDateEpoch: 1_700_000_000 }))).toBe(false);
    expect(
      ovfEnvIso(xml)
        .subarray(16 * 2048 + 813, 16 * 2048 + 829)
        .toString('ascii'),
    ).toBe('1970010100000000');
  });

  it('holds a file larger than one sector', (ctx) => {
    if (!oracle(ctx, 'isoinfo')) return;
    const big = ovfEnvironmentXml(
      vs,
      Array.from({ length: 300 }, (_, i) => ({ key: `k${i}`, value: 'v'.repeat(40) })),
    );
    const iso = join(dir, 'big.iso');
    writeFileSync(iso, ovfEnvIso(big));
    expect(execFileSync('isoinfo', ['-J', '-x', '/ovf-env.xml', '-i', iso], { encoding: 'utf8', maxBuffer: 1 << 24 })).toBe(big);
  });

  it('refuses a name Joliet cannot hold', () => {
    expect(() => isoImage({ volumeId: 'X', files: [{ name: 'a/b', data: new Uint8Array() }] })).toThrow(RangeError);
  });

  it('fails with OVFPIPE_IO when the target cannot be written', async () => {
    await expect(buildOvfEnvIso(xml, join(dir, 'missing-dir', 'x.iso'))).rejects.toMatchObject({ code: 'OVFPIPE_IO' });
  });
});
