/**
 * Linting nwfilter documents: one <filter> element (a standalone file, or a
 * filter embedded in an OVF package), or a set of them (a filter library, or
 * all filters of a package), where references between members are known and
 * cycles across files are found.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { LintConfig } from '../diagnostics/rule.js';
import { ruleLevel, runRuleSet as runRules, type LintResult } from './run-rules.js';
import { nwfilterRules } from './rules/nwfilter/index.js';
import type { XmlElement } from '../xml/element.js';
import { analyzeFilter, setKnownFilters } from '../netsec/nwfilter/analysis.js';
import { buildFilterGraph, formatCycle, type FilterNode } from '../netsec/nwfilter/graph.js';
import type { NwFilter } from '../netsec/nwfilter/model.js';

export interface FilterSource {
  file: string;
  root: XmlElement;
}

/** Lints one <filter> element with the nwfilter rules. */
export function lintFilterElement(root: XmlElement, file: string, config: LintConfig = {}): Diagnostic[] {
  return runRules({ scope: 'nwfilter', file, root }, config, nwfilterRules);
}

/** The graph node of a parsed filter: its name and its references with their positions. */
export function filterGraphNode(filter: NwFilter, file?: string): FilterNode {
  const references = [];
  for (const e of filter.entries)
    if (e.kind === 'filterref' && e.filter) references.push({ filter: e.filter.value.trim(), line: e.filter.line, column: e.filter.column, locator: `${e.locator}@filter` });
  return { name: filter.name?.value.trim() ?? '', references, file };
}

/**
 * Lints a set of filters together: references to members of the set are
 * known, and reference cycles and duplicate names across the set are
 * reported (rule nwfilter-filterref).
 */
export function lintFilterSet(sources: readonly FilterSource[], config: LintConfig = {}): LintResult[] {
  const nodes = sources.map((s) => filterGraphNode(analyzeFilter(s.root).filter, s.file));
  const known = new Set(nodes.map((n) => n.name).filter((n) => n !== ''));
  for (const s of sources) setKnownFilters(s.root, known);
  const results = sources.map((s) => ({ file: s.file, diagnostics: runRules({ scope: 'nwfilter', file: s.file, root: s.root }, config, nwfilterRules) }));
  const filterref = nwfilterRules.find((r) => r.meta.id === 'nwfilter-filterref')!;
  const { level } = ruleLevel(filterref, config);
  if (level === 'off') return results;
  const graph = buildFilterGraph(nodes);
  const byFile = new Map(results.map((r) => [r.file, r]));
  for (const cycle of graph.cycles) {
    if (cycle.length <= 2) continue; // a self-reference is reported per file
    const from = nodes.find((n) => n.name === cycle[0])!;
    const ref = from.references.find((r) => r.filter === cycle[1]);
    byFile.get(from.file!)?.diagnostics.push(setDiagnostic(level, `filter reference cycle: ${formatCycle(cycle)} (libvirt: filter would introduce a loop)`, from.file!, ref));
  }
  for (const name of graph.duplicates) {
    const files = nodes.filter((n) => n.name === name).map((n) => n.file!);
    for (const file of files)
      byFile.get(file)?.diagnostics.push(setDiagnostic('warning', `filter '${name}' is defined more than once (${files.join(', ')}); the last definition wins`, file, undefined, `filter[${name}]`));
  }
  return results;
}

function setDiagnostic(severity: 'error' | 'warning' | 'info', message: string, file: string, at?: { line?: number; column?: number; locator?: string }, locator = at?.locator ?? ''): Diagnostic {
  return { ruleId: 'nwfilter-filterref', severity, message, file, line: at?.line ?? 0, column: at?.column ?? 0, locator };
}
