/**
 * Safe XML parsing for untrusted input. fast-xml-parser does the parsing;
 * this module puts hard limits in front of it (size, UTF-8, DOCTYPE and
 * entity declarations, nesting depth) so hostile documents end in a located
 * diagnostic rather than a crash, a hang or memory growth.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { XmlAttribute, XmlElement } from './element.js';
import { ILLEGAL_CHAR } from './writer.js';

export interface XmlLimits {
  /** Maximum document size in bytes (default 32 MiB, PRODUCT.md §2). */
  maxBytes: number;
  /** Maximum element nesting depth (default 256). */
  maxDepth: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = { maxBytes: 32 * 1024 * 1024, maxDepth: 256 };

export interface XmlProblem {
  code: 'xml-too-large' | 'xml-empty' | 'xml-encoding' | 'xml-doctype' | 'xml-too-deep' | 'xml-malformed' | 'xml-namespace';
  message: string;
  line: number;
  column: number;
}

export type XmlParseResult = { ok: true; root: XmlElement; text: string } | { ok: false; problem: XmlProblem };

const XML_NS = 'http://www.w3.org/XML/1998/namespace';

/** Maps character offsets to 1-based line/column in O(log n). */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }
  at(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo]! + 1 };
  }
}

/** Decodes bytes strictly: UTF-8 (BOM optional) or UTF-16 with a BOM. Invalid sequences are an error. */
export function decodeXmlBytes(bytes: Uint8Array): { ok: true; text: string } | { ok: false; problem: XmlProblem } {
  try {
    if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return { ok: true, text: new TextDecoder('utf-16le', { fatal: true }).decode(bytes.subarray(2)) };
    if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return { ok: true, text: new TextDecoder('utf-16be', { fatal: true }).decode(bytes.subarray(2)) };
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes) };
  } catch {
    const offset = firstInvalidUtf8(bytes);
    const before = new TextDecoder('utf-8').decode(bytes.subarray(0, offset));
    const pos = new LineIndex(before).at(before.length);
    return {
      ok: false,
      problem: { code: 'xml-encoding', message: `invalid UTF-8 at byte offset ${offset}`, ...pos },
    };
  }
}

function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    let n = 0;
    if (c < 0x80) n = 0;
    else if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) n = 2;
    else if (c >= 0xf0 && c <= 0xf4) n = 3;
    else return i;
    for (let k = 1; k <= n; k++) if (i + k >= b.length || (b[i + k]! & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return i;
}

/**
 * One linear pre-scan: rejects DOCTYPE/ENTITY declarations (billion laughs,
 * external entities) and nesting deeper than the limit, before any tree is
 * built. Comments, CDATA and processing instructions are skipped.
 */
function prescan(text: string, limits: XmlLimits, lines: LineIndex): XmlProblem | undefined {
  let depth = 0;
  let i = text.indexOf('<');
  while (i !== -1 && i < text.length) {
    if (text.startsWith('<!--', i)) {
      const e = text.indexOf('-->', i + 4);
      if (e === -1) return { code: 'xml-malformed', message: 'unterminated comment', ...lines.at(i) };
      i = text.indexOf('<', e + 3);
      continue;
    }
    if (text.startsWith('<![CDATA[', i)) {
      const e = text.indexOf(']]>', i + 9);
      if (e === -1) return { code: 'xml-malformed', message: 'unterminated CDATA section', ...lines.at(i) };
      i = text.indexOf('<', e + 3);
      continue;
    }
    if (text.startsWith('<?', i)) {
      const e = text.indexOf('?>', i + 2);
      if (e === -1) return { code: 'xml-malformed', message: 'unterminated processing instruction', ...lines.at(i) };
      i = text.indexOf('<', e + 2);
      continue;
    }
    if (text.startsWith('<!', i)) {
      const word = text.slice(i + 2, i + 9).toUpperCase();
      const what = word.startsWith('DOCTYPE') ? 'DOCTYPE' : word.startsWith('ENTITY') ? 'ENTITY' : 'markup';
      return {
        code: 'xml-doctype',
        message: `${what} declarations are not allowed (entity expansion and external entities are refused)`,
        ...lines.at(i),
      };
    }
    if (text[i + 1] === '/') {
      depth--;
      i = text.indexOf('<', i + 2);
      continue;
    }
    // A start tag: find its end, honouring quoted attribute values.
    let j = i + 1;
    let quote = '';
    for (; j < text.length; j++) {
      const ch = text[j];
      if (quote) {
        if (ch === quote) quote = '';
      } else if (ch === '"' || ch === "'") quote = ch;
      else if (ch === '>') break;
    }
    if (j >= text.length) return { code: 'xml-malformed', message: 'unterminated start tag', ...lines.at(i) };
    if (text[j - 1] !== '/') {
      depth++;
      if (depth > limits.maxDepth) return { code: 'xml-too-deep', message: `element nesting deeper than ${limits.maxDepth} levels`, ...lines.at(i) };
    }
    i = text.indexOf('<', j + 1);
  }
  return undefined;
}

/** Elements whose content is text only in every schema we read (OVF Info/Annotation/License). */
const STOP_NODES = ['Info', 'Annotation', 'License'];

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  allowBooleanAttributes: false,
  captureMetaData: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  // Also decodes numeric character references (&#10; &#x9;), which XML requires. As a side
  // effect HTML named entities (&nbsp;) are decoded too: lenient, and never expansive.
  htmlEntities: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  commentPropName: '#comment',
  cdataPropName: '#cdata',
  // Long free-text elements are taken raw (found by indexOf, not char by char):
  // fast-xml-parser accumulates text slowly, and EULAs/annotations run to MBs.
  stopNodes: STOP_NODES.map((n) => `*.${n}`),
});
const META = XMLParser.getMetaDataSymbol() as unknown as symbol;

