/**
 * Tenant-scoped nwfilter documents (PRODUCT.md §6): embedded filters are
 * renamed `<tenant>-<name>` and every reference to them is rewritten, so two
 * tenants' `web-ingress` never collide on a host; libvirt's built-ins are
 * referenced, never redefined; identical filters are defined once; each
 * filter gets a stable UUIDv5 so that a redefinition is an update, not a
 * clash ("filter … already exists with uuid …"). Pure.
 */
import { createHash } from 'node:crypto';
import { OVFPIPE_UUID_NAMESPACE, uuidV5 } from '../macros/generate.js';
import type { EmbeddedFilter } from '../netsec/model.js';
import { isBuiltinFilter } from '../netsec/nwfilter/builtins.js';
import { buildFilterGraph, formatCycle } from '../netsec/nwfilter/graph.js';
import { OvfpipeError } from '../diagnostics/errors.js';
import type { XmlElement } from '../xml/element.js';
import { element, writeXml, type XmlNode } from '../xml/writer.js';

export interface ScopedFilter {
  /** Name on the host, e.g. `acme-web-ingress`. */
  name: string;
  /** Name in the package. */
  original: string;
  uuid: string;
  xml: string;
  /** Host names of the filters this one references (scoped or built-in). */
  references: string[];
}

export interface FilterScope {
  /** In definition order: referenced before referencing. */
  filters: ScopedFilter[];
  /** Package name → host name, per visibility scope (VirtualSystem id, '' for package level). */
  nameFor(vsId: string, original: string): string | undefined;
}

/** A group of filters visible together: the package level ('') or one VirtualSystem (its own plus the package's). */
export interface FilterVisibility {
  vsId: string;
  filters: EmbeddedFilter[];
}

export function scopeFilters(tenant: string, scopes: readonly FilterVisibility[]): FilterScope {
  // Same name, same content → one definition; same name, different content → names disambiguated by content hash.
  const byName = new Map<string, Map<string, EmbeddedFilter>>();
  for (const s of scopes)
    for (const f of s.filters) {
      const variants = byName.get(f.name) ?? new Map<string, EmbeddedFilter>();
      variants.set(contentHash(f.element), f);
      byName.set(f.name, variants);
    }
  const hostName = (original: string, hash: string) => {
    const variants = byName.get(original)!;
    return variants.size === 1 ? `${tenant}-${original}` : `${tenant}-${original}-${hash.slice(0, 8)}`;
  };
  const table = new Map<string, Map<string, string>>();
  for (const s of scopes) {
    const names = new Map<string, string>();
    for (const f of s.filters) names.set(f.name, hostName(f.name, contentHash(f.element)));
    table.set(s.vsId, names);
  }
  const defined = new Map<string, ScopedFilter>();
  for (const s of scopes) {
    const names = table.get(s.vsId)!;
    for (const f of s.filters) {
      const name = names.get(f.name)!;
      if (defined.has(name)) continue;
      const references: string[] = [];
      const node = rewrite(f.element, name, (ref) => {
        const target = names.get(ref) ?? (isBuiltinFilter(ref) ? ref : undefined);
        if (target === undefined) throw new OvfpipeError('OVFPIPE_PACKAGE', `filter '${f.name}' references '${ref}', which is neither embedded nor a libvirt built-in`);
        references.push(target);
        return target;
      });
      const uuid = uuidV5(OVFPIPE_UUID_NAMESPACE, `nwfilter/${name}`);
      node.children.unshift(element('uuid', {}, uuid));
      defined.set(name, { name, original: f.name, uuid, xml: writeXml(node), references });
    }
  }
  return { filters: definitionOrder([...defined.values()]), nameFor: (vsId, original) => table.get(vsId)?.get(original) ?? table.get('')?.get(original) };
}

function contentHash(el: XmlElement): string {
  return createHash('sha256')
    .update(writeXml(copy(el, undefined, (r) => r)))
    .digest('hex');
}

function rewrite(el: XmlElement, name: string, ref: (original: string) => string): XmlNode {
  return copy(el, name, ref);
}

/** Copies a <filter> tree: renames the root, maps filterref targets, drops any <uuid> (a fresh one is added). */
function copy(el: XmlElement, rootName: string | undefined, ref: (original: string) => string, isRoot = true): XmlNode {
  const attrs: Array<[string, string]> = el.attributes.map((a) => {
    if (isRoot && a.local === 'name' && rootName !== undefined) return [a.qname, rootName];
    if (!isRoot && el.local === 'filterref' && a.local === 'filter') return [a.qname, ref(a.value)];
    return [a.qname, a.value];
  });
  const text = el.text.trim();
  const kids = el.children.filter((c) => !(isRoot && c.local === 'uuid')).map((c) => copy(c, rootName, ref, false));
  return element(el.local, attrs, kids.length === 0 && text !== '' && el.children.length === 0 ? text : kids);
}

function definitionOrder(filters: ScopedFilter[]): ScopedFilter[] {
  const graph = buildFilterGraph(
    filters.map((f) => ({
      name: f.name,
      references: f.references.filter((r) => !isBuiltinFilter(r) || filters.some((x) => x.name === r)).map((filter) => ({ filter, line: 0, column: 0, locator: '' })),
    })),
  );
  if (graph.cycles.length > 0) throw new OvfpipeError('OVFPIPE_PACKAGE', `filter reference cycle: ${formatCycle(graph.cycles[0]!)}`);
  const byName = new Map(filters.map((f) => [f.name, f]));
  return graph.order.map((n) => byName.get(n)).filter((f): f is ScopedFilter => f !== undefined);
}
