/**
 * Resumable uploads against a real sshd: a cut transfer keeps its partial
 * under a name carrying the expected sha256, the next put checks the prefix on
 * both sides and appends; foreign, other-member and stale partials are never
 * continued; a full disk fails with "no space" and removes the partial.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { PARTIAL_MARKER } from '../../src/deploy/ssh/put.js';
import { connectSsh, type SshTransport } from '../../src/deploy/ssh/ssh-transport.js';
import { rejection } from '../helpers/rejection.js';
import { type SshdCluster, startSshds } from './sshd.js';

const cluster: SshdCluster | undefined = await startSshds(1);
const describeSsh = cluster ? describe : describe.skip;
const MiB = 1 << 20;

describeSsh('resumable put over a real sshd', () => {
  const open: SshTransport[] = [];
  const connect = async () => {
    const t = await connectSsh(cluster!.target(0));
    open.push(t);
    return t;
  };
  const store = (name: string) => {
    const dir = join(cluster!.root, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  };
  const source = (dir: string, size: number) => {
    const local = join(dir, 'source.bin');
    writeFileSync(local, randomBytes(size));
    return { local, sha: createHash('sha256').update(readFileSync(local)).digest('hex'), size };
  };
  const stream = (path: string) => createReadStream(path, { highWaterMark: MiB });
  /** The file as a stream of 1 MiB chunks, one every 40 ms: an upload that lasts long enough for another host to meet it. */
  const slowly = (path: string) =>
    Readable.from(
      (async function* () {
        for await (const chunk of stream(path)) {
          await new Promise((r) => setTimeout(r, 40));
          yield chunk as Buffer;
        }
      })(),
    );
  const partials = (dir: string) => readdirSync(dir).filter((n) => n.includes(PARTIAL_MARKER));
  afterAll(async () => {
    for (const t of open) await t.close();
    await cluster?.stopAll();
  });

  it('an aborted upload keeps its partial; the next put resumes it, sends only the rest, and installs the right bytes', async () => {
    const dir = store('resume-abort');
    const src = source(dir, 48 * MiB);
    const dest = join(dir, 'image.raw');
    const t = await connect();
    const ac = new AbortController();
    const err = await rejection(
      t.put(stream(src.local), dest, {
        expectedSha256: src.sha,
        resume: { size: src.size, reopen: async () => stream(src.local) },
        signal: ac.signal,
        onProgress: (n) => {
          if (n >= 20 * MiB) ac.abort('SIGINT');
        },
      }),
    );
    expect(err.code).toBe('OVFPIPE_INTERRUPTED');
    expect(existsSync(dest)).toBe(false);
    // The remote script notices the short stream and keeps the partial; give it a moment to finish.
    for (let i = 0; i < 50 && partials(dir).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(partials(dir)).toEqual([`image.raw${PARTIAL_MARKER}${src.sha}`]);
    const kept = statSync(join(dir, partials(dir)[0]!)).size;
    expect(kept).toBeGreaterThan(0);

    const r = await t.put(stream(src.local), dest, { expectedSha256: src.sha, resume: { size: src.size, reopen: async () => stream(src.local) } });
    expect(r.resumedAt).toBeGreaterThan(0);
    expect(r.resumedAt).toBeLessThanOrEqual(kept);
    expect(r.bytes).toBe(src.size - r.resumedAt!);
    expect(r.remoteSha256).toBe(src.sha);
    expect(createHash('sha256').update(readFileSync(dest)).digest('hex')).toBe(src.sha);
    expect(partials(dir)).toEqual([]);
    console.log(`aborted at ~20 MiB: partial ${kept} bytes kept; resumed at ${r.resumedAt}, sent ${r.bytes} of ${src.size}`);
  });

  it('never appends to foreign bytes: a partial whose prefix differs is started over', async () => {
    const dir = store('resume-foreign');
    const src = source(dir, 8 * MiB);
    const dest = join(dir, 'image.raw');
    writeFileSync(`${dest}${PARTIAL_MARKER}${src.sha}`, randomBytes(3 * MiB));
    const t = await connect();
    let reopened = 0;
    const r = await t.put(stream(src.local), dest, {
      expectedSha256: src.sha,
      resume: {
        size: src.size,
        reopen: async () => {
          reopened++;
          return stream(src.local);
        },
      },
    });
    expect(reopened).toBe(1);
    expect(r.resumedAt).toBeUndefined();
    expect(r.bytes).toBe(src.size);
    expect(createHash('sha256').update(readFileSync(dest)).digest('hex')).toBe(src.sha);
    expect(partials(dir)).toEqual([]);
  });

  it('ignores the partial of another member (same path, other sha256) and removes stale partials', async () => {
    const dir = store('resume-other');
    const src = source(dir, 4 * MiB);
    const dest = join(dir, 'image.raw');
    const other = `${dest}${PARTIAL_MARKER}${'0'.repeat(64)}`;
    writeFileSync(other, readFileSync(src.local).subarray(0, MiB));
    // Our own partial, but untouched for two days: too old to trust, removed and started over.
    const stale = `${dest}${PARTIAL_MARKER}${src.sha}`;
    writeFileSync(stale, readFileSync(src.local).subarray(0, 2 * MiB));
    const old = new Date(Date.now() - 48 * 3600_000);
    utimesSync(stale, old, old);
    const t = await connect();
    const r = await t.put(stream(src.local), dest, { expectedSha256: src.sha, resume: { size: src.size, reopen: async () => stream(src.local) } });
    expect(r.resumedAt).toBeUndefined();
    expect(r.bytes).toBe(src.size);
    expect(createHash('sha256').update(readFileSync(dest)).digest('hex')).toBe(src.sha);
    expect(partials(dir)).toEqual([`image.raw${PARTIAL_MARKER}${'0'.repeat(64)}`]);
    // The other member's partial, once stale, goes with the next cleanup.
    utimesSync(other, old, old);
    expect(await t.cleanupTemps(dir)).toEqual([other]);
  });

  it('two hosts on one shared store upload the same image at once: one sends it, the other waits and sends nothing', async () => {
    const dir = store('resume-shared');
    const src = source(dir, 24 * MiB);
    const dest = join(dir, `${src.sha}.raw`);
    const [a, b] = [await connect(), await connect()];
    // As deploy asks when the store listing showed no partial: no probe first.
    const opts = () => ({ expectedSha256: src.sha, resume: { size: src.size, probe: false, reopen: async () => stream(src.local) } });
    let started!: () => void;
    const holding = new Promise<void>((r) => (started = r));
    // A sends slowly, so that B asks while A still holds the partial's lock.
    const first = a.put(slowly(src.local), dest, { ...opts(), onProgress: (n) => n >= 2 * MiB && started() });
    await holding;
    const [ra, rb] = await Promise.all([first, b.put(stream(src.local), dest, opts())]);
    expect(ra.bytes).toBe(src.size);
    expect(rb).toEqual({ bytes: 0, sha256: src.sha, remoteSha256: src.sha, installedByOther: true });
    expect(createHash('sha256').update(readFileSync(dest)).digest('hex')).toBe(src.sha);
    expect(partials(dir)).toEqual([]);
  });

  it('a host waiting for another upload of the same image continues it when that one is cut', async () => {
    const dir = store('resume-shared-cut');
    const src = source(dir, 24 * MiB);
    const dest = join(dir, `${src.sha}.raw`);
    const [a, b] = [await connect(), await connect()];
    const ac = new AbortController();
    let started!: () => void;
    const holding = new Promise<void>((r) => (started = r));
    // A sends slowly, so the other is waiting on its lock well before it is cut at 8 MiB.
    const first = rejection(
      a.put(slowly(src.local), dest, {
        expectedSha256: src.sha,
        resume: { size: src.size, probe: false, reopen: async () => stream(src.local) },
        signal: ac.signal,
        onProgress: (n) => {
          if (n >= 2 * MiB) started();
          if (n >= 8 * MiB) ac.abort('SIGINT');
        },
      }),
    );
    await holding;
    const second = b.put(stream(src.local), dest, { expectedSha256: src.sha, resume: { size: src.size, probe: false, reopen: async () => stream(src.local) } });
    expect((await first).code).toBe('OVFPIPE_INTERRUPTED');
    const r = await second;
    expect(r.resumedAt).toBeGreaterThanOrEqual(MiB);
    expect(r.bytes).toBe(src.size - r.resumedAt!);
    expect(createHash('sha256').update(readFileSync(dest)).digest('hex')).toBe(src.sha);
    expect(partials(dir)).toEqual([]);
  });

  it('a host whose disk fills mid-upload: "no space", and the partial is removed', async () => {
    const dir = store('resume-full');
    const src = source(dir, 24 * MiB);
    const small = join(dir, 'small');
    mkdirSync(small);
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', small]).status === 0;
    if (!mounted) {
      console.warn('cannot mount a tmpfs here: the no-space case is not tested');
      return;
    }
    try {
      const dest = join(small, 'image.raw');
      const t = await connect();
      const err = await rejection(t.put(stream(src.local), dest, { expectedSha256: src.sha, resume: { size: src.size, reopen: async () => stream(src.local) } }));
      expect(err.code).toBe('OVFPIPE_NO_SPACE');
      expect(err.message).toMatch(/no space/i);
      expect(readdirSync(small)).toEqual([]);
    } finally {
      spawnSync('umount', [small]);
      rmdirSync(small);
    }
  });
});