type RawNode = Record<string, unknown> & { ':@'?: Record<string, string> };

/** Parses a document from bytes or text into a namespace-resolved tree. Never throws on bad input. */
export function parseXml(input: Uint8Array | string, limits: XmlLimits = DEFAULT_XML_LIMITS): XmlParseResult {
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.length;
  if (size > limits.maxBytes)
    return {
      ok: false,
      problem: { code: 'xml-too-large', message: `document is ${size} bytes, over the ${limits.maxBytes}-byte limit`, line: 0, column: 0 },
    };
  let text: string;
  if (typeof input === 'string') text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  else {
    const d = decodeXmlBytes(input);
    if (!d.ok) return d;
    text = d.text;
  }
  if (text.trim() === '') return { ok: false, problem: { code: 'xml-empty', message: 'document is empty', line: 1, column: 1 } };
  const lines = new LineIndex(text);
  const pre = prescan(text, limits, lines);
  if (pre) return { ok: false, problem: pre };
  const valid = XMLValidator.validate(text, { allowBooleanAttributes: false });
  if (valid !== true)
    return {
      ok: false,
      problem: { code: 'xml-malformed', message: `not well-formed XML: ${valid.err.msg}`, line: valid.err.line, column: valid.err.col },
    };
  let raw: RawNode[];
  try {
    raw = parser.parse(text) as RawNode[];
  } catch (e) {
    return { ok: false, problem: { code: 'xml-malformed', message: `not well-formed XML: ${(e as Error).message}`, line: 0, column: 0 } };
  }
  const rootEls = raw.filter((n) => elementName(n) !== undefined);
  if (rootEls.length !== 1) return { ok: false, problem: { code: 'xml-malformed', message: `expected exactly one root element, found ${rootEls.length}`, line: 1, column: 1 } };
  const built = buildElement(rootEls[0]!, new Map([['xml', XML_NS]]), text, lines, undefined);
  if ('problem' in built) return { ok: false, problem: built.problem };
  return { ok: true, root: built.el, text };
}

function elementName(n: RawNode): string | undefined {
  for (const k of Object.keys(n)) if (k !== ':@' && k !== '#text' && k !== '#comment' && k !== '#cdata') return k;
  return undefined;
}

function splitQName(q: string): [string, string] {
  const i = q.indexOf(':');
  return i === -1 ? ['', q] : [q.slice(0, i), q.slice(i + 1)];
}

