/**
 * Real OpenSSH servers on 127.0.0.1 for end-to-end tests, one per pretend
 * host, following TEST-INFRA.md "sshd on loopback": own HostKey, PidFile and
 * AuthorizedKeysFile in a temp dir, StrictModes no (keys under /tmp), UsePAM
 * no, root with prohibit-password. Everything started here is stopped here,
 * by pid; nothing is ever killed by name.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SshTarget } from '../../src/deploy/ssh/config.js';
import { inCI } from '../helpers/corpus.js';
import { run } from './services.js';

export const SSHD = '/usr/sbin/sshd';
const SETPRIV = '/usr/bin/setpriv';

export interface SshdHost {
  port: number;
  dir: string;
  hostKey: string;
  log: string;
  process?: ChildProcess;
}

export interface SshdCluster {
  root: string;
  /** Private key in authorized_keys of every host. */
  clientKey: string;
  /** A valid key that no host accepts. */
  strangerKey: string;
  knownHostsFile: string;
  hashedKnownHostsFile: string;
  hosts: SshdHost[];
  /** How the client reaches host i as root with the cluster's key and known_hosts (no agent). */
  target(i: number, extra?: Partial<SshTarget>): SshTarget;
  /** `SHA256:…` of host i's current key, as `ssh-keygen -lf` prints it. */
  fingerprint(i: number): string;
  /** Kills host i's sshd and every session under it, as if the host went down. */
  stop(i: number): Promise<void>;
  /** Starts host i again with the same port and host key. */
  start(i: number): Promise<void>;
  /** Gives host i a new host key (known_hosts files are not updated) and restarts it. */
  changeHostKey(i: number): Promise<void>;
  stopAll(): Promise<void>;
}

/** Last resort if a test run dies before afterAll: stop our sshds (by pid) on exit. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) if (child.pid) for (const pid of [child.pid, ...descendants(child.pid)]) killQuietly(pid);
});

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

/** True when sshd exists; otherwise skip loudly, or throw in CI. */
export function requireSshd(what: string): boolean {
  if (existsSync(SSHD)) return true;
  const why = `${SSHD} is missing — install openssh-server (bash test/e2e/infra.sh install)`;
  if (inCI) throw new Error(`${what}: ${why}`);
  console.warn(`\n*** SKIPPING ${what}: ${why} ***\n`);
  return false;
}

/** A free port on 127.0.0.1: bind port 0, read it, release it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function keygen(path: string): void {
  rmSync(path, { force: true });
  rmSync(`${path}.pub`, { force: true });
  run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'ovfpipe-e2e', '-f', path]);
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/** Pids of every process under `root` (from /proc ppid links), parents before children. */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      /* exited meanwhile */
    }
  }
  const out: number[] = [];
  const walk = (pid: number, depth: number) => {
    if (depth > 16) return;
    for (const c of children.get(pid) ?? []) {
      out.push(c);
      walk(c, depth + 1);
    }
  };
  walk(root, 0);
  return out;
}

function sshdConfig(root: string, host: SshdHost, logLevel: string, plainShell: boolean, extra: readonly string[] = []): string {
  return [
    // SHLVL=1: bash then skips root's ~/.bashrc for ssh commands (see startSshds' plainShell).
    ...(plainShell ? ['SetEnv SHLVL=1'] : []),
    ...extra,
    `Port ${host.port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${host.hostKey}`,
    `PidFile ${join(host.dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(root, 'authorized_keys')}`,
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'StrictModes no',
    'AllowTcpForwarding yes',
    `LogLevel ${logLevel}`,
    'Subsystem sftp internal-sftp',
    '',
  ].join('\n');
}

/**
 * Starts `n` sshd instances; undefined when sshd is missing outside CI (after a loud warning).
 * `plainShell`: commands do not source root's ~/.bashrc. For tests that kill sshd mid-command:
 * the kill can land in a login shell that is running the rc file, and what that leaves behind
 * (pyenv's rehash lock, on this machine) would stall every later ssh command by 60 s.
 */
