import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { formatDiagnosticLine } from '../diagnostics/format.js';

/** What a command may touch: its output streams and environment. Tests pass their own. */
export interface CliIo {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  env: Record<string, string | undefined>;
  cwd: string;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

/** Exit codes (PRODUCT.md §5): 0 clean, 1 problems found, 2 usage or internal failure. */
export const EXIT = { ok: 0, problems: 1, usage: 2 } as const;

export function useColor(io: CliIo, stream: 'stdout' | 'stderr' = 'stdout'): boolean {
  return Boolean(io[stream].isTTY) && io.env['NO_COLOR'] === undefined && io.env['FORCE_COLOR'] !== '0';
}

/** Collects a repeatable option into an array (commander). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** The one diagnostic printer of the CLI: a line per diagnostic on stderr (diagnostics/format.ts). */
export function printDiagnostics(diags: readonly Diagnostic[], io: CliIo): void {
  for (const d of diags) io.stderr.write(`${formatDiagnosticLine(d)}\n`);
}
