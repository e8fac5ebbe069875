/**
 * The CLI's side of `ovfpipe agent` (agent.ts): bin.ts calls viaAgent before
 * loading the rest of ovfpipe, so a run the agent takes costs this process
 * little more than node's own start-up. It hands over the arguments, the
 * environment and the working directory, prints what the run prints, and
 * returns its exit code. undefined: no agent for this build (no socket, a
 * stale one, a directory open to others), and the caller runs by itself.
 *
 * Signals: the first SIGINT/SIGTERM goes to the run (it stops as it would
 * in this process: uploads cut, unfinished VMs rolled back, reports
 * written); a second one exits at once.
 */
import { connectSocket, dirProblem, socketExists } from '../actions/agent-io.js';
import { AGENT_COMMANDS, agentSocket, lineReader, type AgentReply } from './agent-socket.js';

export async function viaAgent(argv: readonly string[], env: Record<string, string | undefined> = process.env): Promise<number | undefined> {
  if (!AGENT_COMMANDS.has(argv[0] ?? '') || env['OVFPIPE_AGENT'] === '0') return undefined;
  const { dir, path } = agentSocket(env);
  if (dirProblem(dir) !== undefined || !socketExists(path)) return undefined;
  return new Promise<number | undefined>((resolve) => {
    const socket = connectSocket(path);
    let started = false;
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      signals++;
      if (signals > 1) process.exit(sig === 'SIGTERM' ? 143 : 130);
      socket.write(`${JSON.stringify({ t: 'signal', sig })}\n`);
    };
    const done = (code: number | undefined) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(code);
    };
    socket.once('error', () => {
      // Nothing sent yet (a stale socket, an agent that just exited): run here instead.
      if (!started) done(undefined);
    });
    socket.once('connect', () => {
      started = true;
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      socket.write(`${JSON.stringify({ t: 'run', argv, env, cwd: process.cwd() })}\n`);
    });
    let exit: number | undefined;
    socket.on(
      'data',
      lineReader(
        (m) => {
          const r = m as AgentReply;
          if (r.t === 'out') process.stdout.write(r.d);
          else if (r.t === 'err') process.stderr.write(r.d);
          else if (r.t === 'exit') exit = r.code;
        },
        () => undefined,
      ),
    );
    socket.once('close', () => {
      if (!started) return;
      if (exit === undefined) process.stderr.write('ovfpipe: the agent ended before the run did (see its log); run again, or with OVFPIPE_AGENT=0\n');
      done(exit ?? 2);
    });
  });
}
