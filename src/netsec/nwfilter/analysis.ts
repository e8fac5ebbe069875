/**
 * One analysis per <filter> element, shared by all nwfilter lint rules:
 * parse (structure), validate (schema values) and libvirt's reading run
 * once, and each rule reports the findings that belong to it.
 */
import type { RuleContext } from '../../diagnostics/rule.js';
import type { XmlElement } from '../../xml/element.js';
import { readAsLibvirt, type LibvirtReading } from './libvirt-parser.js';
import type { Finding, NwFilter, NwfilterRuleId } from './model.js';
import { parseFilter } from './parse.js';
import { validateFilter } from './validate.js';

export interface FilterAnalysis {
  filter: NwFilter;
  /** Every finding of every nwfilter rule, in document order. */
  findings: Finding[];
  reading: LibvirtReading;
}

const cache = new WeakMap<XmlElement, FilterAnalysis>();
const knownAlongside = new WeakMap<XmlElement, ReadonlySet<string>>();

/**
 * Records the names of the filters linted together with this one (its set),
 * so that nwfilter-filterref does not call them unknown. Kept beside the
 * element rather than in the rule options, so the rule's configured level
 * and per-report severities are untouched.
 */
export function setKnownFilters(root: XmlElement, names: ReadonlySet<string>): void {
  knownAlongside.set(root, names);
}

export function knownFilters(root: XmlElement): ReadonlySet<string> {
  return knownAlongside.get(root) ?? new Set();
}

/** Analyses a root <filter> element (memoised per element). Never throws on bad input. */
export function analyzeFilter(root: XmlElement): FilterAnalysis {
  const hit = cache.get(root);
  if (hit) return hit;
  const parsed = parseFilter(root);
  const reading = parsed.findings.some((f) => f.messageId === 'notFilter') ? { errors: ['unknown root element for nw filter'], findings: [] } : readAsLibvirt(parsed.filter);
  const findings = [...parsed.findings, ...validateFilter(parsed.filter), ...reading.findings];
  findings.sort((a, b) => a.line - b.line || a.column - b.column);
  const analysis = { filter: parsed.filter, findings, reading };
  cache.set(root, analysis);
  return analysis;
}

/** Reports the findings of one rule through the lint engine's context. */
export function reportFindings(root: XmlElement, file: string, ruleId: NwfilterRuleId, ctx: RuleContext, keep: (f: Finding) => boolean = () => true): void {
  for (const f of analyzeFilter(root).findings) {
    if (f.ruleId !== ruleId || !keep(f)) continue;
    ctx.report({ messageId: f.messageId, data: f.data, loc: { file, line: f.line, column: f.column }, locator: f.locator, severity: f.severity });
  }
}
