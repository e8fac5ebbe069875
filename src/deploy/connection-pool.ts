/**
 * Connections kept between runs by `ovfpipe agent` (src/cli/agent.ts), as
 * OpenSSH's ControlPersist keeps a master connection: a run of the agent
 * leases the host's connection, with its remote worker and the login shell
 * that started it, instead of opening both again (issue 19: they were the
 * largest fixed cost of a run that changes nothing). Without an agent no
 * pool is set and every run opens and closes its own connections.
 *
 * A connection is reused only under the exact settings it was opened and
 * verified with: the resolved target (address, port, user, identity, ssh
 * agent, known_hosts files or pinned fingerprint, jump host) and the
 * current contents of its identity and known_hosts files. Editing
 * known_hosts (removing a key), changing the identity or pinning another
 * fingerprint opens, and verifies, a new connection.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { SshTarget } from './ssh/config.js';
import type { ExecOptions, ExecResult, PutOptions, PutResult, Transport, TransportUsage } from './transport.js';
import type { Readable } from 'node:stream';

interface Pooled {
  transport: Transport & { readonly alive?: boolean };
  leases: number;
  memo: Map<string, { at: number; value: unknown }>;
}

export class ConnectionPool {
  private readonly entries = new Map<string, Pooled>();
  private readonly opening = new Map<string, Promise<Pooled>>();

  /** A lease on the connection for `target` (opened with `open` when there is none, or it died); close() gives it back. */
  async lease(target: SshTarget, open: () => Promise<Transport & { readonly alive?: boolean }>): Promise<Transport> {
    const key = poolKey(target);
    let entry = this.entries.get(key);
    if (entry && entry.transport.alive === false) {
      this.entries.delete(key);
      if (entry.leases === 0) await entry.transport.close().catch(() => undefined);
      entry = undefined;
    }
    if (!entry) {
      let pending = this.opening.get(key);
      if (!pending) {
        pending = open().then((transport) => {
          const e: Pooled = { transport, leases: 0, memo: new Map() };
          this.entries.set(key, e);
          return e;
        });
        this.opening.set(key, pending);
        pending.then(
          () => this.opening.delete(key),
          () => this.opening.delete(key),
        );
      }
      entry = await pending;
    }
    entry.leases++;
    return new Lease(entry);
  }

  /** Connections held, and how many runs use each now. */
  get size(): number {
    return this.entries.size;
  }

  async closeAll(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((e) => e.transport.close().catch(() => undefined)));
  }
}

/** One run's use of a pooled connection: its own usage counts (from the lease on), close() releases it. */
class Lease implements Transport {
  readonly label: string;
  readonly memo: Map<string, { at: number; value: unknown }>;
  private readonly base: TransportUsage | undefined;
  private released = false;
  constructor(private readonly entry: Pooled) {
    this.label = entry.transport.label;
    this.memo = entry.memo;
    this.base = entry.transport.usage?.();
  }
  exec(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult> {
    return this.entry.transport.exec(argv, opts);
  }
  put(data: Readable, remotePath: string, opts?: PutOptions): Promise<PutResult> {
    return this.entry.transport.put(data, remotePath, opts);
  }
  close(): Promise<void> {
    if (!this.released) {
      this.released = true;
      this.entry.leases--;
    }
    return Promise.resolve();
  }
  usage(): TransportUsage {
    const now = this.entry.transport.usage?.() ?? { sessions: 0, steps: 0 };
    const base = this.base ?? { sessions: 0, steps: 0 };
    return { sessions: now.sessions - base.sessions, steps: now.steps - base.steps, ...(now.worker ? { worker: now.worker } : {}) };
  }
}

let current: ConnectionPool | undefined;

/** The agent sets the pool its runs share; hostConnector leases from it when set. */
export function setConnectionPool(pool: ConnectionPool | undefined): void {
  current = pool;
}

export function connectionPool(): ConnectionPool | undefined {
  return current;
}

/** The settings a connection was opened and verified under, with the current contents of the files that decide them. */
export function poolKey(target: SshTarget): string {
  const files = [target.identity, ...(target.knownHostsFile === undefined ? [] : Array.isArray(target.knownHostsFile) ? target.knownHostsFile : [target.knownHostsFile])];
  const stamp = createHash('sha256');
  for (const f of files) {
    if (f === undefined) continue;
    stamp.update(`${f}\0`);
    try {
      stamp.update(readFileSync(f));
    } catch {
      stamp.update('(unreadable)');
    }
    stamp.update('\0');
  }
  const shape = (t: SshTarget): unknown => ({
    host: t.host,
    port: t.port,
    user: t.user,
    identity: t.identity,
    passphrase: t.passphrase === undefined ? undefined : createHash('sha256').update(t.passphrase).digest('hex'),
    agent: t.agent,
    knownHostsFile: t.knownHostsFile,
    fingerprint: t.fingerprint,
    proxyJump: t.proxyJump === undefined ? undefined : shape(t.proxyJump),
  });
  return `${JSON.stringify(shape(target))}\0${stamp.digest('hex')}`;
}
