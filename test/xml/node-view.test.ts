// elementView (node-view.ts): render's writer tree read as the parser would read its serialised text.
// The corpus render test compares the two on every rendered domain; this case needs no corpus.
import { describe, expect, it } from 'vitest';
import type { XmlElement } from '../../src/xml/element.js';
import { elementView } from '../../src/xml/node-view.js';
import { parseXml } from '../../src/xml/parse.js';
import { element, text, writeXml } from '../../src/xml/writer.js';

const shape = (el: XmlElement): unknown => [el.ns, el.local, el.attributes.map((a) => [a.ns, a.local, a.value]), el.text.trim(), el.children.map(shape)];

describe('elementView', () => {
  it('resolves names, drops namespace declarations and undefined attributes, and keeps text as the parser does (less the layout whitespace)', () => {
    const node = element(
      'domain',
      { type: 'kvm', unset: undefined },
      element('metadata', {}, element('o:source', { 'xmlns:o': 'urn:o', 'o:tenant': 't', digest: 'ab' })),
      element('name', {}, text('a & <b>')),
      element('devices', { xmlns: 'urn:d' }, element('disk', { n: 3 })),
    );
    const parsed = parseXml(writeXml(node));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(shape(elementView(node))).toEqual(shape(parsed.root));
    const view = elementView(node);
    expect(view.children[0]!.children[0]).toMatchObject({ ns: 'urn:o', local: 'source' });
    expect(view.children[2]!.children[0]).toMatchObject({ ns: 'urn:d', local: 'disk', attributes: [expect.objectContaining({ local: 'n', value: '3', ns: '' })] });
  });
});
