/** One way to print a diagnostic as a line: `file:line:column: severity: message [rule-id]`. */
import type { Diagnostic } from './diagnostic.js';

/** `file:line:column: severity: message [rule-id]`, with the locator when it has one and `withLocator` is set. */
export function formatDiagnosticLine(d: Diagnostic, opts: { withLocator?: boolean } = {}): string {
  const line = `${d.file ?? '<input>'}:${d.line}:${d.column}: ${d.severity}: ${d.message} [${d.ruleId}]`;
  return opts.withLocator && d.locator ? `${line} ${d.locator}` : line;
}

/** Formats diagnostics as `file:line:column: message` lines, for errors thrown at the IO ends. */
export function formatDiagnosticLines(diags: readonly Diagnostic[]): string {
  return diags.map((d) => formatDiagnosticLine(d)).join('\n');
}
