/** One way to print a diagnostic as a line: `file:line:column: severity: message [rule-id] locator`. */
import type { Diagnostic } from './diagnostic.js';

/** `file:line:column: severity: message [rule-id] locator`; the position and the locator only when known. */
export function formatDiagnosticLine(d: Diagnostic): string {
  const where = d.file ? `${d.file}:${d.line}:${d.column}: ` : '';
  return `${where}${d.severity}: ${d.message} [${d.ruleId}]${d.locator ? ` ${d.locator}` : ''}`;
}

/** Diagnostics as lines (see formatDiagnosticLine), for errors thrown at the IO ends. */
export function formatDiagnosticLines(diags: readonly Diagnostic[]): string {
  return diags.map(formatDiagnosticLine).join('\n');
}
