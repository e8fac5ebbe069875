/**
 * Our extension is a member of the ovf:Section substitution group, which is
 * how DSP8023 says extensions must be made; with both schemas loaded, an
 * embedded package validates against the DMTF envelope XSD (offline, through
 * the corpus catalog).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { corpusPath, inCI } from '../helpers/corpus.js';

const hasXmllint = spawnSync('xmllint', ['--version']).status === 0;
if (!hasXmllint && inCI) throw new Error('xmllint (libxml2-utils) is required in CI');
if (!hasXmllint) console.warn('\n*** SKIPPING extension schema test: xmllint not installed (apt install libxml2-utils) ***\n');

const tmp = mkdtempSync(join(tmpdir(), 'ovfpipe-xsd-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the network security extension schema', () => {
  const schemas = corpusPath('dmtf-schemas');
  it.skipIf(!schemas || !hasXmllint)('validates the embedded example together with the DMTF envelope XSD', () => {
    const wrapper = join(tmp, 'wrapper.xsd');
    writeFileSync(
      wrapper,
      `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:ovfpipe:test-wrapper">
  <xs:import namespace="http://schemas.dmtf.org/ovf/envelope/1" schemaLocation="${join(schemas!, 'dsp8023_1.1.1.xsd')}"/>
  <xs:import namespace="http://ovfpipe.dev/schema/netsec/1" schemaLocation="${resolve('ovf-schema/ovfpipe-netsec.xsd')}"/>
</xs:schema>`,
    );
    const env = { ...process.env, XML_CATALOG_FILES: join(schemas!, 'catalog.xml') };
    const ok = spawnSync('xmllint', ['--nonet', '--noout', '--schema', wrapper, 'examples/secure-web/web-appliance.ovf'], { env, encoding: 'utf8' });
    expect(ok.stderr).toMatch(/validates/);
    expect(ok.status).toBe(0);
    // And a section that forgets its Info is caught by the schema too.
    const broken = join(tmp, 'broken.ovf');
    const text = execFileSync('cat', ['examples/secure-web/web-appliance.ovf'], { encoding: 'utf8' }).replace(/<Info>Network security[^<]*<\/Info>/, '');
    writeFileSync(broken, text);
    const bad = spawnSync('xmllint', ['--nonet', '--noout', '--schema', wrapper, broken], { env, encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
  });
});
