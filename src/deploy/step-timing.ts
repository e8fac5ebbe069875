/**
 * Per-step timings of a run, for the report's timeline (docs/run-report.md):
 * each step a VM went through, when it started (ISO 8601) and how long it
 * took. A step shared by several VMs (an image upload, the filter batch) is
 * listed on each VM that waited for it.
 */
export interface StepTiming {
  /** `upload`, `convert`, `filters`, `prepare`, `define`, `start`, `connect`, … (several joined by `+` when one round trip ran them). */
  id: string;
  /** ISO 8601 start time. */
  start: string;
  seconds: number;
  /** Set when the step failed. */
  error?: string;
}

/** Runs `fn`, pushing its timing (and its error, which is rethrown) onto `into`. */
export async function timed<T>(into: StepTiming[], id: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    const v = await fn();
    into.push({ id, start: new Date(started).toISOString(), seconds: (Date.now() - started) / 1000 });
    return v;
  } catch (e) {
    into.push({ id, start: new Date(started).toISOString(), seconds: (Date.now() - started) / 1000, error: (e as Error).message });
    throw e;
  }
}

/** The label of one round trip of remote steps: `overlay:*` become `overlays`; bookkeeping steps are left out. */
export function roundTripLabel(ids: readonly string[]): string {
  const kinds = ids.map((id) => (id.startsWith('overlay:') ? 'overlays' : id)).filter((id) => id !== 'vm-dir' && id !== 'autostart');
  return [...new Set(kinds)].join('+') || 'apply';
}
