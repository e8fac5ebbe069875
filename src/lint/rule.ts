/**
 * Rules are data: a stable kebab-case id, a family, a default severity, a
 * one-line description and message templates with {{placeholders}}, plus a
 * small pure `check` function (after typescript-eslint's rule objects).
 * The rule shape itself lives in diagnostics/rule.ts (below every check);
 * this file adds what lint rules look at: the targets.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { formatMessage, type Rule as DiagnosticsRule, type RuleContext, type RuleFamily, type RuleMeta, type ReportSpec } from '../diagnostics/rule.js';
import type { PackageFacts } from '../package/facts.js';
import type { Envelope } from '../ovf/model.js';
import type { XmlElement } from '../xml/element.js';

/** The descriptor, and (unless `--descriptor-only`) the package around it. */
export interface DescriptorTarget {
  scope: 'descriptor';
  file: string;
  envelope: Envelope;
  /** Absent under --descriptor-only. */
  package?: PackageFacts;
  /** The port profile catalog given with --catalog, already loaded. */
  catalog?: unknown;
}

/** A standalone libvirt nwfilter document (root `<filter>`). */
export interface NwfilterTarget {
  scope: 'nwfilter';
  file: string;
  root: XmlElement;
}

export type LintTarget = DescriptorTarget | NwfilterTarget;

export type Rule<T extends LintTarget = LintTarget> = DiagnosticsRule<T>;

/** Helper for rule files: keeps the target type tied to the scope. */
export function defineRule<T extends LintTarget>(rule: Rule<T>): Rule<LintTarget> {
  return rule;
}

export type { Diagnostic, PackageFacts, RuleFamily, RuleMeta, ReportSpec, RuleContext };
export { formatMessage };
