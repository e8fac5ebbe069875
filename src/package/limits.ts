/**
 * Hard limits for reading untrusted packages (PRODUCT.md §2 "Limits"). A
 * limit that is reached ends in OvfpipeError(OVFPIPE_LIMIT) for sizes the
 * user may raise, or OVFPIPE_ARCHIVE for structures that are hostile in
 * themselves (a zip bomb is never a legitimate package).
 */
import { OvfpipeError } from '../diagnostics/errors.js';

export interface ReaderLimits {
  /** Most members a package may hold (default 10 000). Bounds the index held in memory. */
  maxMembers: number;
  /** Largest member accepted, in bytes (default 1 TiB). Applies to declared sizes. */
  maxMemberBytes: number;
  /** Largest pax extended header or GNU long name, in bytes (default 1 MiB). */
  maxHeaderBytes: number;
  /** Zip entries above this uncompressed/compressed ratio are refused as bombs (default 1000). */
  maxCompressionRatio: number;
  /** Deepest directory nesting walked for a directory package (default 32). */
  maxDirectoryDepth: number;
}

export const DEFAULT_READER_LIMITS: ReaderLimits = {
  maxMembers: 10_000,
  maxMemberBytes: 2 ** 40,
  maxHeaderBytes: 1024 * 1024,
  maxCompressionRatio: 1000,
  maxDirectoryDepth: 32,
};

export function resolveLimits(partial: Partial<ReaderLimits> | undefined): ReaderLimits {
  return { ...DEFAULT_READER_LIMITS, ...(partial ?? {}) };
}

export function archiveError(message: string, where: string, cause?: unknown): OvfpipeError {
  return new OvfpipeError('OVFPIPE_ARCHIVE', message, { where, cause });
}

export function limitError(message: string, where: string): OvfpipeError {
  return new OvfpipeError('OVFPIPE_LIMIT', message, { where });
}

/** Guards the member count while an index is built. */
export function checkMemberCount(count: number, limits: ReaderLimits, where: string): void {
  if (count > limits.maxMembers) throw limitError(`package has more than ${limits.maxMembers} members (raise maxMembers to accept it)`, where);
}
