import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OvfpipeError } from '../../src/diagnostics/errors.js';
import type { VirtualSystem } from '../../src/ovf/model.js';
import { buildOvfEnvIso, type IsoTool } from '../../src/deploy/ovf-env-iso.js';
import { environmentKey, OVF_ENV_NS, ovfEnvironmentXml, type EnvironmentProperty } from '../../src/render/ovf-env.js';
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
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<Environment xmlns="http://schemas.dmtf.org/ovf/environment/1" xmlns:oe="http://schemas.dmtf.org/ovf/environment/1" oe:id="web">')).toBe(true);
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
    expect([environmentKey({ key: 'k' }), environmentKey({ key: 'k', class: 'c' }), environmentKey({ key: 'k', instance: '2' }), environmentKey({ key: 'k', class: 'c', instance: '2', })]).toEqual(['k', 'c.k', 'k.2', 'c.k.2']);
  });

  it('takes the id, platform values and sibling entities from the options', () => {
    const root = parsed(ovfEnvironmentXml(vs, [], { id: 'vApp/web', platform: { kind: 'QEMU', version: '7.2', vendor: 'Debian', locale: 'de', timezone: -60 }, entities: [{ id: 'db', properties: [{ key: 'port', value: '5432' }] }] }));
    expect(oe(root, 'id')).toBe('vApp/web');
    expect(child(root, 'PlatformSection')!.children.map((c) => `${c.local}=${c.text}`)).toEqual(['Kind=QEMU', 'Version=7.2', 'Vendor=Debian', 'Locale=de', 'Timezone=-60']);
    const entity = child(root, 'Entity', OVF_ENV_NS)!;
    expect(oe(entity, 'id')).toBe('db');
    expect(oe(child(child(entity, 'PropertySection')!, 'Property')!, 'key')).toBe('port');
  });

  it('refuses two properties with one environment key', () => {
    expect(() => ovfEnvironmentXml(vs, [{ key: 'a', value: '1', class: 'c' }, { key: 'c.a', value: '2' }])).toThrow(/property key 'c.a' given twice/);
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

const onPath = (cmd: string) => (process.env['PATH'] ?? '').split(delimiter).some((d) => d !== '' && existsSync(join(d, cmd)));

describe('buildOvfEnvIso', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ovfpipe-env-iso-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const xml = ovfEnvironmentXml(vs, PROPS);

  /** Reads /ovf-env.xml (by its Rock Ridge name) and the volume id back with isoinfo (genisoimage package). */
  function readBack(iso: string): { content: string; volumeId: string } {
    const content = execFileSync('isoinfo', ['-R', '-x', '/ovf-env.xml', '-i', iso], { encoding: 'utf8' });
    const volumeId = /^Volume id: (.*)$/m.exec(execFileSync('isoinfo', ['-d', '-i', iso], { encoding: 'utf8' }))?.[1] ?? '';
    return { content, volumeId };
  }

  it.each(['xorriso', 'genisoimage'] as IsoTool[])('builds an ISO 9660 image holding ovf-env.xml with %s', async (tool, ctx) => {
    for (const needed of [tool, 'isoinfo'])
      if (!onPath(needed)) {
        if (inCI) expect.fail(`${needed} is required in CI`);
        console.warn(`\n*** SKIPPING ISO test: ${needed} not installed ***\n`);
        return ctx.skip();
      }
    const iso = join(dir, `${tool}.iso`);
    expect(await buildOvfEnvIso(xml, iso, { tools: [tool] })).toEqual({ tool });
    expect(readBack(iso)).toEqual({ content: xml, volumeId: 'OVF ENV' });
  });

  it('prefers xorriso and, given a date, builds byte-identical images', async (ctx) => {
    if (!onPath('xorriso')) return ctx.skip();
    const [a, b] = [join(dir, 'a.iso'), join(dir, 'b.iso')];
    expect(await buildOvfEnvIso(xml, a, { sourceDateEpoch: 1_700_000_000 })).toEqual({ tool: 'xorriso' });
    await new Promise((r) => setTimeout(r, 1100));
    await buildOvfEnvIso(xml, b, { sourceDateEpoch: 1_700_000_000 });
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
  });

  it('fails with a clear OvfpipeError when no ISO tool is installed', async () => {
    const err = await buildOvfEnvIso(xml, join(dir, 'none.iso'), { env: { PATH: join(dir, 'no-such-dir') } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OvfpipeError);
    expect(err).toMatchObject({ code: 'OVFPIPE_IO', message: 'cannot build the ovf-env ISO: none of the ISO tools (xorriso, genisoimage) is installed (apt-get install xorriso)' });
  });

  it('reports the tool’s own words when it fails', async (ctx) => {
    if (!onPath('xorriso')) return ctx.skip();
    const err = await buildOvfEnvIso(xml, join(dir, 'missing-dir', 'x.iso'), { tools: ['xorriso'] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'OVFPIPE_IO' });
    expect((err as Error).message).toMatch(/^xorriso could not build .*missing-dir\/x\.iso: /);
  });
});
