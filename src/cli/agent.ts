/**
 * `ovfpipe agent`: a process that runs `apply`, `plan` and `destroy` for the
 * CLI (bin.ts hands them over when it finds the agent's socket) with its
 * modules loaded and each host's SSH connection and remote worker kept from
 * one run to the next (deploy/connection-pool.ts), as OpenSSH's
 * ControlPersist keeps a connection. A run through the agent is the same
 * run (the same main(), the caller's arguments, environment and working
 * directory; its output, reports and exit code), without the start-up, the
 * SSH handshake and the host's login shell (issue 19). Opt-in: nothing
 * starts one but `ovfpipe agent start`, and it exits by itself after
 * `--idle` seconds without a run.
 *
 * Runs whose working directories differ take turns (the process has one);
 * runs in the same directory go at once. A caller that goes away (its
 * process killed) stops its run as a SIGTERM would: unfinished VMs rolled
 * back. An error no run caught ends the agent: every run still going gets
 * exit 2, and the next CLI call runs by itself.
 */
import { listenSocket, makePrivateDir, type AgentConnection } from '../actions/agent-io.js';
import { ConnectionPool, setConnectionPool } from '../deploy/connection-pool.js';
import { agentSocket, lineReader, type AgentReply, type AgentRequest } from './agent-socket.js';
import { main, unexpectedErrorText } from './main.js';
import { EXIT } from './io.js';

export interface AgentOptions {
  env: Record<string, string | undefined>;
  /** Exit after this long without a run (default 600 s). */
  idleMs?: number;
}

interface Job {
  socket: AgentConnection;
  cwd: string;
  controller: AbortController;
}

export async function runAgent(opts: AgentOptions): Promise<void> {
  const { dir, path } = agentSocket(opts.env);
  const problem = makePrivateDir(dir);
  if (problem) throw new Error(`agent: ${problem}`);
  const pool = new ConnectionPool();
  setConnectionPool(pool);
  const idleMs = opts.idleMs ?? 600_000;
  const startedAt = new Date();
  const jobs = new Set<Job>();
  const waiting: Array<() => void> = [];
  let idle: NodeJS.Timeout | undefined;
  let lastRun = Date.now();

  const send = (socket: AgentConnection, m: AgentReply) => {
    if (!socket.destroyed) socket.write(`${JSON.stringify(m)}\n`);
  };
  let server: { close(): void } | undefined;
  const stop = async (code = 0) => {
    server?.close();
    for (const j of jobs) j.controller.abort('SIGTERM');
    await pool.closeAll();
    process.exit(code);
  };
  const armIdle = () => {
    if (idle) clearTimeout(idle);
    idle = setTimeout(() => {
      if (jobs.size === 0) void stop();
    }, idleMs);
    idle.unref?.();
  };
  // An error no run caught: the agent's state is unknown, so it ends (the CLI then runs by itself).
  const die = (e: unknown) => {
    process.stderr.write(`${new Date().toISOString()} ${unexpectedErrorText(e, '1')}\n`);
    for (const j of jobs) {
      send(j.socket, { t: 'err', d: `ovfpipe agent: internal error, the run was stopped: ${(e as Error).message ?? String(e)}\n` });
      send(j.socket, { t: 'exit', code: EXIT.usage });
      j.socket.end();
    }
    void stop(1);
  };
  // The agent's own handlers replace the CLI's (local.ts): a stray error or a signal ends the agent cleanly.
  for (const ev of ['uncaughtException', 'unhandledRejection', 'SIGTERM', 'SIGINT'] as const) process.removeAllListeners(ev);
  process.on('uncaughtException', die);
  process.on('unhandledRejection', die);
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());

  // One directory at a time: runs from another working directory wait for the current ones to end.
  const admit = async (cwd: string) => {
    while (jobs.size > 0 && [...jobs][0]!.cwd !== cwd) await new Promise<void>((r) => waiting.push(r));
    process.chdir(cwd);
  };

  function serve(socket: AgentConnection): void {
    let job: Job | undefined;
    const read = lineReader(
      (m) => void handle(m as AgentRequest),
      () => socket.destroy(),
      16 << 20,
    );
    socket.on('data', read);
    socket.on('error', () => undefined);
    // The caller went away: its run stops as a SIGTERM would stop it.
    socket.on('close', () => job?.controller.abort('SIGTERM'));

    async function handle(m: AgentRequest): Promise<void> {
      if (m.t === 'status') {
        send(socket, { t: 'status', pid: process.pid, jobs: jobs.size, connections: pool.size, idleSeconds: Math.round((Date.now() - lastRun) / 1000), startedAt: startedAt.toISOString() });
        socket.end();
        return;
      }
      if (m.t === 'stop') {
        socket.end();
        await stop();
        return;
      }
      if (m.t === 'signal') {
        job?.controller.abort(m.sig);
        return;
      }
      if (m.t !== 'run' || job !== undefined || !Array.isArray(m.argv) || typeof m.cwd !== 'string' || typeof m.env !== 'object' || m.env === null) {
        socket.destroy();
        return;
      }
      if (idle) clearTimeout(idle);
      await admit(m.cwd);
      job = { socket, cwd: m.cwd, controller: new AbortController() };
      jobs.add(job);
      let code: number;
      try {
        code = await main(m.argv.map(String), {
          stdout: { write: (s: string) => send(socket, { t: 'out', d: s }) },
          stderr: { write: (s: string) => send(socket, { t: 'err', d: s }) },
          env: m.env,
          cwd: m.cwd,
          signal: job.controller.signal,
        });
      } finally {
        jobs.delete(job);
        lastRun = Date.now();
        for (const w of waiting.splice(0)) w();
        if (jobs.size === 0) armIdle();
      }
      send(socket, { t: 'exit', code });
      socket.end();
    }
  }

  server = await listenSocket(path, serve);
  armIdle();
}
