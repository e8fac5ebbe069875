/**
 * The two ways the tar indexer reaches bytes: positional reads on a file
 * (plain OVA: headers only, data is seeked over) and a forward-only cursor
 * over a stream (gzip OVA: random access is impossible, so data is
 * decompressed and discarded).
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { ByteSource } from './tar-index.js';
import { archiveError } from './limits.js';

/** Positional reads with fs.read; counts the bytes it read so tests can prove data was never touched. */
export class FileByteSource implements ByteSource {
  bytesRead = 0;
  private constructor(
    private readonly handle: FileHandle,
    private readonly length: number,
  ) {}

  static async open(path: string): Promise<FileByteSource> {
    const handle = await open(path, 'r');
    try {
      const st = await handle.stat();
      return new FileByteSource(handle, st.size);
    } catch (e) {
      await handle.close();
      throw e;
    }
  }

  async read(offset: number, length: number): Promise<Buffer> {
    const want = Math.max(0, Math.min(length, this.length - offset));
    const buf = Buffer.alloc(want);
    let got = 0;
    while (got < want) {
      const { bytesRead } = await this.handle.read(buf, got, want - got, offset + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    this.bytesRead += got;
    return got === want ? buf : buf.subarray(0, got);
  }

  knownLength(): number {
    return this.length;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/**
 * A forward-only cursor over an async stream of chunks. `read` may skip
 * ahead (discarding bytes) but never go back; `chunks` yields a range
 * without copying it into one buffer.
 */
export class StreamCursor implements ByteSource {
  private pos = 0;
  private head: Buffer = Buffer.alloc(0);
  private ended = false;
  private readonly it: AsyncIterator<Buffer>;

  constructor(
    chunks: AsyncIterable<Buffer>,
    private readonly describeError: (e: unknown, pos: number) => Error,
  ) {
    this.it = chunks[Symbol.asyncIterator]();
  }

  get position(): number {
    return this.pos;
  }

  knownLength(): number | undefined {
    return this.ended ? this.pos + this.head.length : undefined;
  }

  private async fill(): Promise<boolean> {
    while (this.head.length === 0) {
      if (this.ended) return false;
      let r: IteratorResult<Buffer>;
      try {
        r = await this.it.next();
      } catch (e) {
        throw this.describeError(e, this.pos);
      }
      if (r.done) this.ended = true;
      else this.head = r.value;
    }
    return true;
  }

  private async skipTo(offset: number, cancelled: () => boolean): Promise<boolean> {
    if (offset < this.pos) throw archiveError(`internal: stream cursor asked to go back to ${offset} from ${this.pos}`, `offset ${offset}`);
    while (this.pos < offset) {
      if (cancelled()) return false;
      if (!(await this.fill())) return false;
      const n = Math.min(offset - this.pos, this.head.length);
      this.head = this.head.subarray(n);
      this.pos += n;
    }
    return true;
  }

  async read(offset: number, length: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const part of this.chunks(offset, length)) parts.push(part);
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /**
   * Yields the bytes in [offset, offset+length), fewer only at end of input.
   * `cancelled` is polled while skipping, so an abandoned read stops early.
   */
  async *chunks(offset: number, length: number, cancelled: () => boolean = () => false): AsyncGenerator<Buffer> {
    if (!(await this.skipTo(offset, cancelled))) return;
    let left = length;
    while (left > 0 && (await this.fill())) {
      const n = Math.min(left, this.head.length);
      const part = this.head.subarray(0, n);
      this.head = this.head.subarray(n);
      this.pos += n;
      left -= n;
      yield part;
    }
  }

  /** Reads to the end, so that a corrupt tail (e.g. a bad gzip CRC) is still reported. */
  async drain(): Promise<void> {
    while (await this.fill()) {
      this.pos += this.head.length;
      this.head = Buffer.alloc(0);
    }
  }

  async close(): Promise<void> {
    await this.it.return?.();
  }
}