export async function startSshds(
  n: number,
  opts: { logLevel?: string; plainShell?: boolean; wrap?: (i: number, host: SshdHost) => string[] | undefined; /** More sshd_config lines for every host. */ config?: readonly string[] } = {},
): Promise<SshdCluster | undefined> {
  if (!requireSshd('SSH end-to-end tests')) return undefined;
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const root = mkdtempSync(join(tmpdir(), 'ovfpipe-sshd-'));
  const clientKey = join(root, 'client');
  const strangerKey = join(root, 'stranger');
  keygen(clientKey);
  keygen(strangerKey);
  writeFileSync(join(root, 'authorized_keys'), readFileSync(`${clientKey}.pub`), { mode: 0o600 });
  const hosts: SshdHost[] = [];
  for (let i = 0; i < n; i++) {
    const dir = join(root, `host-${i}`);
    mkdirSync(dir);
    const host: SshdHost = { port: await freePort(), dir, hostKey: join(dir, 'hostkey'), log: join(dir, 'sshd.log') };
    keygen(host.hostKey);
    hosts.push(host);
  }

  const start = async (i: number) => {
    const host = hosts[i]!;
    const cfg = join(host.dir, 'sshd_config');
    writeFileSync(cfg, sshdConfig(root, host, opts.logLevel ?? 'VERBOSE', opts.plainShell === true, opts.config));
    run(SSHD, ['-t', '-f', cfg]);
    // -D: stay in the foreground, so the pid we hold is the listener's.
    // setpriv --pdeathsig: the kernel kills the listener if this test process
    // dies without afterAll (a killed vitest worker runs no 'exit' handlers).
    // `wrap`: a command that sets host i up (e.g. a namespace of its own) and then execs the sshd argv it is given.
    const prefix = opts.wrap?.(i, host) ?? [];
    const argv = [...prefix, SSHD, '-D', '-f', cfg, '-E', host.log];
    const child = existsSync(SETPRIV) ? spawn(SETPRIV, ['--pdeathsig', 'KILL', ...argv], { stdio: 'ignore' }) : spawn(argv[0]!, argv.slice(1), { stdio: 'ignore' });
    child.unref();
    host.process = child;
    live.add(child);
    child.once('exit', () => live.delete(child));
    const tries = prefix.length > 0 ? 400 : 100;
    for (let k = 0; k < tries; k++) {
      if (child.exitCode !== null)
        throw new Error(`sshd on port ${host.port} exited: ${existsSync(host.log) ? readFileSync(host.log, 'utf8').slice(-2000) : `(${argv[0]} exited ${child.exitCode} before sshd started)`}`);
      if (await portOpen(host.port)) return;
      await sleep(50);
    }
    throw new Error(`sshd on port ${host.port} did not start listening within ${tries / 20} s`);
  };
  const stop = async (i: number) => {
    const child = hosts[i]!.process;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    // Like a host that dies: the sshd processes go first, so no session can
    // still report its command's exit status before the connection drops.
    for (const pid of [child.pid, ...descendants(child.pid)]) killQuietly(pid);
    await Promise.race([exited, sleep(5_000)]);
    hosts[i]!.process = undefined;
  };

  const knownHostsFile = join(root, 'known_hosts');
  const hashedKnownHostsFile = join(root, 'known_hosts.hashed');
  const lines = hosts.map((h) => `[127.0.0.1]:${h.port} ${readFileSync(`${h.hostKey}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}`);
  writeFileSync(knownHostsFile, `# written by test/e2e/sshd.ts\n${lines.join('\n')}\n`);
  writeFileSync(hashedKnownHostsFile, `${lines.join('\n')}\n`);
  run('ssh-keygen', ['-q', '-H', '-f', hashedKnownHostsFile]);
  rmSync(`${hashedKnownHostsFile}.old`, { force: true });

  const cluster: SshdCluster = {
    root,
    clientKey,
    strangerKey,
    knownHostsFile,
    hashedKnownHostsFile,
    hosts,
    target: (i, extra = {}) => ({ host: '127.0.0.1', port: hosts[i]!.port, user: 'root', identity: clientKey, knownHostsFile, agent: '', ...extra }),
    fingerprint: (i) => run('ssh-keygen', ['-lf', `${hosts[i]!.hostKey}.pub`]).stdout.split(' ')[1]!,
    stop,
    start,
    changeHostKey: async (i) => {
      await stop(i);
      keygen(hosts[i]!.hostKey);
      await start(i);
    },
    stopAll: async () => {
      for (let i = 0; i < hosts.length; i++) await stop(i);
      rmSync(root, { recursive: true, force: true });
    },
  };
  try {
    for (let i = 0; i < n; i++) await start(i);
  } catch (e) {
    await cluster.stopAll();
    throw e;
  }
  return cluster;
}

/** An ssh-agent (ours, stopped by pid) holding `key`; for agent authentication tests. */
export async function startAgent(dir: string, key: string): Promise<{ socket: string; stop(): Promise<void> }> {
  const socket = join(dir, `agent-${process.pid}.sock`);
  const agent = existsSync(SETPRIV) ? spawn(SETPRIV, ['--pdeathsig', 'KILL', 'ssh-agent', '-D', '-a', socket], { stdio: 'ignore' }) : spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
  agent.unref();
  live.add(agent);
  for (let tries = 0; tries < 100 && !existsSync(socket); tries++) await sleep(50);
  const added = spawnSync('ssh-add', ['-q', key], { env: { ...process.env, SSH_AUTH_SOCK: socket }, encoding: 'utf8', timeout: 10_000 });
  const stop = async () => {
    if (agent.exitCode !== null || agent.signalCode !== null) return;
    const exited = new Promise((r) => agent.once('exit', r));
    killQuietly(agent.pid!);
    await Promise.race([exited, sleep(5_000)]);
    live.delete(agent);
  };
  if (added.status !== 0) {
    await stop();
    throw new Error(`ssh-add failed: ${added.stderr}`);
  }
  return { socket, stop };
}
