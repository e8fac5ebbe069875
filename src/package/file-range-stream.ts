/**
 * A byte range of a file as a stream, read with positional reads in 1 MiB
 * chunks. It replaces `fs.createReadStream` + a length guard for tar and
 * directory members: one stage instead of two on the hot path of `verify`,
 * and a range that ends early (the archive was truncated after indexing)
 * is an OVFPIPE_ARCHIVE error instead of a silently short member.
 */
import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { OvfpipeError } from '../diagnostics/errors.js';
import { archiveError } from './limits.js';
import type { MemberRange } from './reader.js';

const CHUNK = 1 << 20;

export class FileRangeStream extends Readable {
  private handle: FileHandle | undefined;
  private position: number;
  private left: number;

  /**
   * @param openHandle opens the file (lets the directory reader pass O_NOFOLLOW)
   * @param where member name for errors
   */
  constructor(
    private readonly openHandle: () => Promise<FileHandle>,
    start: number,
    private readonly length: number,
    private readonly where: string,
  ) {
    super({ highWaterMark: CHUNK });
    this.position = start;
    this.left = length;
  }

  override _construct(done: (error?: Error | null) => void): void {
    this.openHandle().then(
      (h) => {
        this.handle = h;
        done();
      },
      (e: unknown) => done(this.describe(e, 'cannot open')),
    );
  }

  override _read(): void {
    if (this.left === 0) {
      this.push(null);
      return;
    }
    const want = Math.min(CHUNK, this.left);
    const buf = Buffer.allocUnsafe(want);
    this.handle!.read(buf, 0, want, this.position).then(
      ({ bytesRead }) => {
        if (bytesRead === 0) {
          const got = this.length - this.left;
          this.destroy(archiveError(`member "${this.where}" is truncated: ${got} of its declared ${this.length} bytes could be read`, this.where));
          return;
        }
        this.position += bytesRead;
        this.left -= bytesRead;
        this.push(bytesRead === want ? buf : buf.subarray(0, bytesRead));
      },
      (e: unknown) => this.destroy(this.describe(e, 'cannot read')),
    );
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    const h = this.handle;
    this.handle = undefined;
    if (!h) return done(error);
    h.close().then(
      () => done(error),
      () => done(error),
    );
  }

  private describe(e: unknown, what: string): Error {
    return e instanceof OvfpipeError ? e : archiveError(`${what} member "${this.where}": ${(e as Error).message}`, this.where, e);
  }
}

/** Chunk of readRange: large reads, few calls; two buffers in all, reused. */
const RANGE_CHUNK = 4 << 20;

/**
 * Reads a member's byte range into `consume`, one pass, without a stream:
 * two reused buffers, the next pread in flight (libuv thread) while the
 * current chunk is consumed (hashed) on this thread, so reading and hashing
 * overlap and nothing is allocated per chunk. `consume` must not keep the
 * buffer. Closes the handle. Returns the bytes read; a range that ends early
 * is an OVFPIPE_ARCHIVE error, as with FileRangeStream.
 */
export async function readRange(range: MemberRange, where: string, consume: (chunk: Buffer) => void): Promise<number> {
  const { handle, offset, size } = range;
  const bufs = [Buffer.allocUnsafe(Math.min(RANGE_CHUNK, size)), Buffer.allocUnsafe(Math.min(RANGE_CHUNK, size))];
  let position = offset;
  let left = size;
  const read = async (buf: Buffer): Promise<number> => {
    const want = Math.min(buf.length, left);
    if (want === 0) return 0;
    const at = position;
    position += want;
    left -= want;
    let got = 0;
    while (got < want) {
      const { bytesRead } = await handle.read(buf, got, want - got, at + got);
      if (bytesRead === 0) throw archiveError(`member "${where}" is truncated: ${at + got - offset} of its declared ${size} bytes could be read`, where);
      got += bytesRead;
    }
    return want;
  };
  try {
    let i = 0;
    let pending = read(bufs[0]!);
    let total = 0;
    for (;;) {
      const n = await pending;
      if (n === 0) break;
      pending = read(bufs[i ^ 1]!);
      // A read failing while this chunk is consumed is reported by the next await.
      pending.catch(() => undefined);
      consume(n === bufs[i]!.length ? bufs[i]! : bufs[i]!.subarray(0, n));
      total += n;
      i ^= 1;
    }
    return total;
  } catch (e) {
    throw e instanceof OvfpipeError ? e : archiveError(`cannot read member "${where}": ${(e as Error).message}`, where, e);
  } finally {
    await handle.close().catch(() => undefined);
  }
}
