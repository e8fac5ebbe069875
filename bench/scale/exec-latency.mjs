// The fixed cost of one remote command through ovfpipe's ssh2 Transport
// (dist/), on one connection: N sequential `true`, N at once (the Transport
// keeps at most 8 channels open), and N sequential `virsh -c URI version`.
// Usage: node exec-latency.mjs CODE_DIR ssh://user@host:port KEY KNOWN_HOSTS [N]
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const [code, host, key, knownHosts, n = '10'] = process.argv.slice(2);
const N = Number(n);
const { hostConnector } = await import(pathToFileURL(`${code}/dist/deploy/connect.js`).href);
const t0 = performance.now();
const t = await hostConnector({ identity: key, knownHosts })(host);
const connect = (performance.now() - t0) / 1000;
const ms = (s) => Math.round(s * 1000);
try {
  await t.exec(['true']);
  let s = performance.now();
  for (let i = 0; i < N; i++) await t.exec(['true']);
  const seq = (performance.now() - s) / 1000 / N;
  s = performance.now();
  await Promise.all(Array.from({ length: N }, () => t.exec(['true'])));
  const conc = (performance.now() - s) / 1000;
  s = performance.now();
  for (let i = 0; i < N; i++) await t.exec(['virsh', '-c', 'qemu:///system', 'version']);
  const virsh = (performance.now() - s) / 1000 / N;
  process.stdout.write(`connect ${ms(connect)} ms; \`true\` ${ms(seq)} ms each sequential, ${N} at once ${ms(conc)} ms; \`virsh -c qemu:///system version\` ${ms(virsh)} ms each sequential\n`);
} finally {
  await t.close();
}
