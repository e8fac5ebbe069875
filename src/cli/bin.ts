#!/usr/bin/env node
import { main } from './main.js';

// A reader that stops early (`ovfpipe plan … | head`) is not an error: end quietly, as Unix tools do.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

process.exitCode = await main(process.argv.slice(2));
