/**
 * Opens one authenticated, host-verified ssh2 connection, directly or through
 * a chain of jump hosts (ProxyJump: a direct-tcpip channel on the jump
 * connection is the transport socket of the next one).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { connect as netConnect, type Socket } from 'node:net';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import ssh2, { type Client, type ConnectConfig } from 'ssh2';
import { OvfpipeError } from '../../diagnostics/errors.js';
import type { SshTarget } from './config.js';
import { defaultKnownHostsFiles, loadKnownHosts, verifyHostKey } from './host-key.js';
import { knownKeyTypes } from './known-hosts.js';
import { mapSshError } from './ssh-errors.js';

export interface SshConnection {
  client: Client;
  label: string;
  /** Jump connections this one rides on, innermost last; closed after it. */
  jumps: Client[];
}

/** ssh2 1.17's default host key algorithms, in its order (lib/protocol/constants.js). */
const HOST_KEY_ALGORITHMS = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
const ALGORITHMS_FOR_KEY_TYPE: Record<string, string[]> = { 'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] };
// ssh2 is CommonJS: Node's ESM loader exposes only some names (not `utils`), so take them from the default export.
const { Client: SshClient, utils } = ssh2;
const DEFAULT_IDENTITIES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

export function targetLabel(t: SshTarget): string {
  return `${t.user ?? userInfo().username}@${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port ?? 22}`;
}

export async function openConnection(target: SshTarget, depth = 0): Promise<SshConnection> {
  if (depth > 8) throw new OvfpipeError('OVFPIPE_USAGE', `ProxyJump chain too deep at ${target.host}`);
  const label = targetLabel(target);
  const port = target.port ?? 22;
  const jump = target.proxyJump ? await openConnection(target.proxyJump, depth + 1) : undefined;
  try {
    const config = await clientConfig(target, label);
    const sock = jump ? await forwardOut(jump, target.host, port, label) : directSocket(target.host, port);
    const client = await handshake({ ...config.connect, sock }, config.hostKeyError, label);
    return { client, label, jumps: jump ? [...jump.jumps, jump.client] : [] };
  } catch (err) {
    if (jump) closeClients([...jump.jumps, jump.client]);
    throw err;
  }
}

export function closeClients(clients: readonly Client[]): void {
  for (const c of [...clients].reverse()) c.end();
}

/** Our own socket so TCP_NODELAY is set: ssh2 never sets it, and it is worth ~25% here (TEST-INFRA). */
function directSocket(host: string, port: number): Socket {
  const sock = netConnect({ host, port });
  sock.setNoDelay(true);
  return sock;
}

function forwardOut(jump: SshConnection, host: string, port: number, label: string): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    jump.client.forwardOut('127.0.0.1', 0, host, port, (err, stream) => {
      if (err) reject(new OvfpipeError('OVFPIPE_SSH_CONNECT', `jump host ${jump.label} could not open a channel to ${label}: ${err.message}`, { cause: err }));
      else resolve(stream);
    });
  });
}

interface PreparedConfig {
  connect: ConnectConfig & { privateKeyPath?: string };
  /** Set by the host verifier when it refuses, so the refusal is reported instead of ssh2's generic one. */
  hostKeyError: { error?: OvfpipeError };
}

