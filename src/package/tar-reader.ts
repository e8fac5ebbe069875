/**
 * OVA as a plain tar (DSP0243 §5.3). Indexing reads only the 512-byte
 * headers at computed offsets; a member is opened as a byte range of the
 * file, so listing or opening costs the same for a 5 MiB or a 50 GiB OVA.
 */
import { open as openFile } from 'node:fs/promises';
import { PassThrough, type Readable } from 'node:stream';
import { BaseReader } from './base-reader.js';
import { FileByteSource } from './byte-sources.js';
import { FileRangeStream } from './file-range-stream.js';
import { archiveError, type ReaderLimits } from './limits.js';
import type { MemberInfo, MemberRange } from './reader.js';
import { indexTar } from './tar-index.js';

export class TarReader extends BaseReader {
  readonly kind = 'ova' as const;

  private constructor(
    path: string,
    members: readonly MemberInfo[],
    /** Bytes read while indexing: headers only, never member data. */
    readonly indexBytesRead: number,
  ) {
    super(path, members);
  }

  static async open(path: string, limits: ReaderLimits): Promise<TarReader> {
    const source = await FileByteSource.open(path);
    try {
      const members = await indexTar(source, limits);
      return new TarReader(path, members, source.bytesRead);
    } finally {
      await source.close();
    }
  }

  async open(name: string): Promise<Readable> {
    const m = this.member(name);
    if (m.size === 0) return emptyStream();
    return new FileRangeStream(() => openFile(this.path, 'r'), m.offset!, m.size, name);
  }

  async openRange(name: string): Promise<MemberRange> {
    const m = this.member(name);
    try {
      return { handle: await openFile(this.path, 'r'), offset: m.offset!, size: m.size };
    } catch (e) {
      throw archiveError(`cannot open member "${name}": ${(e as Error).message}`, name, e);
    }
  }

  async close(): Promise<void> {
    // Nothing held open: each member stream owns its own descriptor.
  }
}

export function emptyStream(): Readable {
  const s = new PassThrough();
  s.end();
  return s;
}
