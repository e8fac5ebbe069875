/** `ovfpipe agent start|stop|status`: the agent's life from the outside (agent.ts is the agent itself). */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectSocket, logTail, makePrivateDir, socketExists, spawnDetached } from '../actions/agent-io.js';
import { OvfpipeError } from '../diagnostics/errors.js';
import { agentSocket, lineReader, type AgentReply, type AgentRequest } from './agent-socket.js';

/** Sends one request; the agent's one reply, or undefined when no agent answers. */
function ask(path: string, req: AgentRequest, timeoutMs = 5_000): Promise<AgentReply | undefined> {
  return new Promise((resolve) => {
    if (!socketExists(path)) return resolve(undefined);
    const socket = connectSocket(path);
    let reply: AgentReply | undefined;
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on('error', () => undefined);
    socket.once('connect', () => socket.write(`${JSON.stringify(req)}\n`));
    socket.on(
      'data',
      lineReader(
        (m) => (reply ??= m as AgentReply),
        () => undefined,
      ),
    );
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(reply);
    });
  });
}

const where = agentSocket;

export async function agentStatus(env: Record<string, string | undefined>): Promise<{ running: boolean; text: string }> {
  const { path } = where(env);
  const r = await ask(path, { t: 'status' });
  if (r?.t !== 'status') return { running: false, text: `no agent for this build (${path})` };
  return { running: true, text: `agent pid ${r.pid}, started ${r.startedAt}, ${r.jobs} run(s) now, ${r.connections} host connection(s) kept, idle ${r.idleSeconds} s; socket ${path}` };
}

export async function startAgent(env: Record<string, string | undefined>, idleSeconds: number): Promise<string> {
  const { dir } = where(env);
  const running = await agentStatus(env);
  if (running.running) return running.text;
  const problem = makePrivateDir(dir);
  if (problem) throw new OvfpipeError('OVFPIPE_USAGE', `cannot start the agent: ${problem}`);
  const log = join(dir, 'agent.log');
  const child = spawnDetached(fileURLToPath(new URL('./bin.js', import.meta.url)), ['agent', 'run', '--idle', String(idleSeconds)], { ...env, OVFPIPE_AGENT: '0' }, log);
  for (let i = 0; i < 100; i++) {
    const s = await agentStatus(env);
    if (s.running) return `${s.text}; log ${log}`;
    if (child.exited()) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const tail = logTail(log);
  throw new OvfpipeError('OVFPIPE_USAGE', `the agent did not start${tail ? `: ${tail}` : ''} (log ${log})`);
}

export async function stopAgent(env: Record<string, string | undefined>): Promise<string> {
  const { path } = where(env);
  const s = await agentStatus(env);
  if (!s.running) return s.text;
  await ask(path, { t: 'stop' });
  for (let i = 0; i < 100 && socketExists(path); i++) await new Promise((r) => setTimeout(r, 50));
  return socketExists(path) ? `asked the agent to stop; its socket is still there (${path})` : 'agent stopped';
}
