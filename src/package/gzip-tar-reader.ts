/**
 * OVA compressed as a whole with gzip. Random access is impossible, so the
 * index is built in one streaming decompression pass that discards member
 * data, and each `open` decompresses again from the start up to the
 * member. `walk` visits all members in a single pass (for verify).
 * Memory stays flat: nothing is buffered beyond one chunk.
 */
import { createReadStream } from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { BaseReader, describeStreamError } from './base-reader.js';
import { StreamCursor } from './byte-sources.js';
import { exactLength } from './exact-length.js';
import { archiveError, type ReaderLimits } from './limits.js';
import type { MemberInfo, MemberVisitor } from './reader.js';
import { indexTar } from './tar-index.js';
import { emptyStream } from './tar-reader.js';

/** A decompressed view of the file; errors of either stage surface on the returned stream. */
function gunzipFile(path: string): Readable {
  const file = createReadStream(path, { highWaterMark: 1 << 20 });
  const gunzip = createGunzip({ chunkSize: 1 << 20 });
  file.on('error', (e) => gunzip.destroy(e));
  gunzip.on('close', () => file.destroy());
  return file.pipe(gunzip);
}

function cursorOver(path: string): StreamCursor {
  return new StreamCursor(gunzipFile(path), (e, pos) => archiveError(`corrupt gzip data near decompressed offset ${pos}: ${(e as Error).message}`, `offset ${pos}`, e));
}

export class GzipTarReader extends BaseReader {
  readonly kind = 'ova-gzip' as const;

  private constructor(path: string, members: readonly MemberInfo[]) {
    super(path, members);
  }

  static async open(path: string, limits: ReaderLimits): Promise<GzipTarReader> {
    const cursor = cursorOver(path);
    try {
      const members = await indexTar(cursor, limits);
      // Read the tail too, so a damaged gzip trailer (CRC, length) is reported now.
      await cursor.drain();
      return new GzipTarReader(path, members);
    } finally {
      await cursor.close();
    }
  }

  async open(name: string): Promise<Readable> {
    const m = this.member(name);
    if (m.size === 0) return emptyStream();
    const cursor = cursorOver(this.path);
    const { stream, done } = pumpRange(cursor, m);
    void done.finally(() => cursor.close());
    return stream;
  }

  override async walk(visit: MemberVisitor): Promise<void> {
    const cursor = cursorOver(this.path);
    try {
      for (const m of this.members) {
        const { stream, done } = pumpRange(cursor, m);
        try {
          await visit(m, stream);
        } finally {
          // A visitor that stopped early must not leave the pump holding the shared cursor.
          stream.destroy();
          await done;
        }
      }
    } finally {
      await cursor.close();
    }
  }

  async close(): Promise<void> {
    // Each open() owns its own decompression stream.
  }
}

/**
 * Copies one member's range from the cursor into a PassThrough, honouring
 * backpressure. `done` settles once the cursor is idle again, which is what
 * lets `walk` share one cursor between members safely.
 */
function pumpRange(cursor: StreamCursor, m: MemberInfo): { stream: Readable; done: Promise<void> } {
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  const stream = exactLength(out, m.size, m.name, describeStreamError(m.name, `cannot read member "${m.name}"`));
  const done = (async () => {
    try {
      for await (const part of cursor.chunks(m.offset!, m.size, () => out.destroyed)) {
        if (out.destroyed) return;
        if (!out.write(part)) await drainedOrClosed(out);
      }
      if (!out.destroyed) out.end();
    } catch (e) {
      out.destroy(e as Error);
    }
  })();
  return { stream, done };
}

function drainedOrClosed(out: PassThrough): Promise<void> {
  return new Promise((resolve) => {
    const settle = (): void => {
      out.off('drain', settle);
      out.off('close', settle);
      resolve();
    };
    out.on('drain', settle);
    out.on('close', settle);
  });
}