async function clientConfig(target: SshTarget, label: string): Promise<PreparedConfig> {
  const port = target.port ?? 22;
  const files = target.knownHostsFile === undefined ? defaultKnownHostsFiles() : ([] as string[]).concat(target.knownHostsFile);
  const known = target.fingerprint === undefined ? await loadKnownHosts(files) : { entries: [], problems: [] };
  const hostKeyError: PreparedConfig['hostKeyError'] = {};
  // Ask for the key types known_hosts holds for this host first, as ssh(1)
  // does; otherwise a host known only by its RSA key would look "changed".
  const preferred = knownKeyTypes(target.host, port, known.entries).flatMap((t) => ALGORITHMS_FOR_KEY_TYPE[t] ?? [t]);
  const serverHostKey = [...new Set([...preferred, ...HOST_KEY_ALGORITHMS])].filter((a) => HOST_KEY_ALGORITHMS.includes(a));
  const connect: PreparedConfig['connect'] = {
    host: target.host,
    port,
    username: target.user ?? userInfo().username,
    readyTimeout: target.readyTimeoutMs ?? 20_000,
    keepaliveInterval: target.keepaliveIntervalMs ?? 15_000,
    keepaliveCountMax: target.keepaliveCountMax ?? 3,
    algorithms: { serverHostKey: serverHostKey as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] },
    hostVerifier: (key: Buffer): boolean => {
      try {
        verifyHostKey(key, { host: target.host, port, entries: known.entries, files, ...(target.fingerprint ? { fingerprint: target.fingerprint } : {}) });
        return true;
      } catch (e) {
        hostKeyError.error = e as OvfpipeError;
        return false;
      }
    },
    ...(await authConfig(target, label)),
  };
  return { connect, hostKeyError };
}

type AuthConfig = Pick<ConnectConfig, 'privateKey' | 'passphrase' | 'agent'> & { privateKeyPath?: string };

async function authConfig(target: SshTarget, label: string): Promise<AuthConfig> {
  const agent = target.agent ?? process.env['SSH_AUTH_SOCK'];
  let identity = target.identity;
  if (identity === undefined && !agent) identity = DEFAULT_IDENTITIES.map((n) => join(homedir(), '.ssh', n)).find((f) => existsSync(f));
  if (identity === undefined && !agent) {
    throw new OvfpipeError('OVFPIPE_SSH_AUTH', `no way to authenticate to ${label}: no identity file given or found in ~/.ssh, and no ssh-agent (SSH_AUTH_SOCK is unset)`);
  }
  const out: AuthConfig = {};
  if (agent) out.agent = agent;
  if (identity !== undefined) {
    let key: Buffer;
    try {
      key = await readFile(identity);
    } catch (e) {
      throw new OvfpipeError('OVFPIPE_SSH_AUTH', `cannot read identity file ${identity} for ${label}: ${(e as Error).message}`, { cause: e });
    }
    // Parse now: ssh2 would throw the same error synchronously from connect().
    const parsed = utils.parseKey(key, target.passphrase);
    if (parsed instanceof Error) {
      throw new OvfpipeError('OVFPIPE_SSH_AUTH', `identity file ${identity} for ${label} is unusable: ${parsed.message}`, { cause: parsed });
    }
    out.privateKey = key;
    out.privateKeyPath = identity;
    if (target.passphrase !== undefined) out.passphrase = target.passphrase;
  }
  return out;
}

function triedAuth(config: ConnectConfig & { privateKeyPath?: string }): string {
  const tried: string[] = [];
  if (config.privateKey !== undefined) tried.push(`key ${config.privateKeyPath ?? '(in memory)'}`);
  if (config.agent) tried.push(`ssh-agent ${typeof config.agent === 'string' ? config.agent : ''}`.trim());
  return `${tried.join(', ')} as ${config.username}`;
}

function handshake(config: ConnectConfig & { privateKeyPath?: string }, hostKeyError: PreparedConfig['hostKeyError'], label: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new SshClient();
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      client.end();
      (config.sock as Duplex | undefined)?.destroy();
      const mapped = hostKeyError.error ?? mapSshError(err, label);
      reject(mapped.code === 'OVFPIPE_SSH_AUTH' ? new OvfpipeError('OVFPIPE_SSH_AUTH', `${mapped.message}; tried: ${triedAuth(config)}`, { cause: err }) : mapped);
    };
    client.once('ready', () => {
      settled = true;
      resolve(client);
    });
    client.on('error', fail);
    client.once('close', () => fail(new Error('connection closed during the handshake')));
    try {
      client.connect(config);
    } catch (e) {
      fail(e);
    }
  });
}
