/**
 * Reads a <filter> XmlElement into the model and reports structural problems
 * against docs/schemas/nwfilter.rng: unknown elements and attributes,
 * missing required attributes, repeated <uuid>, more than one protocol
 * element per <rule>, stray text. Values are judged in validate.ts.
 * Never throws: every problem is a Finding.
 */
import type { XmlAttribute, XmlElement } from '../../xml/element.js';
import { attributeLocator, finding, type Finding, type NwFilter, type NwFilterRef, type NwMatch, type NwParameter, type NwRule, type Position, type RawAttribute } from './model.js';
import { attributeSpec, protocolSpec } from './protocols.js';

export interface ParseResult {
  filter: NwFilter;
  findings: Finding[];
}

const STRUCTURE = 'nwfilter-structure';

class Reader {
  readonly findings: Finding[] = [];

  /** Splits attributes into the allowed ones (by name) and reports the rest. */
  attributes(el: XmlElement, locator: string, allowed: readonly string[]): Map<string, RawAttribute> {
    const out = new Map<string, RawAttribute>();
    for (const a of el.attributes) {
      if (a.ns === '' && allowed.includes(a.local)) out.set(a.local, raw(a));
      else this.unknownAttribute(el, a, locator);
    }
    return out;
  }

  unknownAttribute(el: XmlElement, a: XmlAttribute, locator: string): void {
    this.findings.push(finding(STRUCTURE, 'unknownAttribute', { ...pos(a), locator: attributeLocator({ locator }, a.qname) }, { attribute: a.qname, element: el.qname }));
  }

  require(el: XmlElement, attrs: Map<string, RawAttribute>, locator: string, ...names: string[]): void {
    for (const n of names) if (!attrs.has(n)) this.findings.push(finding(STRUCTURE, 'missingAttribute', { ...pos(el), locator }, { element: el.qname, attribute: n }));
  }

  /** Text is not allowed anywhere in the grammar; whitespace is ignored by RELAX NG. */
  noText(el: XmlElement, locator: string): void {
    if (el.text.trim() !== '') this.findings.push(finding(STRUCTURE, 'unexpectedText', { ...pos(el), locator }, { element: el.qname }));
  }

  unknownElement(child: XmlElement, parent: XmlElement, locator: string): void {
    this.findings.push(finding(STRUCTURE, 'unknownElement', { ...pos(child), locator: `${locator}/${child.qname}` }, { element: child.qname, parent: parent.qname }));
  }

  /** Elements that must be empty (<uuid> aside from its text, protocol elements, <parameter>). */
  noChildren(el: XmlElement, locator: string): void {
    for (const c of el.children) this.unknownElement(c, el, locator);
  }
}

function raw(a: XmlAttribute): RawAttribute {
  return { name: a.local, value: a.value, line: a.line, column: a.column };
}

function pos(p: Position): Position {
  return { line: p.line, column: p.column };
}

/** Parses a root <filter> element. */
export function parseFilter(root: XmlElement): ParseResult {
  const r = new Reader();
  const nameAttr = root.attributes.find((a) => a.ns === '' && a.local === 'name');
  const locator = `filter[${nameAttr?.value ?? ''}]`;
  const filter: NwFilter = { ...pos(root), entries: [], locator, element: root };
  if (root.local !== 'filter' || root.ns !== '') {
    r.findings.push(finding(STRUCTURE, 'notFilter', { ...pos(root), locator: root.qname }, { element: root.qname }));
    return { filter, findings: r.findings };
  }
  const attrs = r.attributes(root, locator, ['name', 'chain', 'priority']);
  r.require(root, attrs, locator, 'name');
  Object.assign(filter, { name: attrs.get('name'), chain: attrs.get('chain'), priority: attrs.get('priority') });
  r.noText(root, locator);
  let ruleIndex = 0;
  for (const child of root.children) {
    if (child.ns !== '') r.unknownElement(child, root, locator);
    else if (child.local === 'rule') filter.entries.push(readRule(r, child, `${locator}/rule[${++ruleIndex}]`, ruleIndex));
    else if (child.local === 'filterref') filter.entries.push(readFilterRef(r, child, locator));
    else if (child.local === 'uuid') readUuid(r, child, filter);
    else r.unknownElement(child, root, locator);
  }
  return { filter, findings: r.findings };
}

