/**
 * The filter graph of a package or of one tenant's render (PRODUCT.md §11
 * "Pictures"): filters → the filters they reference (filterref) → built-ins,
 * and each NIC bound to its filter (with its parameters) and its port
 * profile. Written as Graphviz DOT or Mermaid; laid out by Graphviz itself
 * (graph-svg.ts), never by hand. Pure.
 *
 * Every name comes from a package and is untrusted: node ids are synthetic
 * (`f0`, `n0`, …) and labels are escaped for the DOT or Mermaid string they
 * sit in, so a name can neither close a string nor inject an attribute.
 */
export interface GraphFilter {
  name: string;
  references: string[];
  builtin: boolean;
}

export interface GraphNic {
  /** VM (or VirtualSystem id, before rendering). */
  vm: string;
  nic: string;
  network?: string;
  filter?: string;
  parameters: Array<{ name: string; value: string }>;
  /** Port profile, as one line: its name, or what was rendered from it. */
  profile?: string;
}

export interface FilterGraph {
  title: string;
  filters: GraphFilter[];
  nics: GraphNic[];
}

interface Node {
  id: string;
  label: string;
  kind: 'filter' | 'builtin' | 'nic' | 'profile';
}

interface Edge {
  from: string;
  to: string;
  kind: 'filterref' | 'binding' | 'profile';
  label?: string;
}

/** Nodes and edges: one node per filter (referenced built-ins included), one per NIC and per profile; one edge per filterref and per binding. */
export function graphElements(g: FilterGraph): { nodes: Node[]; edges: Edge[] } {
  const nodes: Node[] = [];
  const edges: Edge[] = [];
  const filterId = new Map<string, string>();
  const filterNode = (name: string, builtin: boolean) => {
    let id = filterId.get(name);
    if (!id) {
      id = `f${filterId.size}`;
      filterId.set(name, id);
      nodes.push({ id, label: name, kind: builtin ? 'builtin' : 'filter' });
    }
    return id;
  };
  for (const f of g.filters) filterNode(f.name, f.builtin);
  for (const f of g.filters)
    for (const r of f.references) edges.push({ from: filterNode(f.name, f.builtin), to: filterNode(r, !g.filters.some((x) => x.name === r && !x.builtin)), kind: 'filterref' });
  const profileId = new Map<string, string>();
  g.nics.forEach((n, i) => {
    const id = `n${i}`;
    nodes.push({ id, label: `${n.vm} NIC ${n.nic}${n.network ? ` (${n.network})` : ''}`, kind: 'nic' });
    if (n.filter)
      edges.push({ from: id, to: filterNode(n.filter, !g.filters.some((x) => x.name === n.filter && !x.builtin)), kind: 'binding', label: n.parameters.map((p) => `${p.name}=${p.value}`).join('\n') });
    if (n.profile) {
      let p = profileId.get(n.profile);
      if (!p) {
        p = `p${profileId.size}`;
        profileId.set(n.profile, p);
        nodes.push({ id: p, label: n.profile, kind: 'profile' });
      }
      edges.push({ from: id, to: p, kind: 'profile' });
    }
  });
  return { nodes, edges };
}

/** A DOT double-quoted string: backslash (Graphviz's own escapes like \N, \l), quote and line breaks neutralised. */
export function dotString(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\r\n|[\n\r]/g, '\\n')}"`;
}

const DOT_STYLE: Record<Node['kind'], string> = {
  filter: 'shape=box, style="rounded,filled", fillcolor="#dbeafe", color="#1d4ed8"',
  builtin: 'shape=box, style="filled", fillcolor="#e5e7eb", color="#4b5563"',
  nic: 'shape=ellipse, style="filled", fillcolor="#dcfce7", color="#15803d"',
  profile: 'shape=hexagon, style="filled", fillcolor="#fef3c7", color="#b45309"',
};

export function toDot(g: FilterGraph): string {
  const { nodes, edges } = graphElements(g);
  const lines = [
    `digraph netsec {`,
    `  graph [rankdir=LR, fontname="sans-serif", label=${dotString(g.title)}, labelloc=t];`,
    `  node [fontname="sans-serif", fontsize=11];`,
    `  edge [fontname="sans-serif", fontsize=9];`,
  ];
  for (const n of nodes) lines.push(`  ${n.id} [label=${dotString(n.label)}, class="${n.kind}", tooltip=${dotString(n.label)}, ${DOT_STYLE[n.kind]}];`);
  for (const e of edges) lines.push(`  ${e.from} -> ${e.to} [class="${e.kind}"${e.label ? `, label=${dotString(e.label)}` : ''}${e.kind === 'profile' ? ', style=dashed' : ''}];`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** A Mermaid label: quotes and markup characters as Mermaid entity codes. */
function mermaidString(s: string): string {
  return `"${s.replace(/["<>&#]/g, (c) => `#${c.charCodeAt(0)};`).replace(/\r\n|[\n\r]/g, '<br/>')}"`;
}

export function toMermaid(g: FilterGraph): string {
  const { nodes, edges } = graphElements(g);
  const shape: Record<Node['kind'], [string, string]> = { filter: ['(', ')'], builtin: ['[', ']'], nic: ['([', '])'], profile: ['{{', '}}'] };
  const lines = ['flowchart LR'];
  for (const n of nodes) lines.push(`  ${n.id}${shape[n.kind][0]}${mermaidString(n.label)}${shape[n.kind][1]}`);
  for (const e of edges) lines.push(`  ${e.from} ${e.kind === 'profile' ? '-.->' : '-->'}${e.label ? `|${mermaidString(e.label)}|` : ''} ${e.to}`);
  const fill: Record<Node['kind'], string> = { filter: '#dbeafe,stroke:#1d4ed8', builtin: '#e5e7eb,stroke:#4b5563', nic: '#dcfce7,stroke:#15803d', profile: '#fef3c7,stroke:#b45309' };
  for (const k of ['filter', 'builtin', 'nic', 'profile'] as const) {
    const ids = nodes.filter((n) => n.kind === k).map((n) => n.id);
    if (ids.length > 0) lines.push(`  classDef ${k} fill:${fill[k]}`, `  class ${ids.join(',')} ${k}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The graph of a package as it is carried (`netsec show`), macros unresolved: NICs are `<VirtualSystem> NIC <InstanceID>`. */
export function packageGraph(r: import('./show.js').NetsecReport, title: string): FilterGraph {
  const own = new Set(r.filters.map((f) => f.name));
  const seen = new Set<string>();
  const filters: GraphFilter[] = [];
  for (const f of r.filters)
    if (!seen.has(f.name)) {
      seen.add(f.name);
      filters.push({ name: f.name, references: f.references, builtin: false });
    }
  const referenced = [...r.filters.flatMap((f) => f.references), ...r.bindings.flatMap((b) => (b.filter ? [b.filter] : []))];
  for (const name of referenced)
    if (!own.has(name) && !seen.has(name)) {
      seen.add(name);
      filters.push({ name, references: [], builtin: true });
    }
  const nics: GraphNic[] = [
    ...r.bindings.map((b) => ({ vm: b.virtualSystem, nic: b.nic, network: b.network, filter: b.filter, parameters: b.parameters, profile: b.profile })),
    ...r.unboundNics.map((n) => ({ vm: n.virtualSystem, nic: n.nic, network: n.network, parameters: [] })),
  ];
  return { title, filters, nics };
}
