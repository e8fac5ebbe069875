/**
 * ssh2 tags each error with the phase it failed in (`err.level`); map those
 * phases onto our codes so callers can tell "retry later" from "fix your key".
 */
import { OvfpipeError } from '../../diagnostics/errors.js';

interface Ssh2Error extends Error {
  level?: string;
  code?: string | number;
}

/** Socket errors worth a retry: the host may be rebooting or briefly overloaded. */
const TRANSIENT_SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN']);

export function mapSshError(err: unknown, label: string): OvfpipeError {
  if (err instanceof OvfpipeError) return err;
  const e = err as Ssh2Error;
  const message = e?.message ?? String(err);
  switch (e?.level) {
    case 'client-authentication':
      return new OvfpipeError('OVFPIPE_SSH_AUTH', `ssh authentication to ${label} failed: ${message} (check the key, the agent and authorized_keys)`, { cause: err });
    case 'agent':
      return new OvfpipeError('OVFPIPE_SSH_AUTH', `ssh-agent failed while authenticating to ${label}: ${message}`, { cause: err });
    case 'client-timeout':
      return new OvfpipeError('OVFPIPE_SSH_CONNECT', `ssh connection to ${label} timed out: ${message}`, { cause: err });
    default:
      return new OvfpipeError('OVFPIPE_SSH_CONNECT', `ssh connection to ${label} failed: ${message}`, { cause: err });
  }
}

/**
 * True for failures that another attempt may cure: refused/reset/timed-out
 * connections and lost connections. Never for authentication or host keys.
 */
export function isTransient(err: unknown): boolean {
  if (!(err instanceof OvfpipeError) || err.code !== 'OVFPIPE_SSH_CONNECT') return false;
  const cause = err.cause as Ssh2Error | undefined;
  if (cause === undefined || typeof cause !== 'object') return true;
  if (cause.level === 'client-timeout') return true;
  if (cause.level === 'client-dns') return cause.code === 'EAI_AGAIN';
  // No code ("No response from server", keepalive timeout) or an SSH disconnect reason number: transient.
  return typeof cause.code !== 'string' || TRANSIENT_SOCKET_CODES.has(cause.code);
}
