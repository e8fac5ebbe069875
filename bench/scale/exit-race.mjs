// Does ovfpipe's Transport lose the exit status of short commands run
// concurrently on one connection? runExec (src/deploy/ssh/exec.ts) attaches
// its 'exit' listener after `await openExecChannel(...)`; when ssh2 parses the
// exec request's reply and the command's exit-status in one read, it emits
// 'exit' before that listener exists, and the exec fails with "connection lost
// while running … (no exit status)". Reproduces only when remote commands are
// fast (here: the sshd skips root's ~/.bashrc), which is the normal case on a
// real host.
// Usage: node exit-race.mjs CODE_DIR ssh://user@host:port KEY KNOWN_HOSTS [ROUNDS] [AT_ONCE]
import { pathToFileURL } from 'node:url';

const [code, host, key, knownHosts, rounds = '10', atOnce = '4'] = process.argv.slice(2);
const { hostConnector } = await import(pathToFileURL(`${code}/dist/deploy/connect.js`).href);
const t = await hostConnector({ identity: key, knownHosts })(host);
const tally = { sequential: { ok: 0, lost: 0 }, concurrent: { ok: 0, lost: 0 } };
const one = async (k) => {
  try {
    await t.exec(['true']);
    tally[k].ok++;
  } catch (e) {
    if (!/no exit status/.test(e.message)) throw e;
    tally[k].lost++;
  }
};
try {
  for (let i = 0; i < Number(rounds) * Number(atOnce); i++) await one('sequential');
  for (let i = 0; i < Number(rounds); i++) await Promise.all(Array.from({ length: Number(atOnce) }, () => one('concurrent')));
  const n = Number(rounds) * Number(atOnce);
  process.stdout.write(` \`true\` ×${n} one at a time: ${tally.sequential.lost} lost exit status; ${rounds} rounds of ${atOnce} at once: ${tally.concurrent.lost} of ${n} lost exit status\n`);
} finally {
  await t.close();
}
