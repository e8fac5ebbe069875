import type { Command } from 'commander';
import { OvfpipeError } from '../../diagnostics/errors.js';
import { EXIT, type CliIo } from '../io.js';

/** `ovfpipe agent start|stop|status` (src/cli/agent.ts; docs/agent.md). */
export function registerAgent(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const agent = program
    .command('agent')
    .description(
      'keep a process that runs apply, plan and destroy with its modules loaded and each host’s SSH connection and remote worker kept between runs (as ssh ControlPersist does); opt-in, exits by itself when idle (docs/agent.md)',
    );
  agent
    .command('start')
    .description('start the agent in the background (if none runs for this build); apply, plan and destroy then go through it')
    .option('--idle <seconds>', 'exit after this many seconds without a run', '600')
    .action(async (opts: { idle: string }) => {
      const idle = Number(opts.idle);
      if (!Number.isInteger(idle) || idle < 1 || idle > 7 * 86400) throw new OvfpipeError('OVFPIPE_USAGE', `--idle must be a whole number of seconds from 1 to 604800, got '${opts.idle}'`);
      const { startAgent } = await import('../agent-control.js');
      io.stdout.write(`${await startAgent(io.env, idle)}\n`);
    });
  agent
    .command('status')
    .description('say whether an agent runs for this build, its runs, connections and idle time (exit 1 if none)')
    .action(async () => {
      const { agentStatus } = await import('../agent-control.js');
      const s = await agentStatus(io.env);
      io.stdout.write(`${s.text}\n`);
      if (!s.running) setExit(EXIT.problems);
    });
  agent
    .command('stop')
    .description('stop the agent (runs in progress are stopped as by SIGTERM) and close its connections')
    .action(async () => {
      const { stopAgent } = await import('../agent-control.js');
      io.stdout.write(`${await stopAgent(io.env)}\n`);
    });
}
