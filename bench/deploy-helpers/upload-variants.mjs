// Where the remote sha256 of a verified upload is best computed, measured
// (docs/deploy-benchmark.md, "Issue #17, backing mode: the 2× target"): each
// round sends the same file once per variant, alternating, to one sshd, and
// prints the wall time split into stream (first → last byte read) and tail
// (last byte read → remote script done). Variants:
//   after-write    put() as shipped: `cat`, then `openssl dgst` ‖ `sync FILE`
//   tee            put() with remoteHash 'while-writing' (tee into openssl)
//   follow         `cat` in the background; `tail -f --pid` follows the file
//                  being written into openssl (no second copy of the stream
//                  through tee); then `sync FILE`
//   follow+wb      follow, and a background `sync -d FILE` every 0.25 s while
//                  `cat` writes (early writeback), so the final fsync is small
//   follow-nice    follow with the follower and openssl at nice 19 (they take
//                  only idle CPU while the stream runs)
// Every variant compares the digest with the expected one and fsyncs the file;
// none renames anything into place (the file is removed after each round).
// RATE_MIBS=N in the environment throttles the local read to N MiB/s, to
// stand for a link slower than the CPUs (110 ≈ 1 GbE).
// Usage: node upload-variants.mjs ROOT HOST KEY KNOWN_HOSTS FILE SHA256 REMOTE_DIR ROUNDS [VARIANT...]
import { createReadStream, statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Transform } from 'node:stream';
import { pathToFileURL } from 'node:url';

const [root, host, key, knownHosts, file, sha, dir, rounds = '3', ...picked] = process.argv.slice(2);
const dist = (p) => import(pathToFileURL(`${root}/dist/${p}`).href);
const { hostConnector } = await dist('deploy/connect.js');
const { remoteCommand } = await dist('deploy/ssh/quote.js');
const rate = Number(process.env.RATE_MIBS ?? 0);

function source() {
  const src = createReadStream(file, { highWaterMark: 1 << 20 });
  if (!rate) return src;
  const t0 = performance.now();
  let n = 0;
  const out = new Transform({
    transform(chunk, _enc, cb) {
      n += chunk.length;
      const wait = t0 + (n / (rate * 1048576)) * 1000 - performance.now();
      if (wait > 0) setTimeout(() => cb(null, chunk), wait);
      else cb(null, chunk);
    },
  });
  src.once('error', (e) => out.destroy(e));
  return src.pipe(out);
}

// $1 file, $2 expected sha256. Exit 4 on a mismatch. The background `cat` reads the channel
// through fd 4: bash gives a background job /dev/null as stdin otherwise.
const FOLLOW = (hasher, writeback) =>
  [
    'set -o pipefail -C; umask 077; t=$1',
    'exec 3>"$t" 4<&0 || exit 1',
    'cat <&4 >&3 & cp=$!',
    writeback ? '{ while kill -0 "$cp" 2>/dev/null; do sync -d -- "$t"; sleep 0.25; done; } </dev/null >/dev/null 2>&1 & wb=$!' : 'wb=',
    `h=$(${hasher('tail -c +1 -s 0.05 --pid="$cp" -f -- "$t"')}) || exit 1`,
    'wait "$cp" || exit 1',
    'if [ -n "$wb" ]; then wait "$wb"; fi',
    'exec 3>&-',
    'sync -- "$t" || exit 1',
    'h=${h%% *}; echo "$h"; [ "$h" = "$2" ] || exit 4',
  ].join('\n');
const SCRIPTS = {
  follow: FOLLOW((follower) => `${follower} | openssl dgst -sha256 -r`, false),
  'follow+wb': FOLLOW((follower) => `${follower} | openssl dgst -sha256 -r`, true),
  'follow-nice': FOLLOW((follower) => `nice -n 19 ${follower} | nice -n 19 openssl dgst -sha256 -r`, false),
};

const t = await hostConnector({ identity: key, knownHosts })(host);

function viaScript(name, path) {
  return t.holdSlot(remoteCommand(['bash', '-c', SCRIPTS[name], 'ovfpipe-bench-upload', path, sha])).then(
    (channel) =>
      new Promise((resolve, reject) => {
        const data = source();
        let ended;
        let out = '';
        let err = '';
        let code;
        data.once('end', () => (ended = performance.now()));
        channel.on('data', (d) => (out += d));
        channel.stderr.on('data', (d) => (err += d));
        channel.on('exit', (c) => (code = c));
        channel.once('close', () => (code === 0 ? resolve(ended) : reject(new Error(`${name}: exit ${code}: ${out.trim()} ${err.trim()}`))));
        data.pipe(channel);
      }),
  );
}

async function viaPut(remoteHash, path) {
  const data = source();
  let ended;
  data.once('end', () => (ended = performance.now()));
  // As deploy calls it: after-write with `resume` (the partial's script), tee without (it cannot resume).
  const resume = remoteHash === 'after-write' ? { resume: { size: statSync(file).size, reopen: async () => source(), probe: false } } : {};
  await t.put(data, path, { expectedSha256: sha, remoteHash, image: { format: 'vmdk' }, ...resume });
  return ended;
}

const variants = picked.length ? picked : ['after-write', 'tee', 'follow', 'follow+wb', 'follow-nice'];
const results = Object.fromEntries(variants.map((v) => [v, []]));
try {
  for (let r = 1; r <= Number(rounds); r++) {
    for (const v of variants) {
      const path = `${dir}/upload-variant-${v.replace(/[^a-z-]/g, '')}.vmdk`;
      await t.exec(['sync']);
      await new Promise((res) => setTimeout(res, 500));
      const s = performance.now();
      const ended = v === 'after-write' || v === 'tee' ? await viaPut(v === 'tee' ? 'while-writing' : 'after-write', path) : await viaScript(v, path);
      const e = performance.now();
      await t.exec(['rm', '-f', '--', path]);
      const row = { round: r, seconds: +((e - s) / 1000).toFixed(3), stream: +((ended - s) / 1000).toFixed(3), tail: +((e - ended) / 1000).toFixed(3) };
      results[v].push(row);
      process.stderr.write(`round ${r} ${v}: ${row.seconds}s (stream ${row.stream}s, tail ${row.tail}s)\n`);
    }
  }
} finally {
  await t.close();
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const v of variants) {
  const rs = results[v];
  console.log(
    `${v.padEnd(12)} median ${median(rs.map((x) => x.seconds)).toFixed(3)}s (stream ${median(rs.map((x) => x.stream)).toFixed(3)}s, tail ${median(rs.map((x) => x.tail)).toFixed(3)}s)  all: ${rs.map((x) => x.seconds).join(' / ')}`,
  );
}
