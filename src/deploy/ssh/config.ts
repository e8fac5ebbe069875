/**
 * Turns what an inventory says about a host (`ssh://user@host:port`, or an
 * alias from ~/.ssh/config) into an SshTarget, reading ssh_config(5) with the
 * ssh-config package. Values given in the URL win over the config file, as
 * they do on ssh(1)'s command line; within the file the first value wins.
 *
 * Supported keywords: HostName, User, Port, IdentityFile, IdentityAgent,
 * UserKnownHostsFile, ProxyJump. `Match exec` is never evaluated (an inventory
 * must not run commands), and Include is not followed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import SSHConfig from 'ssh-config';
import { OvfpipeError } from '../../diagnostics/errors.js';
import { expandHome } from '../../paths.js';

export interface SshTarget {
  host: string;
  port?: number;
  user?: string;
  /** Private key file. */
  identity?: string;
  /** Passphrase for `identity`, when it is encrypted. */
  passphrase?: string;
  /** ssh-agent socket; defaults to $SSH_AUTH_SOCK; '' means no agent. */
  agent?: string;
  /** known_hosts files; default ~/.ssh/known_hosts and /etc/ssh/ssh_known_hosts. */
  knownHostsFile?: string | string[];
  /** Pinned host key fingerprint, `SHA256:…` as `ssh-keygen -lf` prints it; replaces known_hosts. */
  fingerprint?: string;
  /** Reach this host through another one (ssh -J): a direct-tcpip channel on the jump connection. */
  proxyJump?: SshTarget;
  keepaliveIntervalMs?: number;
  /** Missed keepalives before the connection counts as dead (default 3). */
  keepaliveCountMax?: number;
  readyTimeoutMs?: number;
}

export interface ResolveOptions {
  /** ssh_config file; default ~/.ssh/config. A missing file is an empty config. */
  configPath?: string;
}

/** ProxyJump chains longer than this are refused: they are almost surely a loop. */
const MAX_JUMPS = 8;

/** Resolves `ssh://[user@]host[:port]`, `[user@]host[:port]` or a config alias. */
export function resolveTarget(spec: string, opts: ResolveOptions = {}): SshTarget {
  const configPath = opts.configPath ?? join(homedir(), '.ssh', 'config');
  const config = existsSync(configPath) ? SSHConfig.parse(readFileSync(configPath, 'utf8')) : SSHConfig.parse('');
  return resolveHop(spec, config, 0, undefined);
}

function resolveHop(spec: string, config: SSHConfig, depth: number, forcedJump: SshTarget | undefined): SshTarget {
  if (depth > MAX_JUMPS) throw new OvfpipeError('OVFPIPE_USAGE', `ProxyJump chain deeper than ${MAX_JUMPS} hops at ${spec}: is it a loop?`);
  const given = parseSpec(spec);
  const computeOpts = { ignoreCase: true, matchExec: false };
  const c = given.user ? config.compute({ Host: given.host, User: given.user }, computeOpts) : config.compute(given.host, computeOpts);
  const first = (key: string): string | undefined => {
    const v = c[key];
    return Array.isArray(v) ? v[0] : v;
  };
  const all = (key: string): string[] => {
    const v = c[key];
    return v === undefined ? [] : Array.isArray(v) ? v : v.split(/\s+/);
  };
  const user = given.user ?? first('user');
  const tokens = { h: first('hostname')?.replaceAll('%h', given.host) ?? given.host, r: user, n: given.host };
  const target: SshTarget = { host: tokens.h };
  const port = given.port ?? parsePort(first('port'), spec);
  if (port !== undefined) target.port = port;
  if (user !== undefined) target.user = user;
  const identities = all('identityfile').map((f) => expandPath(f, tokens));
  const identity = identities.find((f) => existsSync(f)) ?? identities[0];
  if (identity !== undefined) target.identity = identity;
  const agent = first('identityagent');
  if (agent !== undefined && agent.toLowerCase() !== 'none') {
    target.agent = agent === 'SSH_AUTH_SOCK' ? (process.env['SSH_AUTH_SOCK'] ?? '') : expandPath(agent, tokens);
  }
  const knownHosts = all('userknownhostsfile').map((f) => expandPath(f, tokens));
  if (knownHosts.length > 0) target.knownHostsFile = knownHosts;
  const jump = forcedJump ?? resolveJumpChain(first('proxyjump'), config, depth);
  if (jump !== undefined) target.proxyJump = jump;
  return target;
}

/**
 * `ProxyJump a,b` reaches b through a, and the target through b: each later
 * hop is forced through the one before it, and only the first hop keeps the
 * ProxyJump of its own config section (as `ssh -J a,b` does).
 */
function resolveJumpChain(value: string | undefined, config: SSHConfig, depth: number): SshTarget | undefined {
  if (value === undefined || value.toLowerCase() === 'none') return undefined;
  let previous: SshTarget | undefined;
  for (const hop of value
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '')) {
    previous = resolveHop(hop, config, depth + 1, previous);
  }
  return previous;
}

function parseSpec(spec: string): { host: string; user?: string; port?: number } {
  const rest = spec.startsWith('ssh://') ? spec.slice('ssh://'.length).replace(/\/$/, '') : spec;
  const m = /^(?:([^@/\s]+)@)?(\[[^\]\s]+\]|[^:@/\s\[\]]+)(?::(\d+))?$/.exec(rest);
  if (!m) throw new OvfpipeError('OVFPIPE_USAGE', `not an SSH target (expected ssh://user@host:port or a ~/.ssh/config alias): ${spec}`);
  const host = m[2]!.replace(/^\[(.*)\]$/, '$1');
  const out: { host: string; user?: string; port?: number } = { host };
  if (m[1] !== undefined) out.user = decodeURIComponent(m[1]);
  if (m[3] !== undefined) out.port = parsePort(m[3], spec);
  return out;
}

function parsePort(value: string | undefined, spec: string): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new OvfpipeError('OVFPIPE_USAGE', `bad port ${value} for ${spec}`);
  return port;
}

/** `~` and the ssh_config(5) TOKENS that make sense here: %d %h %n %r %u %%. */
export function expandPath(path: string, tokens: { h: string; r?: string | undefined; n?: string }): string {
  const home = homedir();
  const expanded = path.replace(/%([%dhnru])/g, (_, t: string) => {
    switch (t) {
      case '%':
        return '%';
      case 'd':
        return home;
      case 'h':
        return tokens.h;
      case 'n':
        return tokens.n ?? tokens.h;
      case 'r':
        return tokens.r ?? userInfo().username;
      default:
        return userInfo().username;
    }
  });
  return expandHome(expanded, home);
}
