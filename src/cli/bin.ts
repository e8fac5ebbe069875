#!/usr/bin/env node
/**
 * The `ovfpipe` command. `apply`, `plan` and `destroy` go to `ovfpipe agent`
 * when one runs for this build (agent-client.ts: nothing else is loaded for
 * that); `agent run` is the agent itself (agent.ts); everything else, and
 * every run without an agent, runs here (local.ts).
 */
import { viaAgent } from './agent-client.js';

const argv = process.argv.slice(2);
const handed = await viaAgent(argv);
if (argv[0] === 'agent' && argv[1] === 'run') {
  // The agent itself, in the foreground (what `ovfpipe agent start` runs detached): `agent run [--idle SECONDS]`.
  const idle = argv[2] === '--idle' ? Number(argv[3]) : 600;
  if (!Number.isInteger(idle) || idle < 1 || argv.length > (argv[2] === '--idle' ? 4 : 2)) {
    process.stderr.write('usage: ovfpipe agent run [--idle SECONDS]\n');
    process.exitCode = 2;
  } else {
    const { runAgent } = await import('./agent.js');
    await runAgent({ env: process.env, idleMs: idle * 1000 });
  }
} else if (handed !== undefined) {
  // A reader that stops early (`ovfpipe plan … | head`) is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(handed);
    throw e;
  });
  process.exitCode = handed;
} else {
  const { runLocal } = await import('./local.js');
  await runLocal(argv);
}
