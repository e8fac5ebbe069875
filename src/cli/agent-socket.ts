/**
 * `ovfpipe agent`'s protocol and where it listens, shared by the agent and
 * the CLI's client side (bin.ts), which loads it before anything else. The
 * socket is in a directory only its user may enter (0700, owned by them):
 * whoever reaches it runs ovfpipe with that user's SSH keys and connections.
 * Its name carries the build it serves (version and the build's own files),
 * so a rebuilt or upgraded ovfpipe never talks to an agent running older
 * code: it finds no socket and runs by itself until that agent idles out.
 */
import { VERSION } from '../version.js';
import { agentDir, socketPath } from '../actions/agent-io.js';

/** The agent's directory and the socket of the agent for this build (actions/agent-io.ts). */
export function agentSocket(env: Record<string, string | undefined>): { dir: string; path: string } {
  const dir = agentDir(env);
  return { dir, path: socketPath(dir, VERSION, new URL('./main.js', import.meta.url)) };
}

/** Commands an agent runs; every other command always runs in the process that was started. */
export const AGENT_COMMANDS: ReadonlySet<string> = new Set(['apply', 'plan', 'destroy']);

/** One message of the agent's protocol: a line of JSON each way. */
export type AgentRequest = { t: 'run'; argv: string[]; env: Record<string, string | undefined>; cwd: string } | { t: 'signal'; sig: 'SIGINT' | 'SIGTERM' } | { t: 'status' } | { t: 'stop' };
export type AgentReply =
  | { t: 'out'; d: string }
  | { t: 'err'; d: string }
  | { t: 'exit'; code: number }
  | { t: 'status'; pid: number; jobs: number; connections: number; idleSeconds: number; startedAt: string };

/**
 * Splits a stream of lines of JSON; calls `on` for each parsed message, `bad` for a line that is not one
 * or that grows past `maxLine` characters. Each chunk is searched once (a long line costs linear time).
 */
export function lineReader(on: (m: unknown) => void, bad: (line: string) => void, maxLine = 64 << 20): (chunk: Buffer | string) => void {
  let parts: string[] = [];
  let held = 0;
  return (chunk) => {
    let text = chunk.toString();
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n')) {
      const line = parts.join('') + text.slice(0, i);
      parts = [];
      held = 0;
      text = text.slice(i + 1);
      if (line === '') continue;
      let m: unknown;
      try {
        m = JSON.parse(line);
      } catch {
        bad(line.slice(0, 200));
        continue;
      }
      on(m);
    }
    if (text !== '') {
      parts.push(text);
      held += text.length;
      if (held > maxLine) {
        bad(`${parts.join('').slice(0, 200)}… (a line over ${maxLine} characters)`);
        parts = [];
        held = 0;
      }
    }
  };
}
