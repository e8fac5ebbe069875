/**
 * Every member stream passes through this guard: it fails as soon as more
 * bytes arrive than the container declared (a lying zip entry, a zip bomb)
 * and at the end if fewer arrived (a truncated archive, a file that shrank).
 * So consumers never see more data than the index promised.
 */
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { archiveError } from './limits.js';

class ExactLength extends Transform {
  private seen = 0;
  constructor(
    private readonly expected: number,
    private readonly where: string,
  ) {
    super({ highWaterMark: 1 << 20 });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.expected) {
      done(archiveError(`member "${this.where}" yields more than its declared ${this.expected} bytes (size lies or zip bomb)`, this.where));
      return;
    }
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.seen < this.expected) done(archiveError(`member "${this.where}" is truncated: ${this.seen} of its declared ${this.expected} bytes could be read`, this.where));
    else done();
  }
}

/**
 * Pipes `source` through the guard. Errors of the source are re-thrown as
 * OVFPIPE_ARCHIVE via `describe`, and destroying the returned stream
 * destroys the source (no file descriptor left open).
 */
export function exactLength(source: Readable, expected: number, where: string, describe: (e: unknown) => Error): Readable {
  const guard = new ExactLength(expected, where);
  source.on('error', (e) => guard.destroy(describe(e)));
  guard.on('close', () => source.destroy());
  source.pipe(guard);
  return guard;
}
