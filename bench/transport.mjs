#!/usr/bin/env node
// One upload to a loopback sshd, printing JSON {mode, bytes, seconds, mibPerSecond, maxRssMiB, ...}.
// Modes:
//   put             ovfpipe's Transport.put (verified, atomic; durable = fsync before/after the rename)
//   put-nosync      the same with durable:false (what the unverified baselines do: no fsync)
//   put-tee         put with remoteHash 'while-writing' (tee | openssl while the file is written)
//   put-tee-nosync  the same with durable:false
//   exec-cat     ssh2 exec `cat > f`, piped, setNoDelay — the raw stream, no verification
//   fastput      ssh2 SFTP fastPut, chunkSize 261120 (internal-sftp's max write), concurrency 64
// Usage: node bench/transport.mjs MODE PORT KEY KNOWN_HOSTS LOCAL_FILE REMOTE_PATH
import { createReadStream, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { connect as netConnect } from 'node:net';
import ssh2 from 'ssh2';
import { connectSsh } from '../dist/deploy/ssh/ssh-transport.js';
import { putFile } from '../dist/deploy/ssh/put.js';

const [mode, port, key, knownHosts, local, remote] = process.argv.slice(2);
if (!remote) {
  console.error('usage: node bench/transport.mjs put|put-nosync|put-tee|put-tee-nosync|exec-cat|fastput PORT KEY KNOWN_HOSTS LOCAL REMOTE');
  process.exit(2);
}
const bytes = statSync(local).size;

async function rawClient() {
  const sock = netConnect({ host: '127.0.0.1', port: Number(port) });
  sock.setNoDelay(true);
  const client = new ssh2.Client();
  const privateKey = await readFile(key);
  await new Promise((resolve, reject) => client.once('ready', resolve).once('error', reject).connect({ sock, username: 'root', privateKey }));
  return client;
}

const runs = {
  async put(durable = true, remoteHash = 'after-write') {
    const t = await connectSsh({ host: '127.0.0.1', port: Number(port), user: 'root', identity: key, knownHostsFile: knownHosts, agent: '' });
    const t0 = process.hrtime.bigint();
    const r = await putFile(t, local, remote, { durable, remoteHash });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    await t.close();
    return { seconds, verified: r.sha256 === r.remoteSha256 };
  },
  'put-nosync': () => runs.put(false),
  'put-tee': () => runs.put(true, 'while-writing'),
  'put-tee-nosync': () => runs.put(false, 'while-writing'),
  async 'exec-cat'() {
    const c = await rawClient();
    const t0 = process.hrtime.bigint();
    await new Promise((resolve, reject) =>
      c.exec(`cat > '${remote}'`, (err, ch) => {
        if (err) return reject(err);
        ch.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`))));
        // Drain the output: ssh2 emits 'close' only after the readable side has ended.
        ch.resume();
        ch.stderr.resume();
        createReadStream(local, { highWaterMark: 1 << 20 }).pipe(ch);
      }),
    );
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    c.end();
    return { seconds, verified: false };
  },
  async fastput() {
    const c = await rawClient();
    const t0 = process.hrtime.bigint();
    await new Promise((resolve, reject) =>
      c.sftp((err, sftp) => {
        if (err) return reject(err);
        // Watch 'close' too: a channel that dies makes fastPut never call back (TEST-INFRA).
        sftp.once('close', () => reject(new Error('sftp channel closed')));
        sftp.fastPut(local, remote, { chunkSize: 261120, concurrency: 64 }, (e) => (e ? reject(e) : resolve()));
      }),
    );
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    c.end();
    return { seconds, verified: false };
  },
};

if (!runs[mode]) {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
const r = await runs[mode]();
console.log(
  JSON.stringify({
    mode,
    bytes,
    seconds: Number(r.seconds.toFixed(3)),
    mibPerSecond: Number((bytes / 1048576 / r.seconds).toFixed(1)),
    maxRssMiB: Number((process.resourceUsage().maxRSS / 1024).toFixed(1)),
    verified: r.verified,
  }),
);
