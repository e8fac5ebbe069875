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
