#!/usr/bin/env node
import { EXIT, processIo } from './io.js';
import { main } from './main.js';

// A reader that stops early (`ovfpipe plan … | head`) is not an error: end quietly, as Unix tools do.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

// First SIGINT/SIGTERM: abort (no new work, uploads cut with their partials kept, VMs not applied
// rolled back, reports written), then exit 130/143 from main. A second one exits at once.
const controller = new AbortController();
const onSignal = (sig: NodeJS.Signals) => {
  const code = sig === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
  if (controller.signal.aborted) process.exit(code);
  process.stderr.write(`ovfpipe: ${sig}: stopping; uploads are cut (kept to resume), unfinished VMs rolled back; ${sig === 'SIGTERM' ? 'again' : 'Ctrl-C again'} to exit at once\n`);
  controller.abort(sig);
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

process.exitCode = await main(process.argv.slice(2), processIo(controller.signal));
process.off('SIGINT', onSignal);
process.off('SIGTERM', onSignal);
