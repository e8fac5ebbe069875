/**
 * Failures of the environment (not problems in a package) are thrown as
 * OvfpipeError with a constant code, in the manner of node-tar's coded errors
 * and ssh2's `err.level`.
 */
export type ErrorCode =
  | 'OVFPIPE_USAGE'
  | 'OVFPIPE_IO'
  | 'OVFPIPE_PACKAGE'
  | 'OVFPIPE_ARCHIVE'
  | 'OVFPIPE_XML'
  | 'OVFPIPE_LIMIT'
  | 'OVFPIPE_MANIFEST'
  | 'OVFPIPE_CERT'
  | 'OVFPIPE_SSH_CONNECT'
  | 'OVFPIPE_SSH_AUTH'
  | 'OVFPIPE_HOSTKEY_UNKNOWN'
  | 'OVFPIPE_HOSTKEY_MISMATCH'
  | 'OVFPIPE_HOSTKEY_REVOKED'
  | 'OVFPIPE_REMOTE'
  | 'OVFPIPE_DIGEST'
  | 'OVFPIPE_INTERRUPTED'
  | 'OVFPIPE_NO_SPACE'
  | 'OVFPIPE_INTERNAL';

export class OvfpipeError extends Error {
  readonly code: ErrorCode;
  /** Where the problem is, when it is about a package (member name, offset…). */
  readonly where?: string;
  constructor(code: ErrorCode, message: string, options: { where?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OvfpipeError';
    this.code = code;
    this.where = options.where;
  }
}

export function isOvfpipeError(e: unknown): e is OvfpipeError {
  return e instanceof OvfpipeError;
}
