import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { formatDiagnosticLine } from '../diagnostics/format.js';

/** What a command may touch: its output streams and environment. Tests pass their own. */
export interface CliIo {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  env: Record<string, string | undefined>;
  cwd: string;
  /** Aborted by bin.ts on the first SIGINT/SIGTERM, with the signal's name as the reason. */
  signal?: AbortSignal;
}

export function processIo(signal?: AbortSignal): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), ...(signal ? { signal } : {}) };
}

/** Exit codes (PRODUCT.md §5): 0 clean, 1 problems found, 2 usage or internal failure; 130/143 stopped by SIGINT/SIGTERM (128 + signal number). */
export const EXIT = { ok: 0, problems: 1, usage: 2, interrupted: 130, terminated: 143 } as const;

/** The exit code of a run a signal stopped, or undefined. */
export function signalExit(io: CliIo): number | undefined {
  if (!io.signal?.aborted) return undefined;
  return io.signal.reason === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
}

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
