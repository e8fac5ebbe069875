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
  /** Which message of the rule (its `meta.messages` key); with `data`, what tests assert instead of the text. */
  messageId?: string;
  /** The values the message template was filled with. */
  data?: Record<string, string | number>;
  severity: Severity;
  /** The rendered message: `meta.messages[messageId]` filled with `data`. */
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
  finding?: { messageId: string; data?: Record<string, string | number> },
): Diagnostic {
  return {
    ruleId,
    ...(finding ? { messageId: finding.messageId, ...(finding.data ? { data: finding.data } : {}) } : {}),
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
  return diags.sort((a, b) => (a.file ?? '').localeCompare(b.file ?? '') || a.line - b.line || a.column - b.column || a.ruleId.localeCompare(b.ruleId));
}
