/**
 * Verified, atomic uploads against a real sshd: digests, atomic rename,
 * nothing left behind on failure — including the sshd dying mid-upload.
 * The pretend host shares this machine's filesystem, so results are read locally.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTemps, putFile, SMALL_PUT_BYTES } from '../../src/deploy/ssh/put.js';
import { connectSsh, type SshTransport } from '../../src/deploy/ssh/ssh-transport.js';
import type { SshTarget } from '../../src/deploy/ssh/config.js';
import { rejection } from '../helpers/rejection.js';
import { type SshdCluster, startSshds } from './sshd.js';

const cluster: SshdCluster | undefined = await startSshds(2);
const describeSsh = cluster ? describe : describe.skip;
const MiB = 1 << 20;

const target = (i: number): SshTarget => cluster!.target(i);

/** `size` bytes of pseudo-random data, produced as it is read (memory stays flat). */
function generated(size: number, seed = 1): Readable {
  const block = randomBytes(MiB);
  let sent = 0;
  return Readable.from(
    (function* () {
      for (let i = 0; sent < size; i++) {
        const n = Math.min(MiB, size - sent);
        const chunk = Buffer.from(block.subarray(0, n));
        chunk.writeUInt32BE(i ^ seed, 0);
        sent += n;
        yield chunk;
      }
    })(),
    { objectMode: false },
  );
}

const temps = (dir: string) => readdirSync(dir).filter((n) => n.includes('.ovfpipe-tmp-'));