function readUuid(r: Reader, el: XmlElement, filter: NwFilter): void {
  const locator = `${filter.locator}/uuid`;
  r.attributes(el, locator, []);
  r.noChildren(el, locator);
  if (filter.uuid) {
    r.findings.push(finding(STRUCTURE, 'duplicateElement', { ...pos(el), locator }, { element: 'uuid', parent: 'filter' }));
    return;
  }
  filter.uuid = { ...pos(el), text: el.text, locator };
}

function readRule(r: Reader, el: XmlElement, locator: string, index: number): NwRule {
  const attrs = r.attributes(el, locator, ['action', 'direction', 'priority', 'statematch']);
  r.require(el, attrs, locator, 'action', 'direction');
  r.noText(el, locator);
  const rule: NwRule = {
    kind: 'rule',
    ...pos(el),
    index,
    action: attrs.get('action'),
    direction: attrs.get('direction'),
    priority: attrs.get('priority'),
    statematch: attrs.get('statematch'),
    matches: [],
    locator,
  };
  const seen = new Map<string, number>();
  for (const child of el.children) {
    const spec = child.ns === '' ? protocolSpec(child.local) : undefined;
    if (!spec) {
      r.unknownElement(child, el, locator);
      continue;
    }
    const n = (seen.get(spec.name) ?? 0) + 1;
    seen.set(spec.name, n);
    const matchLocator = `${locator}/${spec.name}${n > 1 ? `[${n}]` : ''}`;
    if (rule.matches.length > 0) {
      const first = rule.matches[0]!.protocol.name;
      r.findings.push(finding(STRUCTURE, 'extraProtocol', { ...pos(child), locator: matchLocator }, { element: spec.name, first }));
    }
    rule.matches.push(readMatch(r, child, spec, matchLocator));
  }
  return rule;
}

function readMatch(r: Reader, el: XmlElement, spec: NonNullable<ReturnType<typeof protocolSpec>>, locator: string): NwMatch {
  const attributes: RawAttribute[] = [];
  for (const a of el.attributes) {
    const known = a.ns === '' ? attributeSpec(spec, a.local) : undefined;
    if (known?.rng) attributes.push(raw(a));
    else if (known) {
      attributes.push(raw(a)); // libvirt reads it; keep it for libvirt-parser.ts
      const at = { ...pos(a), locator: attributeLocator({ locator }, a.local) };
      r.findings.push(finding(STRUCTURE, 'attributeNotInSchema', at, { attribute: a.local, element: spec.name }));
    } else r.unknownAttribute(el, a, locator);
  }
  checkIpsetPair(r, el, spec.name, attributes, locator);
  r.noChildren(el, locator);
  r.noText(el, locator);
  return { ...pos(el), protocol: spec, attributes, locator };
}

/** nwfilter.rng puts ipset and ipsetflags in one <optional>: both or neither. */
function checkIpsetPair(r: Reader, el: XmlElement, element: string, attrs: RawAttribute[], locator: string): void {
  const has = (n: string) => attrs.some((a) => a.name === n);
  const spec = protocolSpec(element)!;
  if (!attributeSpec(spec, 'ipset')?.rng) return;
  for (const [present, missing] of [
    ['ipset', 'ipsetflags'],
    ['ipsetflags', 'ipset'],
  ] as const)
    if (has(present) && !has(missing)) r.findings.push(finding(STRUCTURE, 'ipsetPair', { ...pos(el), locator }, { present, missing, element }));
}

function readFilterRef(r: Reader, el: XmlElement, filterLocator: string): NwFilterRef {
  const attrs = r.attributes(el, `${filterLocator}/filterref`, ['filter']);
  const locator = `${filterLocator}/filterref[${attrs.get('filter')?.value ?? ''}]`;
  r.require(el, attrs, locator, 'filter');
  r.noText(el, locator);
  const ref: NwFilterRef = { kind: 'filterref', ...pos(el), filter: attrs.get('filter'), parameters: [], locator };
  for (const child of el.children) {
    if (child.ns === '' && child.local === 'parameter') ref.parameters.push(readParameter(r, child, locator));
    else r.unknownElement(child, el, locator);
  }
  return ref;
}

function readParameter(r: Reader, el: XmlElement, refLocator: string): NwParameter {
  const attrs = r.attributes(el, `${refLocator}/parameter`, ['name', 'value']);
  const locator = `${refLocator}/parameter[${attrs.get('name')?.value ?? ''}]`;
  r.require(el, attrs, locator, 'name', 'value');
  r.noChildren(el, locator);
  r.noText(el, locator);
  return { ...pos(el), name: attrs.get('name'), value: attrs.get('value'), locator };
}
