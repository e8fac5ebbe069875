/**
 * Rules are data: a stable kebab-case id, a family, a default severity, a
 * one-line description and message templates with {{placeholders}}, plus a
 * small pure `check` function (after typescript-eslint's rule objects).
 */
import type { Diagnostic, Severity, SourceLocation } from '../diagnostics.js';
import type { Envelope } from '../ovf/model.js';
import type { MemberInfo, PackageKind } from '../package/reader.js';
import type { XmlElement } from '../xml/element.js';

export type RuleFamily = 'structure' | 'properties' | 'package' | 'nwfilter' | 'virtualport' | 'binding' | 'policy' | 'parse';

export interface RuleMeta {
  id: string;
  family: RuleFamily;
  defaultSeverity: Severity | 'off';
  description: string;
  messages: Record<string, string>;
}

/** What the package-level rules see besides the descriptor. */
export interface PackageFacts {
  kind: PackageKind;
  members: readonly MemberInfo[];
  descriptorName: string;
  /** Name of the `.mf` member, if any, and its raw text (manifests are small; read with a limit). */
  manifestName?: string;
  manifestText?: string;
  certificateName?: string;
}

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

export interface ReportSpec {
  messageId: string;
  data?: Record<string, string | number>;
  loc?: Partial<SourceLocation>;
  locator?: string;
  /** Overrides the rule's configured severity for this one report (rare; e.g. a sloppy variant that is only a warning). */
  severity?: Severity;
}

export interface RuleContext {
  /** Options from the config file for this rule (`rules: { id: [level, options] }`). */
  options: Readonly<Record<string, unknown>>;
  /** The whole lint configuration, for composite rules that run other rule sets (embedded nwfilters). */
  config: Readonly<import('./engine.js').LintConfig>;
  report(spec: ReportSpec): void;
  /** Adds diagnostics produced by another rule set (already configured), keeping their rule ids. */
  passthrough(diagnostics: readonly Diagnostic[]): void;
}

export interface Rule<T extends LintTarget = LintTarget> {
  meta: RuleMeta;
  scope: T['scope'];
  check(target: T, ctx: RuleContext): void;
}

/** Helper for rule files: keeps the target type tied to the scope. */
export function defineRule<T extends LintTarget>(rule: Rule<T>): Rule<LintTarget> {
  return rule;
}

export function formatMessage(template: string, data: Record<string, string | number> = {}): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, k: string) => (k in data ? String(data[k]) : `{{${k}}}`));
}

export type { Diagnostic };
