import { describe, expect, it } from 'vitest';
import { parseXml } from '../../src/xml/parse.js';

function problem(input: string | Uint8Array, limits?: { maxBytes: number; maxDepth: number }) {
  const r = parseXml(input, limits);
  if (r.ok) throw new Error('expected a problem');
  return r.problem;
}

describe('safe XML parsing of untrusted descriptors', () => {
  it('refuses a DOCTYPE with entity declarations (billion laughs)', () => {
    const lol = `<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>\n<lolz>&lol2;</lolz>`;
    const p = problem(lol);
    expect(p.code).toBe('xml-doctype');
    expect(p.line).toBe(2);
  });

  it('refuses an external entity (XXE)', () => {
    const p = problem(`<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>`);
    expect(p.code).toBe('xml-doctype');
  });

  it('leaves an undeclared entity reference unexpanded rather than reading anything', () => {
    const r = parseXml('<a>&foo;</a>');
    if (r.ok) expect(r.root.text).not.toContain('root:');
  });

  it('refuses absurd nesting depth before building a tree', () => {
    const deep = '<a>'.repeat(100_000) + '</a>'.repeat(100_000);
    const p = problem(deep);
    expect(p.code).toBe('xml-too-deep');
  });

  it('refuses an oversized document by its size alone', () => {
    const p = problem('<a>' + 'x'.repeat(2000) + '</a>', { maxBytes: 1000, maxDepth: 10 });
    expect(p.code).toBe('xml-too-large');
  });

  it('locates invalid UTF-8', () => {
    const bytes = Buffer.concat([Buffer.from('<a>\n  <b>'), Buffer.from([0xc3, 0x28]), Buffer.from('</b></a>')]);
    const p = problem(bytes);
    expect(p.code).toBe('xml-encoding');
    expect(p).toMatchObject({ line: 2, column: 6 });
  });

  it('reports non-XML and empty input', () => {
    expect(problem('this is not xml').code).toBe('xml-malformed');
    expect(problem('').code).toBe('xml-empty');
    expect(problem(Buffer.alloc(0)).code).toBe('xml-empty');
  });

  it('reports a mismatched tag with its line', () => {
    const p = problem('<a>\n<b>\n</a>');
    expect(p.code).toBe('xml-malformed');
    expect(p.line).toBeGreaterThan(0);
  });

  it('reports an undeclared namespace prefix', () => {
    expect(problem('<x:a/>').code).toBe('xml-namespace');
  });

  it('resolves namespaces by URI, not by prefix', () => {
    const r = parseXml('<p:Envelope xmlns:p="http://schemas.dmtf.org/ovf/envelope/1"><p:Info p:x="1">hi</p:Info></p:Envelope>');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.root.ns).toBe('http://schemas.dmtf.org/ovf/envelope/1');
    expect(r.root.children[0]!.attributes[0]).toMatchObject({ local: 'x', ns: 'http://schemas.dmtf.org/ovf/envelope/1' });
  });

  it('keeps 1-based line and column of every element', () => {
    const r = parseXml('<a>\n  <b/>\n    <c>t</c>\n</a>');
    if (!r.ok) throw new Error(r.problem.message);
    expect(r.root.children.map((c) => [c.local, c.line, c.column])).toEqual([
      ['b', 2, 3],
      ['c', 3, 5],
    ]);
  });

  it('decodes entities and CDATA in long free-text elements taken raw', () => {
    const r = parseXml('<E><Info>a &amp; b &lt;c&gt; &#65;<![CDATA[<raw>]]></Info></E>');
    if (!r.ok) throw new Error(r.problem.message);
    expect(r.root.children[0]!.text).toBe('a & b <c> A<raw>');
  });
});
