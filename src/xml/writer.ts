/**
 * A small escaping XML writer. Everything ovfpipe emits as XML (normalised
 * nwfilters now, rendered domains and filters later) is built as a tree of
 * `XmlNode`s and serialised here, so no value ever reaches the output
 * without escaping (ARCHITECTURE.md: govmomi's `Sprintf` XML is the weakness
 * to avoid).
 *
 * The default layout is libvirt's (virBuffer with 2-space auto-indent,
 * single-quoted attributes, `<empty/>` without a space): see
 * src/util/virxml.c virXMLFormatElement and tests/nwfilterxml2xmlout/.
 */
import { OvfpipeError } from '../diagnostics/errors.js';

export interface XmlNode {
  name: string;
  /** Attributes in output order. `undefined` values are skipped, so optional attributes need no `if`. */
  attributes: Array<readonly [string, string | number | undefined]>;
  children: XmlChild[];
}

export type XmlChild = XmlNode | XmlText;

export interface XmlText {
  text: string;
}

export type AttributeInput = Record<string, string | number | undefined> | Array<readonly [string, string | number | undefined]>;

/** Builds an element. Children may be nodes, strings (text) or arrays/undefined (flattened, skipped). */
export function element(name: string, attributes: AttributeInput = [], ...children: ChildInput[]): XmlNode {
  const attrs = Array.isArray(attributes) ? [...attributes] : Object.entries(attributes);
  return { name, attributes: attrs, children: flattenChildren(children) };
}

export type ChildInput = XmlChild | string | undefined | null | false | ChildInput[];

/** A text node; serialised escaped. */
export function text(value: string): XmlText {
  return { text: value };
}

function flattenChildren(input: ChildInput[]): XmlChild[] {
  const out: XmlChild[] = [];
  for (const c of input) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) out.push(...flattenChildren(c));
    else if (typeof c === 'string') out.push(text(c));
    else out.push(c);
  }
  return out;
}

export interface WriteOptions {
  /** Spaces per level (default 2, as libvirt). */
  indent?: number;
  /** Attribute quote character (default `'`, as libvirt). */
  quote?: "'" | '"';
  /** Emit `<?xml version="1.0" encoding="UTF-8"?>` first (default false; libvirt emits none). */
  declaration?: boolean;
}

/** Serialises a tree. Throws OVFPIPE_XML for names or characters XML cannot represent. */
export function writeXml(root: XmlNode, options: WriteOptions = {}): string {
  const indent = options.indent ?? 2;
  const quote = options.quote ?? "'";
  const lines: string[] = [];
  if (options.declaration) lines.push('<?xml version="1.0" encoding="UTF-8"?>\n');
  writeNode(root, 0, indent, quote, lines);
  return lines.join('');
}

function writeNode(node: XmlNode, depth: number, indent: number, quote: string, out: string[]): void {
  const pad = ' '.repeat(depth * indent);
  const open = `<${checkName(node.name)}${formatAttributes(node.attributes, quote)}`;
  if (node.children.length === 0) {
    out.push(`${pad}${open}/>\n`);
    return;
  }
  // Text content is written inline so that it round-trips exactly (no added whitespace).
  if (node.children.some((c) => 'text' in c)) {
    out.push(`${pad}${open}>${node.children.map((c) => inlineChild(c, quote)).join('')}</${node.name}>\n`);
    return;
  }
  out.push(`${pad}${open}>\n`);
  for (const c of node.children) writeNode(c as XmlNode, depth + 1, indent, quote, out);
  out.push(`${pad}</${node.name}>\n`);
}

function inlineChild(c: XmlChild, quote: string): string {
  if ('text' in c) return escapeText(c.text);
  const lines: string[] = [];
  writeNode(c, 0, 0, quote, lines);
  return lines.join('').replace(/\n$/, '');
}

function formatAttributes(attrs: XmlNode['attributes'], quote: string): string {
  let s = '';
  const seen = new Set<string>();
  for (const [name, value] of attrs) {
    if (value === undefined) continue;
    if (seen.has(name)) throw new OvfpipeError('OVFPIPE_XML', `duplicate attribute '${name}'`);
    seen.add(name);
    s += ` ${checkName(name)}=${quote}${escapeAttribute(String(value))}${quote}`;
  }
  return s;
}

// XML 1.0 §2.3 Name, restricted to the characters our output needs to allow (ASCII plus letters).
const NAME = /^[\p{L}_:][\p{L}\p{N}\p{M}_:.\-·]*$/u;

function checkName(name: string): string {
  if (!NAME.test(name)) throw new OvfpipeError('OVFPIPE_XML', `'${name}' is not a valid XML name`);
  return name;
}

// XML 1.0 §2.2 Char: no C0 controls except TAB/LF/CR, no U+FFFE/U+FFFF, no lone surrogates.
// With the `u` flag a surrogate range matches only unpaired surrogates.
export const ILLEGAL_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff\ud800-\udfff]/u;

function checkChars(value: string): void {
  const m = ILLEGAL_CHAR.exec(value);
  if (m) {
    const code = m[0].codePointAt(0)!.toString(16).padStart(4, '0');
    throw new OvfpipeError('OVFPIPE_XML', `character U+${code} cannot be represented in XML 1.0`);
  }
}

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/** Characters XML 1.0 cannot carry at all (C0 controls other than tab, LF, CR; lone surrogates; U+FFFE/U+FFFF). */
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Replaces every character XML 1.0 cannot hold with U+FFFD (for reports, where a lossy character beats no report). */
export function toXmlChars(value: string): string {
  return value.replace(NOT_XML_CHAR, '\uFFFD');
}

/**
 * Escapes text for an attribute value (default) or element content, after
 * toXmlChars: never throws. For writing outside an element tree.
 */
export function escapeXml(value: string | number, inAttribute = true): string {
  const text = toXmlChars(String(value));
  // Whitespace is kept literally in content but escaped in attributes, where parsers would normalise it.
  return text.replace(inAttribute ? /[&<>"'\t\n\r]/g : /[&<>]/g, (c) => ENTITIES[c] ?? `&#${c.charCodeAt(0)};`);
}

/**
 * Escapes an attribute value: the five predefined entities (as libvirt's
 * virBufferEscapeString does) plus TAB/LF/CR as character references, which a
 * parser would otherwise normalise to spaces (XML 1.0 §3.3.3).
 */
export function escapeAttribute(value: string): string {
  checkChars(value);
  return value.replace(/[&<>"'\t\n\r]/g, (c) => ENTITIES[c] ?? `&#${c.charCodeAt(0)};`);
}

/** Escapes character data. CR is written as a reference so it survives end-of-line handling (XML 1.0 §2.11). */
export function escapeText(value: string): string {
  checkChars(value);
  return value.replace(/[&<>"'\r]/g, (c) => ENTITIES[c] ?? '&#13;');
}
