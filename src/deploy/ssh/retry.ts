/**
 * Bounded retries with exponential backoff and full jitter (each delay is
 * uniform in [0, min(maxMs, baseMs·2^attempt)]), so many hosts that failed
 * together do not all come back at the same instant.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { isTransient } from './ssh-errors.js';

export interface RetryOptions {
  /** Attempts after the first one (0 = no retry). */
  retries: number;
  baseMs: number;
  /** Upper bound for one delay (default 30 s). */
  maxMs?: number;
  /** Which errors to retry; default: transient connection failures (isTransient). */
  retryOn?: (err: unknown) => boolean;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  signal?: AbortSignal;
}

/** Hard cap on attempts, whatever the caller asks for: loops stay bounded. */
const MAX_RETRIES = 20;

export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const retries = Math.max(0, Math.min(MAX_RETRIES, Math.floor(opts.retries)));
  const retryOn = opts.retryOn ?? isTransient;
  const maxMs = opts.maxMs ?? 30_000;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= retries || !retryOn(err) || opts.signal?.aborted) throw err;
      const delayMs = Math.round(Math.random() * Math.min(maxMs, opts.baseMs * 2 ** attempt));
      opts.onRetry?.(err, attempt + 1, delayMs);
      await sleep(delayMs, undefined, opts.signal ? { signal: opts.signal } : undefined);
    }
  }
}