function buildElement(node: RawNode, scope: ReadonlyMap<string, string>, text: string, lines: LineIndex, parent: XmlElement | undefined): { el: XmlElement } | { problem: XmlProblem } {
  const qname = elementName(node)!;
  const meta = (node as unknown as Record<symbol, { startIndex: number; endIndex?: number } | undefined>)[META];
  const start = meta?.startIndex ?? 0;
  const pos = lines.at(start);
  const rawAttrs = node[':@'];
  let local: Map<string, string> | undefined;
  for (const k in rawAttrs) {
    if (k === 'xmlns') (local ??= new Map(scope)).set('', rawAttrs[k]!);
    else if (k.startsWith('xmlns:')) (local ??= new Map(scope)).set(k.slice(6), rawAttrs[k]!);
  }
  const nsScope = local ?? scope;
  const [prefix, localName] = splitQName(qname);
  const ns = nsScope.get(prefix);
  if (ns === undefined && prefix !== '') return { problem: { code: 'xml-namespace', message: `undeclared namespace prefix '${prefix}' on <${qname}>`, ...pos } };
  const attributes: XmlAttribute[] = [];
  const tagEnd = rawAttrs === undefined ? start : text.indexOf('>', start);
  for (const k in rawAttrs) {
    const v = rawAttrs[k]!;
    if (k === 'xmlns' || k.startsWith('xmlns:')) continue;
    const [ap, al] = splitQName(k);
    const ans = ap === '' ? '' : nsScope.get(ap);
    if (ans === undefined) return { problem: { code: 'xml-namespace', message: `undeclared namespace prefix '${ap}' on attribute ${k}`, ...pos } };
    const idx = text.indexOf(k, start);
    const apos = idx === -1 || idx > tagEnd ? pos : lines.at(idx);
    const illegal = illegalCharacter(String(v), `attribute ${k}`, apos);
    if (illegal) return { problem: illegal };
    attributes.push({ qname: k, ns: ans, local: al, value: String(v), line: apos.line, column: apos.column });
  }
  const el: XmlElement = {
    qname,
    ns: ns ?? '',
    local: localName,
    attributes,
    children: [],
    text: '',
    line: pos.line,
    column: pos.column,
    start,
    end: meta?.endIndex ?? start,
    nsScope,
    parent,
  };
  const kids = (node[qname] as RawNode[] | undefined) ?? [];
  const texts: string[] = [];
  for (const k of kids) {
    if ('#text' in k) texts.push(String(k['#text']));
    else if ('#cdata' in k) {
      const c = k['#cdata'] as RawNode[];
      for (const t of c) if ('#text' in t) texts.push(String(t['#text']));
    } else if ('#comment' in k) continue;
    else {
      const r = buildElement(k, nsScope, text, lines, el);
      if ('problem' in r) return r;
      el.children.push(r.el);
    }
  }
  el.text = STOP_NODES.includes(qname) ? decodeRawText(texts.join('')) : texts.join('');
  const illegal = illegalCharacter(el.text, `the text of <${qname}>`, pos);
  if (illegal) return { problem: illegal };
  return { el };
}

/**
 * XML 1.0 §2.2: a document holds only legal characters, written raw or as a
 * character reference (WFC: Legal Character). fast-xml-parser checks neither, so
 * the decoded values are checked here; otherwise a control character would reach
 * the XML writer, which refuses it, at render time.
 */
function illegalCharacter(value: string, where: string, pos: { line: number; column: number }): XmlProblem | undefined {
  const m = ILLEGAL_CHAR.exec(value);
  if (!m) return undefined;
  const code = m[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
  return { code: 'xml-malformed', message: `not well-formed XML: character U+${code} in ${where} is not allowed in XML 1.0`, ...pos };
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes the raw content of a stop node: CDATA sections verbatim, entity and character references. */
function decodeRawText(raw: string): string {
  if (!raw.includes('&') && !raw.includes('<')) return raw;
  const parts: string[] = [];
  let i = 0;
  while (i < raw.length) {
    const c = raw.indexOf('<![CDATA[', i);
    const end = c === -1 ? raw.length : c;
    parts.push(
      raw.slice(i, end).replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (m, e: string) => {
        if (e.startsWith('#x')) return safeCodePoint(parseInt(e.slice(2), 16)) ?? m;
        if (e.startsWith('#')) return safeCodePoint(parseInt(e.slice(1), 10)) ?? m;
        return ENTITIES[e] ?? m;
      }),
    );
    if (c === -1) break;
    const ce = raw.indexOf(']]>', c + 9);
    parts.push(raw.slice(c + 9, ce === -1 ? raw.length : ce));
    i = ce === -1 ? raw.length : ce + 3;
  }
  return parts.join('');
}

function safeCodePoint(n: number): string | undefined {
  return Number.isInteger(n) && n >= 0 && n <= 0x10ffff ? String.fromCodePoint(n) : undefined;
}
