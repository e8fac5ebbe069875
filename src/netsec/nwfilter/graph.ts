/**
 * The filterref graph over a set of filters (those embedded in a package or
 * a library of standalone files) plus libvirt's built-ins: reference cycles
 * (`nwfilter-define` fails with "filter would introduce a loop":
 * src/conf/virnwfilterobj.c virNWFilterObjListDefLoopDetect), unknown
 * references, and the definition order for `nwfilter-define`: every filter
 * after the filters it references (PRODUCT.md §7 step 4).
 */
import { builtinFilter } from './builtins.js';

export interface FilterReference {
  filter: string;
  line?: number;
  column?: number;
  locator?: string;
}

export interface FilterNode {
  name: string;
  references: readonly FilterReference[];
  /** Where the filter came from (a file or package member), for diagnostics. */
  file?: string;
}

export interface FilterGraph {
  /** Defined filters, each after the ones it references (input order otherwise). Cycle members come last. */
  order: string[];
  /** Each cycle as a closed path, e.g. ['a', 'b', 'a']; a self-reference is ['a', 'a']. */
  cycles: string[][];
  /** References to filters neither defined nor built in. */
  unknown: Array<{ from: string; reference: FilterReference }>;
  /** Built-ins reached from the defined filters (referenced, never redefined), sorted. */
  builtinsUsed: string[];
  /** Names defined more than once in the set (the later definition replaces the earlier). */
  duplicates: string[];
}

/** Builds the graph. Defined filters shadow built-ins of the same name. Never throws. */
export function buildFilterGraph(filters: readonly FilterNode[]): FilterGraph {
  const defined = new Map<string, FilterNode>();
  const duplicates = new Set<string>();
  for (const f of filters) {
    if (defined.has(f.name)) duplicates.add(f.name);
    defined.set(f.name, f);
  }
  const edges = (name: string): string[] => (defined.has(name) ? defined.get(name)!.references.map((r) => r.filter) : [...(builtinFilter(name)?.references ?? [])]);
  const known = (name: string) => defined.has(name) || builtinFilter(name) !== undefined;

  const unknown: FilterGraph['unknown'] = [];
  for (const f of defined.values()) for (const r of f.references) if (!known(r.filter)) unknown.push({ from: f.name, reference: r });

  const cycles = findCycles([...defined.keys()], (n) => edges(n).filter(known));
  const inCycle = new Set(cycles.flat());
  const order: string[] = [];
  const builtinsUsed = new Set<string>();
  const done = new Set<string>();
  const visit = (name: string): void => {
    if (done.has(name) || inCycle.has(name) || !known(name)) return;
    done.add(name);
    for (const next of edges(name)) visit(next);
    if (defined.has(name)) order.push(name);
    else builtinsUsed.add(name);
  };
  for (const name of defined.keys()) visit(name);
  for (const name of defined.keys()) if (inCycle.has(name)) order.push(name);
  return { order, cycles, unknown, builtinsUsed: [...builtinsUsed].sort(), duplicates: [...duplicates] };
}

/**
 * Tarjan's strongly connected components; each component with more than
 * one node (or a self-loop) is reported as one closed path through it.
 */
function findCycles(nodes: readonly string[], next: (n: string) => string[]): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let counter = 0;
  const strongConnect = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next(v)) {
      if (!index.has(w)) {
        strongConnect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || next(v).includes(v)) cycles.push(closedPath(new Set(component), next, nodes));
  };
  for (const n of nodes) if (!index.has(n)) strongConnect(n);
  return cycles;
}

/** A shortest closed path through a component, starting at its first node in input order. */
function closedPath(component: Set<string>, next: (n: string) => string[], order: readonly string[]): string[] {
  const start = order.find((n) => component.has(n)) ?? [...component][0]!;
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of next(v)) {
      if (!component.has(w)) continue;
      if (w === start) return [...pathTo(v, previous, start), start];
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

function pathTo(v: string, previous: Map<string, string>, start: string): string[] {
  const path = [v];
  while (path[0] !== start) path.unshift(previous.get(path[0]!)!);
  return path;
}

/** "a → b → a". */
export function formatCycle(cycle: readonly string[]): string {
  return cycle.join(' → ');
}
