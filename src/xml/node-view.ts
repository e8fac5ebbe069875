/**
 * A writer tree (`XmlNode`, what render builds) seen as a parsed tree
 * (`XmlElement`), so code that reads rendered documents works on the tree
 * render already holds instead of parsing its serialised text again (deploy
 * reads what each rendered domain asks of the host: capabilities.ts). Names
 * are resolved against the `xmlns` declarations in the tree, as a parser
 * would; attributes left undefined are left out, as the writer does; text is
 * the nodes' own, without the writer's indentation (readers trim it); source
 * positions are 0 (there is no source).
 */
import type { XmlAttribute, XmlElement } from './element.js';
import type { XmlNode } from './writer.js';

const XML_NS = 'http://www.w3.org/XML/1998/namespace';

export function elementView(node: XmlNode, scope: ReadonlyMap<string, string> = new Map([['xml', XML_NS]]), parent?: XmlElement): XmlElement {
  let nsScope = scope;
  for (const [name, value] of node.attributes) {
    if (value === undefined) continue;
    if (name === 'xmlns') nsScope = new Map(nsScope).set('', String(value));
    else if (name.startsWith('xmlns:')) nsScope = new Map(nsScope).set(name.slice(6), String(value));
  }
  const split = (q: string): [string, string] => {
    const i = q.indexOf(':');
    return i < 0 ? ['', q] : [q.slice(0, i), q.slice(i + 1)];
  };
  const [prefix, local] = split(node.name);
  const attributes: XmlAttribute[] = [];
  for (const [qname, value] of node.attributes) {
    // Namespace declarations are scope, not attributes (as the parser has them).
    if (value === undefined || qname === 'xmlns' || qname.startsWith('xmlns:')) continue;
    const [p, l] = split(qname);
    attributes.push({ qname, ns: p === '' ? '' : (nsScope.get(p) ?? ''), local: l, value: String(value), line: 0, column: 0 });
  }
  const el: XmlElement = { qname: node.name, ns: nsScope.get(prefix) ?? '', local, attributes, children: [], text: '', line: 0, column: 0, start: 0, end: 0, nsScope, ...(parent ? { parent } : {}) };
  for (const c of node.children) {
    if ('text' in c) el.text += c.text;
    else el.children.push(elementView(c, nsScope, el));
  }
  return el;
}
