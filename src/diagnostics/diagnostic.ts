/**
 * Diagnostics are data, not exceptions: every problem found in a package is
 * returned as one of these, with a location a human can jump to.
 */
export type Severity = 'error' | 'warning' | 'info';

export interface SourceLocation {
  /** File the node came from (descriptor path, member name, or standalone XML file). */
  file?: string;
  /** 1-based line, 0 when unknown. */
  line: number;
  /** 1-based column, 0 when unknown. */
  column: number;
}

export interface Diagnostic {
  ruleId: string;
  severity: Severity;
  message: string;
  file?: string;
  line: number;
  column: number;
  /** A path by meaning, e.g. `VirtualSystem[web]/Item[InstanceID=7]`. */
  locator: string;
}

export function diagnostic(
  ruleId: string,
  severity: Severity,
  message: string,
  at: Partial<SourceLocation> = {},
  locator = '',
): Diagnostic {
  return {
    ruleId,
    severity,
    message,
    file: at.file,
    line: at.line ?? 0,
    column: at.column ?? 0,
    locator,
  };
}

export function hasErrors(diags: readonly Diagnostic[]): boolean {
  return diags.some((d) => d.severity === 'error');
}

export function sortDiagnostics(diags: Diagnostic[]): Diagnostic[] {
  return diags.sort(
    (a, b) =>
      (a.file ?? '').localeCompare(b.file ?? '') ||
      a.line - b.line ||
      a.column - b.column ||
      a.ruleId.localeCompare(b.ruleId),
  );
}
