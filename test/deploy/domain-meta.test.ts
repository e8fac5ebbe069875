// domainMeta (plan.ts): ovfpipe's ownership and digest read from the metadata element alone, with the
// whole-document parse as the fallback whenever the slice is not unambiguous. Each case is checked
// against the whole-document reading, so the shortcut can never answer differently.
import { describe, expect, it } from 'vitest';
import { digestOf, domainMeta, ownerOf } from '../../src/deploy/plan.js';
import { parseXml } from '../../src/xml/parse.js';

const NS = 'http://ovfpipe.dev/schema/domain/1';
const source = (tenant: string, digest = 'ab'.repeat(32)) => `<ovfpipe:source xmlns:ovfpipe="${NS}" package="p" virtualSystem="vm" tenant="${tenant}" digest="${digest}"/>`;
const domain = (head: string, metadata: string, tail = '') => `<domain type='kvm'>\n  <name>web</name>\n${head}  ${metadata}\n  <memory unit='KiB'>1024</memory>${tail}\n</domain>\n`;

/** The reading from a full parse, the way plan.ts did it before the slice. */
function fullRead(xml: string): { tenant?: string; digest?: string } {
  const r = parseXml(xml);
  if (!r.ok) return {};
  const src = r.root.children.find((c) => c.local === 'metadata')?.children.find((c) => c.ns === NS && c.local === 'source');
  const get = (n: string) => src?.attributes.find((a) => a.local === n)?.value;
  return src ? { tenant: get('tenant'), digest: get('digest') } : {};
}

const cases: Array<[string, string, { tenant?: string; digest?: string }]> = [
  ['as libvirt writes it', domain('', `<metadata>\n    ${source('acme')}\n  </metadata>`), { tenant: 'acme', digest: 'ab'.repeat(32) }],
  ['beside another application', domain('', `<metadata><app:x xmlns:app="urn:a" v="1"/>${source('t2')}</metadata>`), { tenant: 't2', digest: 'ab'.repeat(32) }],
  ['no metadata', domain('', ''), {}],
  ['empty metadata', domain('', '<metadata/>'), {}],
  ['metadata without ours', domain('', '<metadata><app:x xmlns:app="urn:a"/></metadata>'), {}],
  // A nested unprefixed <metadata> of another application: the first </metadata> closes the inner one.
  ['a nested metadata of another application', domain('', `<metadata><x xmlns="urn:x"><metadata>inner</metadata></x>${source('t3')}</metadata>`), { tenant: 't3', digest: 'ab'.repeat(32) }],
  [
    'a comment naming metadata before it',
    domain('  <!-- <metadata><ovfpipe:source xmlns:ovfpipe="http://ovfpipe.dev/schema/domain/1" tenant="evil"/></metadata> -->\n', `<metadata>${source('real')}</metadata>`),
    { tenant: 'real', digest: 'ab'.repeat(32) },
  ],
  ['a CDATA section holding </metadata>', domain('', `<metadata><x xmlns="urn:x"><![CDATA[</metadata>]]></x>${source('t4')}</metadata>`), { tenant: 't4', digest: 'ab'.repeat(32) }],
  ['the prefix declared on the root', `<domain xmlns:o="${NS}"><name>a</name><metadata><o:source tenant="t5" digest="cd"/></metadata></domain>`, { tenant: 't5', digest: 'cd' }],
  ['another namespace under our prefix', domain('', '<metadata><ovfpipe:source xmlns:ovfpipe="urn:other" tenant="x"/></metadata>'), {}],
  [
    'a tenant only in the description text',
    domain('  <description>&lt;metadata&gt;&lt;ovfpipe:source tenant="evil"/&gt;&lt;/metadata&gt;</description>\n', `<metadata>${source('ok')}</metadata>`),
    { tenant: 'ok', digest: 'ab'.repeat(32) },
  ],
  [
    'a processing instruction naming metadata before it',
    domain('  <?app <metadata><ovfpipe:source xmlns:ovfpipe="http://ovfpipe.dev/schema/domain/1" tenant="evil"/></metadata> ?>\n', `<metadata>${source('real')}</metadata>`),
    { tenant: 'real', digest: 'ab'.repeat(32) },
  ],
  ['after an XML declaration', `<?xml version="1.0"?>\n${domain('', `<metadata>${source('decl')}</metadata>`)}`, { tenant: 'decl', digest: 'ab'.repeat(32) }],
  ['not well-formed', '<domain><metadata>', {}],
];

describe('domainMeta', () => {
  it.each(cases)('%s', (_name, xml, want) => {
    expect(domainMeta(xml)).toEqual(want);
    expect(domainMeta(xml)).toEqual(fullRead(xml));
    expect(ownerOf(xml)).toBe(want.tenant);
    expect(digestOf(xml)).toBe(want.digest);
  });
});
