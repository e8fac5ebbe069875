/**
 * `--format json` exactly as PRODUCT.md §5 fixes it: an array of
 * `{ file, diagnostics: [{ ruleId, severity, message, line, column, locator }] }`,
 * keys in that order, two-space indented, one trailing newline.
 */
import type { Severity } from '../../diagnostics/diagnostic.js';
import type { LintResult } from '../engine.js';
import type { FormatOptions } from './options.js';

export interface JsonDiagnostic {
  ruleId: string;
  severity: Severity;
  message: string;
  line: number;
  column: number;
  locator: string;
}

export interface JsonResult {
  file: string;
  diagnostics: JsonDiagnostic[];
}

/** Builds the §5 shape with a fixed key order (the engine's Diagnostic also carries `file`, which is not part of it). */
export function toJsonResults(results: readonly LintResult[]): JsonResult[] {
  return results.map((r) => ({
    file: r.file,
    diagnostics: r.diagnostics.map((d) => ({
      ruleId: d.ruleId,
      severity: d.severity,
      message: d.message,
      line: d.line,
      column: d.column,
      locator: d.locator,
    })),
  }));
}

export function formatJson(results: readonly LintResult[], _opts: FormatOptions = {}): string {
  return `${JSON.stringify(toJsonResults(results), null, 2)}\n`;
}
