/**
 * A namespace-resolved XML element tree with source positions. Everything
 * that reads XML (OVF descriptors, nwfilter documents, our extension) works
 * on this tree and keys on namespace URIs, never on prefixes (DSP0243 §5).
 */
export interface XmlAttribute {
  /** Qualified name as written, e.g. `ovf:id`. */
  qname: string;
  /** Namespace URI; '' for unprefixed attributes (they have no namespace). */
  ns: string;
  local: string;
  value: string;
  line: number;
  column: number;
}

export interface XmlElement {
  qname: string;
  ns: string;
  local: string;
  attributes: XmlAttribute[];
  children: XmlElement[];
  /** Concatenated direct text and CDATA content (not trimmed). */
  text: string;
  line: number;
  column: number;
  /** Character offsets of the element in the source text (start of `<`, end after `>`). */
  start: number;
  end: number;
  /** In-scope namespace declarations (prefix → URI, '' for default). */
  nsScope: ReadonlyMap<string, string>;
  parent?: XmlElement;
}

export function attr(el: XmlElement, local: string, ns = ''): string | undefined {
  for (const a of el.attributes) if (a.local === local && a.ns === ns) return a.value;
  return undefined;
}

/** An attribute by local name, in no namespace or in any of `nsList` (OVF writes `ovf:id`, some tools plain `id`). */
export function attrAny(el: XmlElement, local: string, nsList: readonly string[]): XmlAttribute | undefined {
  for (const a of el.attributes) if (a.local === local && (a.ns === '' || nsList.includes(a.ns))) return a;
  return undefined;
}

export function children(el: XmlElement, local: string, ns?: string): XmlElement[] {
  return el.children.filter((c) => c.local === local && (ns === undefined || c.ns === ns));
}

export function child(el: XmlElement, local: string, ns?: string): XmlElement | undefined {
  return el.children.find((c) => c.local === local && (ns === undefined || c.ns === ns));
}

export function childText(el: XmlElement, local: string, ns?: string): string | undefined {
  const c = child(el, local, ns);
  return c === undefined ? undefined : c.text.trim();
}
