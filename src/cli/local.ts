/** The CLI run in this process (bin.ts, when no agent takes the run): handlers for errors, EPIPE and signals, then main(). */
import { EXIT, processIo } from './io.js';
import { main, unexpectedErrorText } from './main.js';

export async function runLocal(argv: readonly string[]): Promise<void> {
  // An error no command caught (a stream's late 'error', a stray rejection) ends the run with one line and exit 2,
  // not a Node stack trace: the stack only with OVFPIPE_DEBUG=1.
  const die = (e: unknown) => {
    process.stderr.write(`${unexpectedErrorText(e, process.env['OVFPIPE_DEBUG'])}\n`);
    process.exit(EXIT.usage);
  };
  process.on('uncaughtException', die);
  process.on('unhandledRejection', die);

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

  process.exitCode = await main(argv, processIo(controller.signal));
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}
