import { describe, expect, it } from 'vitest';
import { OvfpipeError } from '../../src/diagnostics/errors.js';
import { attr, childText } from '../../src/xml/element.js';
import { parseXml } from '../../src/xml/parse.js';
import { element, escapeAttribute, escapeText, text, writeXml } from '../../src/xml/writer.js';

const NASTY = [`it's`, `a "quote"`, '<tag>', 'fish & chips', `&amp; already escaped`, `mixed '"<>&`, '  two  spaces  ', 'ünïcødé ✓ 𝄞'];

describe('XML writer', () => {
  it('lays out elements like libvirt: 2-space indent, single quotes, <empty/>', () => {
    const xml = writeXml(element('filter', { name: 'web', chain: 'root' }, element('uuid', {}, 'abc'), element('rule', [['action', 'accept']], element('all'))));
    expect(xml).toBe("<filter name='web' chain='root'>\n  <uuid>abc</uuid>\n  <rule action='accept'>\n    <all/>\n  </rule>\n</filter>\n");
  });

  it('skips undefined attributes and undefined/false children, flattens arrays', () => {
    const xml = writeXml(
      element(
        'a',
        [
          ['x', undefined],
          ['y', 2],
        ],
        undefined,
        false,
        [element('b'), [element('c')]],
      ),
    );
    expect(xml).toBe("<a y='2'>\n  <b/>\n  <c/>\n</a>\n");
  });

  it('escapes all five special characters in attributes and text', () => {
    expect(escapeAttribute(`'"<>&`)).toBe('&apos;&quot;&lt;&gt;&amp;');
    expect(escapeText(`'"<>&`)).toBe('&apos;&quot;&lt;&gt;&amp;');
    expect(writeXml(element('c', { comment: `a'b` }))).toBe("<c comment='a&apos;b'/>\n");
  });

  it('can write double-quoted attributes and a declaration', () => {
    expect(writeXml(element('a', { v: `"'` }), { quote: '"', declaration: true })).toBe('<?xml version="1.0" encoding="UTF-8"?>\n<a v="&quot;&apos;"/>\n');
  });

  it.each(NASTY)('round-trips %j through our parser in an attribute and as text', (value) => {
    const parsed = parseXml(writeXml(element('root', { v: value }, element('t', [], text(value)))));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(attr(parsed.root, 'v')).toBe(value);
    expect(parsed.root.children[0]!.text).toBe(value);
    if (value.trim() === value) expect(childText(parsed.root, 't')).toBe(value);
  });

  it('writes TAB, LF and CR in attributes as character references, so parsers do not turn them into spaces', () => {
    // XML 1.0 §3.3.3 normalises literal TAB/LF/CR in attribute values to spaces; references survive.
    expect(writeXml(element('a', { v: 'a\tb\nc\rd' }))).toBe("<a v='a&#9;b&#10;c&#13;d'/>\n");
    expect(writeXml(element('a', [], 'x\r\ny\n'))).toBe('<a>x&#13;\ny\n</a>\n');
  });

  it('refuses names and characters XML cannot carry', () => {
    expect(() => writeXml(element('bad name'))).toThrow(OvfpipeError);
    expect(() => writeXml(element('a', { '1x': 'v' }))).toThrow(/not a valid XML name/);
    expect(() => writeXml(element('a', { v: 'nul\u0000' }))).toThrow(/U\+0000/);
    expect(() => writeXml(element('a', [], 'lone \ud800 surrogate'))).toThrow(/cannot be represented/);
    expect(() =>
      writeXml(
        element('a', [
          ['v', '1'],
          ['v', '2'],
        ]),
      ),
    ).toThrow(/duplicate attribute/);
  });
});
