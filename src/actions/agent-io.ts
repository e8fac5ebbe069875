/**
 * The file-system, socket and process side of `ovfpipe agent` (the CLI
 * holds no IO: docs/architecture.md): its private directory, its socket,
 * and starting it in the background. Node built-ins only: the CLI's client
 * side loads this before anything else (src/cli/agent-client.ts).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** OVFPIPE_AGENT_DIR, else $XDG_RUNTIME_DIR/ovfpipe, else ~/.cache/ovfpipe/agent. */
export function agentDir(env: Record<string, string | undefined>): string {
  if (env['OVFPIPE_AGENT_DIR']) return env['OVFPIPE_AGENT_DIR'];
  if (env['XDG_RUNTIME_DIR']) return join(env['XDG_RUNTIME_DIR'], 'ovfpipe');
  return join(env['HOME'] || homedir(), '.cache', 'ovfpipe', 'agent');
}

/** Why `dir` must not hold an agent's socket (missing, not a directory of this user's, or open to others), or undefined. */
export function dirProblem(dir: string): string | undefined {
  let st;
  try {
    st = lstatSync(dir);
  } catch {
    return `${dir} does not exist`;
  }
  if (!st.isDirectory()) return `${dir} is not a directory`;
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) return `${dir} belongs to uid ${st.uid}, not to this user`;
  if ((st.mode & 0o077) !== 0) return `${dir} is open to other users (mode ${(st.mode & 0o777).toString(8)}; it must be 700)`;
  return undefined;
}

/** Creates `dir` (0700) if absent; then the same check as dirProblem. */
export function makePrivateDir(dir: string): string | undefined {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dirProblem(dir);
}

/**
 * The socket of the agent for one build: its name carries the version and
 * the path and modification time of the build's main module, so a rebuilt or
 * upgraded ovfpipe never talks to an agent running other code.
 */
export function socketPath(dir: string, version: string, mainModule: URL): string {
  const main = fileURLToPath(mainModule);
  let mtime = 0;
  try {
    mtime = statSync(main).mtimeMs;
  } catch {
    // running from sources (tests): the path alone
  }
  return join(dir, `agent-${createHash('sha256').update(`${version}\0${main}\0${mtime}`).digest('hex').slice(0, 16)}.sock`);
}

export const socketExists = (path: string): boolean => existsSync(path);

/** A connection to an agent's socket, as much of it as the CLI uses. */
export interface AgentConnection {
  write(line: string): void;
  end(): void;
  destroy(): void;
  readonly destroyed: boolean;
  on(event: 'data', listener: (chunk: Buffer) => void): this;
  once(event: 'connect' | 'close', listener: () => void): this;
  once(event: 'error', listener: (e: Error) => void): this;
  on(event: 'error' | 'close', listener: (e?: Error) => void): this;
}

export function connectSocket(path: string): AgentConnection {
  return connect(path);
}

/** Listens on `path` (a stale socket removed first), makes it 0600 and writes `<path>.pid`. */
export async function listenSocket(path: string, onConnection: (c: AgentConnection) => void): Promise<{ close(): void }> {
  rmSync(path, { force: true });
  const server: Server = createServer((socket) => onConnection(socket));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  chmodSync(path, 0o600);
  writeFileSync(`${path}.pid`, `${process.pid}\n`, { mode: 0o600 });
  return {
    close() {
      server.close();
      rmSync(path, { force: true });
      rmSync(`${path}.pid`, { force: true });
    },
  };
}

/** Starts `node BIN ARGS…` detached, its output appended to `log` (0600); returns a probe of whether it has exited. */
export function spawnDetached(bin: string, args: string[], env: Record<string, string | undefined>, log: string): { exited(): boolean } {
  const out = openSync(log, 'a', 0o600);
  const child = spawn(process.execPath, [bin, ...args], { detached: true, stdio: ['ignore', out, out], env });
  child.unref();
  return { exited: () => child.exitCode !== null };
}

/** The last lines of a log, for a message. */
export function logTail(log: string, lines = 3): string {
  return existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').slice(-lines).join(' / ') : '';
}