describeSsh('put over a real sshd', () => {
  const open: SshTransport[] = [];
  const connect = async (i: number) => {
    const t = await connectSsh(target(i));
    open.push(t);
    return t;
  };
  const store = (name: string) => {
    const dir = join(cluster!.root, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  };
  afterAll(async () => {
    for (const t of open) await t.close();
    await cluster?.stopAll();
  });

  it('uploads a 64 MiB file verified: local and remote sha256 equal, file in place, no temp left', async () => {
    const dir = store('put-64');
    const local = join(dir, 'source.bin');
    writeFileSync(local, randomBytes(64 * MiB));
    const t = await connect(0);
    const progress: number[] = [];
    const r = await putFile(t, local, join(dir, 'image.qcow2'), { onProgress: (n) => progress.push(n) });
    const expected = createHash('sha256').update(readFileSync(local)).digest('hex');
    expect(r).toEqual({ bytes: 64 * MiB, sha256: expected, remoteSha256: expected });
    expect(
      createHash('sha256')
        .update(readFileSync(join(dir, 'image.qcow2')))
        .digest('hex'),
    ).toBe(expected);
    expect(progress.at(-1)).toBe(64 * MiB);
    expect(temps(dir)).toEqual([]);
    // umask 077 by default; `mode` sets the final permissions before the rename.
    expect(statSync(join(dir, 'image.qcow2')).mode & 0o777).toBe(0o600);
    await t.put(Readable.from([Buffer.from('hello\n')]), join(dir, 'readable.txt'), { mode: 0o644, expectedSha256: createHash('sha256').update('hello\n').digest('hex') });
    expect(statSync(join(dir, 'readable.txt')).mode & 0o777).toBe(0o644);
  });

  it('hashes while writing (tee) when asked, with or without fsync', async () => {
    const dir = store('put-tee');
    const t = await connect(0);
    for (const durable of [true, false]) {
      const path = join(dir, `tee-${durable}.img`);
      const r = await t.put(generated(16 * MiB, durable ? 7 : 8), path, { remoteHash: 'while-writing', durable, mode: 0o640 });
      expect(r.remoteSha256).toBe(r.sha256);
      expect(createHash('sha256').update(readFileSync(path)).digest('hex')).toBe(r.sha256);
      expect(statSync(path).mode & 0o777).toBe(0o640);
    }
    expect(temps(dir)).toEqual([]);
  });

  it('replaces an existing file atomically and handles names with shell metacharacters', async () => {
    const dir = store("odd name; $(touch pwned) 'q'");
    const path = join(dir, 'a b*.img');
    writeFileSync(path, 'old');
    const t = await connect(0);
    await t.put(generated(3 * MiB), path);
    expect(statSync(path).size).toBe(3 * MiB);
    expect(readdirSync(dir).sort()).toEqual(['a b*.img']);
    expect(existsSync(join(cluster!.root, 'pwned'))).toBe(false);
  });

  it('refuses data whose sha256 is not the expected one and leaves nothing behind', async () => {
    const dir = store('put-expected');
    const t = await connect(0);
    const err = await rejection(t.put(generated(8 * MiB), join(dir, 'image.qcow2'), { expectedSha256: '0'.repeat(64) }));
    expect(err.code).toBe('OVFPIPE_DIGEST');
    expect(err.message).toMatch(/expected 0{64}; nothing was installed/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('converts straight from the verified upload: only the qcow2 lands, the raw upload is gone', async () => {
    const dir = store('put-convert');
    const work = store('put-convert-src');
    const raw = join(work, 'disk.raw');
    writeFileSync(raw, randomBytes(8 * MiB));
    const vmdk = join(work, 'disk.vmdk');
    execFileSync('qemu-img', ['convert', '-q', '-f', 'raw', '-O', 'vmdk', '-o', 'subformat=streamOptimized', raw, vmdk]);
    const sha = createHash('sha256').update(readFileSync(vmdk)).digest('hex');
    const t = await connect(0);
    // The remote script checks the digest and renames itself (one round trip) …
    const r = await putFile(t, vmdk, join(dir, `${sha}.qcow2`), { expectedSha256: sha, convert: { from: 'vmdk' } });
    expect(r).toEqual({ bytes: statSync(vmdk).size, sha256: sha, remoteSha256: sha });
    // … and without an expected digest this side compares and a second exec renames.
    const r2 = await putFile(t, vmdk, join(dir, 'second.qcow2'), { convert: { from: 'vmdk' } });
    expect(r2.sha256).toBe(sha);
    expect(readdirSync(dir).sort()).toEqual([`${sha}.qcow2`, 'second.qcow2']);
    for (const f of readdirSync(dir)) {
      expect(JSON.parse(execFileSync('qemu-img', ['info', '--output=json', join(dir, f)], { encoding: 'utf8' })).format).toBe('qcow2');
      execFileSync('qemu-img', ['compare', '-q', '-f', 'raw', '-F', 'qcow2', raw, join(dir, f)]);
      expect(statSync(join(dir, f)).mode & 0o777).toBe(0o600);
    }
  });

  it('sends a small image of known size through the worker: no session of its own, verified, converted, refused as a large one is', async () => {
    const dir = store('put-small');
    const work = store('put-small-src');
    const raw = join(work, 'disk.raw');
    writeFileSync(raw, randomBytes(2 * MiB));
    const vmdk = join(work, 'disk.vmdk');
    execFileSync('qemu-img', ['convert', '-q', '-f', 'raw', '-O', 'vmdk', '-o', 'subformat=streamOptimized', raw, vmdk]);
    const size = statSync(vmdk).size;
    expect(size).toBeLessThanOrEqual(SMALL_PUT_BYTES);
    const sha = createHash('sha256').update(readFileSync(vmdk)).digest('hex');
    const t = await connect(0);
    await t.exec(['true']);
    const before = t.usage().sessions;
    const resume = { size, probe: false, reopen: async () => createReadStream(vmdk) };
    const r = await t.put(createReadStream(vmdk), join(dir, `${sha}.qcow2`), { expectedSha256: sha, convert: { from: 'vmdk' }, resume });
    expect(r).toEqual({ bytes: size, sha256: sha, remoteSha256: sha });
    execFileSync('qemu-img', ['compare', '-q', '-f', 'raw', '-F', 'qcow2', raw, join(dir, `${sha}.qcow2`)]);
    const kept = await t.put(createReadStream(vmdk), join(dir, `${sha}.vmdk`), { expectedSha256: sha, image: { format: 'vmdk' }, resume });
    expect(kept.bytes).toBe(size);
    expect(readFileSync(join(dir, `${sha}.vmdk`)).equals(readFileSync(vmdk))).toBe(true);
    // No session was opened for either: both ran in the connection's worker.
    expect(t.usage().sessions).toBe(before);
    const wrong = await rejection(t.put(createReadStream(vmdk), join(dir, 'wrong.qcow2'), { expectedSha256: 'e'.repeat(64), convert: { from: 'vmdk' }, resume }));
    expect(wrong.code).toBe('OVFPIPE_DIGEST');
    expect(wrong.message).toMatch(/expected e{64}; nothing was installed/);
    // A source longer than its listed size is never buffered past it.
    const long = await rejection(t.put(generated(3 * MiB), join(dir, 'long.raw'), { expectedSha256: sha, resume: { size: 2 * MiB, probe: false, reopen: async () => generated(1) } }));
    expect(long.code).toBe('OVFPIPE_IO');
    expect(readdirSync(dir).sort()).toEqual([`${sha}.qcow2`, `${sha}.vmdk`]);
  });

  it('refuses a conversion whose digest or source is wrong and leaves nothing behind', async () => {
    const dir = store('put-convert-bad');
    const t = await connect(0);
    const digest = await rejection(t.put(generated(4 * MiB), join(dir, 'a.qcow2'), { expectedSha256: 'f'.repeat(64), convert: { from: 'raw' } }));
    expect(digest.code).toBe('OVFPIPE_DIGEST');
    expect(digest.message).toMatch(/expected f{64}; nothing was installed/);
    const notVmdk = await rejection(t.put(generated(4 * MiB), join(dir, 'b.qcow2'), { convert: { from: 'vmdk' } }));
    expect(notVmdk.code).toBe('OVFPIPE_REMOTE');
    expect(notVmdk.message).toMatch(/qemu-img cannot read the upload as vmdk/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a disk image that would pull a host file into the VM, and leaves nothing behind', async () => {
    const dir = store('put-image-refs');
    const work = store('put-image-refs-src');
    const secret = join(work, 'host-secret.raw');
    writeFileSync(secret, 'host data that must not reach a VM\n'.repeat(4096));
    // A qcow2 whose backing file is a host file.
    const backed = join(work, 'backed.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', secret, backed]);
    // A vmdk text descriptor whose extent is a host file.
    const descriptor = join(work, 'descriptor.vmdk');
    writeFileSync(descriptor, `# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType="monolithicFlat"\nRW 256 FLAT "${secret}" 0\nddb.adapterType = "ide"\n`);
    // A qcow2 with an external data file.
    const dataFile = join(work, 'data-file.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-o', `data_file=${secret},data_file_raw=on`, dataFile, '128K']);
    const t = await connect(0);
    const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
    for (const [file, opts] of [
      [backed, { image: { format: 'qcow2' } }],
      [backed, { convert: { from: 'qcow2' } }],
      [descriptor, { convert: { from: 'vmdk' } }],
      [dataFile, { image: { format: 'qcow2' } }],
    ] as const) {
      const err = await rejection(putFile(t, file, join(dir, `${sha(file)}.qcow2`), { expectedSha256: sha(file), ...opts }));
      expect(err.code).toBe('OVFPIPE_PACKAGE');
      expect(err.message).toMatch(/refused; nothing was installed/);
    }
    expect(readdirSync(dir)).toEqual([]);
    // A plain qcow2 is taken as it is.
    const plain = join(work, 'plain.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', plain, '1M']);
    await putFile(t, plain, join(dir, 'plain.qcow2'), { expectedSha256: sha(plain), image: { format: 'qcow2' } });
    expect(readdirSync(dir)).toEqual(['plain.qcow2']);
  });

  it('fails cleanly when the remote write fails, and when the source stream errors', async () => {
    const dir = store('put-fail');
    const t = await connect(0);
    const missing = await rejection(t.put(generated(MiB), join(dir, 'no-such-dir', 'x')));
    expect(missing.code).toBe('OVFPIPE_REMOTE');
    expect(missing.message).toMatch(/No such file or directory/);
    const broken = new Readable({ read() {} });
    broken.push(Buffer.alloc(MiB));
    setTimeout(() => broken.destroy(new Error('disk read error')), 50);
    const err = await rejection(t.put(broken, join(dir, 'x')));
    expect(err.code).toBe('OVFPIPE_IO');
    expect(err.message).toMatch(/disk read error/);
    expect(readdirSync(dir)).toEqual([]);
    expect((await t.exec(['echo', 'ok'])).stdout).toBe('ok\n');
  });

  it('rejects promptly when the sshd dies mid-upload; after a restart cleanupTemps removes the leftover', async () => {
    const c = cluster!;
    const dir = store('put-killed');
    const dest = join(dir, 'big.img');
    const t = await connect(1);
    let killedAt = 0;
    let stopping: Promise<void> | undefined;
    const err = await rejection(
      t.put(generated(512 * MiB), dest, {
        onProgress: (n) => {
          if (n >= 50 * MiB && !stopping) {
            killedAt = Date.now();
            stopping = c.stop(1);
          }
        },
      }),
    );
    const rejectedAfterMs = Date.now() - killedAt;
    await stopping;
    expect(killedAt).toBeGreaterThan(0);
    expect(err.code).toBe('OVFPIPE_SSH_CONNECT');
    expect(err.message).toMatch(/upload of .*big\.img failed after \d+ bytes: connection lost/);
    expect(rejectedAfterMs).toBeLessThan(3_000);
    expect(t.alive).toBe(false);
    expect(existsSync(dest)).toBe(false);
    // The dead connection could not remove its temp file; the next run does.
    const leftover = temps(dir);
    expect(leftover).toHaveLength(1);
    await c.start(1);
    const again = await connect(1);
    // A fresh temp may belong to an upload still running elsewhere: the default age limit keeps it.
    expect(await cleanupTemps(again, dir)).toEqual([]);
    const removed = await again.cleanupTemps(dir, { olderThanMs: 0 });
    expect(removed).toEqual([join(dir, leftover[0]!)]);
    expect(temps(dir)).toEqual([]);
    expect(existsSync(dest)).toBe(false);
    console.log(`sshd killed at 50 MiB: put rejected ${rejectedAfterMs} ms later; cleanupTemps removed ${JSON.stringify(removed)}`);
  });
});
