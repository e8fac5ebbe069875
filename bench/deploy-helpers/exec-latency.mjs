// The fixed cost of one remote command through ovfpipe's ssh2 Transport
// (dist/), on one connection: N sequential `true` execs, then N at once
// (the Transport allows 8 channels in flight). Also the connect itself, and what
// a new exec session (as an upload opens) costs until its script reads stdin:
// sshd starts the user's login shell for it (root's ~/.bashrc here).
// Usage: node exec-latency.mjs ROOT HOST KEY KNOWN_HOSTS [N]
// Prints one JSON object on stdout.
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const [root, host, key, knownHosts, n = '10'] = process.argv.slice(2);
const N = Number(n);
const { hostConnector } = await import(pathToFileURL(`${root}/dist/deploy/connect.js`).href);
const { remoteCommand } = await import(pathToFileURL(`${root}/dist/deploy/ssh/quote.js`).href);
const t0 = performance.now();
const t = await hostConnector({ identity: key, knownHosts })(host);
const connect = (performance.now() - t0) / 1000;
try {
  await t.exec(['true']); // warm
  let s = performance.now();
  for (let i = 0; i < N; i++) await t.exec(['true']);
  const sequential = (performance.now() - s) / 1000 / N;
  s = performance.now();
  // allSettled: with fast commands, concurrent execs can lose their exit status (see
  // docs/deploy-benchmark.md, "A transport bug found on the way"); counted, not fatal here.
  const settled = await Promise.allSettled(Array.from({ length: N }, () => t.exec(['true'])));
  const concurrentTotal = (performance.now() - s) / 1000;
  const failed = settled.filter((r) => r.status === 'rejected');
  const concurrent = { execs: N, seconds: +concurrentTotal.toFixed(3), failed: failed.length, ...(failed.length ? { firstError: String(failed[0].reason?.message ?? failed[0].reason) } : {}) };
  // A new session: channel open → the script answers the first byte it reads (best of 3).
  let newSession = Infinity;
  for (let i = 0; i < 3; i++) {
    s = performance.now();
    const ch = await t.holdSlot(remoteCommand(['bash', '-c', 'head -c 1 >/dev/null && echo go', 'ovfpipe-bench-session']));
    const closed = new Promise((resolve) => ch.once('close', resolve));
    await new Promise((resolve) => {
      ch.once('data', resolve);
      ch.end(Buffer.alloc(1));
    });
    newSession = Math.min(newSession, (performance.now() - s) / 1000);
    await closed;
  }
  process.stdout.write(`${JSON.stringify({ connect: +connect.toFixed(3), sequentialPerExec: +sequential.toFixed(3), concurrent, newSessionUntilStdinRead: +newSession.toFixed(3) })}\n`);
} finally {
  await t.close();
}
