/** Turns a --host spec and the auth flags into a connected Transport (ssh2), with retries for transient failures. */
import { resolveTarget, type SshTarget } from './ssh/config.js';
import { withRetry } from './ssh/retry.js';
import { isTransient } from './ssh/ssh-errors.js';
import type { Transport } from './transport.js';
import { connectionPool } from './connection-pool.js';
import { expandHome } from '../paths.js';

export interface AuthOptions {
  identity?: string;
  knownHosts?: string;
  fingerprint?: string;
  sshConfig?: string;
  /** Connection attempts for transient failures (default 3). */
  retries?: number;
}

export function hostConnector(auth: AuthOptions): (host: string) => Promise<Transport> {
  return async (host: string) => {
    const target: SshTarget = resolveTarget(host, { configPath: auth.sshConfig === undefined ? undefined : expandHome(auth.sshConfig) });
    if (auth.identity) target.identity = expandHome(auth.identity);
    if (auth.knownHosts) target.knownHostsFile = expandHome(auth.knownHosts);
    if (auth.fingerprint) target.fingerprint = auth.fingerprint;
    const { connectSsh } = await import('./ssh/ssh-transport.js');
    const open = () => withRetry(() => connectSsh(target), { retries: auth.retries ?? 2, baseMs: 300, retryOn: isTransient });
    // Under `ovfpipe agent`: the connection (and its remote worker) kept from an earlier run with the same settings.
    const pool = connectionPool();
    return pool ? pool.lease(target, open) : open();
  };
}
