/**
 * putBytes (src/deploy/ssh/put.ts): a small payload sent as the stdin of one
 * exec of put's own upload script, so over SSH it goes through the remote
 * worker. Run here through the local transport (execFile, the real bash and
 * coreutils); the SSH path is covered by the deploy e2e tests (the OVF
 * environment ISO) and test/e2e/ssh-worker.test.ts (no session of its own).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { localTransport } from '../../src/deploy/local-transport.js';
import { MAX_PUT_BYTES, putBytes } from '../../src/deploy/ssh/put.js';
import { rejection } from '../helpers/rejection.js';

const dir = mkdtempSync(join(tmpdir(), 'ovfpipe-put-bytes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('putBytes', () => {
  const t = localTransport();

  it('installs the bytes atomically under the name, verified, mode 0600, and leaves no temporary file', async () => {
    const bytes = randomBytes(300_000);
    const target = join(dir, "it's $(a) iso.iso");
    const r = await putBytes(t, bytes, target, { expectedSha256: sha(bytes) });
    expect(r).toEqual({ bytes: bytes.length, sha256: sha(bytes), remoteSha256: sha(bytes) });
    expect(readFileSync(target).equals(bytes)).toBe(true);
    expect(statSync(target).mode & 0o777).toBe(0o600);
    // Replaces what is there, again in one step.
    const again = randomBytes(10);
    await putBytes(t, again, target, { expectedSha256: sha(again) });
    expect(readFileSync(target).equals(again)).toBe(true);
    expect(readdirSync(dir)).toEqual([target.split('/').pop()]);
  });

  it('refuses bytes whose sha256 is not the expected one, and installs nothing', async () => {
    const bytes = randomBytes(1000);
    const target = join(dir, 'mismatch.iso');
    const err = await rejection(putBytes(t, bytes, target, { expectedSha256: sha(Buffer.from('other')) }));
    expect(err.code).toBe('OVFPIPE_DIGEST');
    expect(err.message).toMatch(/nothing was installed/);
    expect(readdirSync(dir).filter((f) => f.startsWith('mismatch'))).toEqual([]);
  });

  it('refuses a relative path, a bad digest and a payload that should stream', async () => {
    expect((await rejection(putBytes(t, Buffer.from('x'), 'rel/x.iso', { expectedSha256: sha(Buffer.from('x')) }))).code).toBe('OVFPIPE_USAGE');
    expect((await rejection(putBytes(t, Buffer.from('x'), join(dir, 'x'), { expectedSha256: 'abc' }))).code).toBe('OVFPIPE_USAGE');
    const big = Buffer.alloc(MAX_PUT_BYTES + 1);
    expect((await rejection(putBytes(t, big, join(dir, 'big'), { expectedSha256: sha(big) }))).code).toBe('OVFPIPE_USAGE');
  });
});
