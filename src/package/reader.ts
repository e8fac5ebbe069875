/**
 * One interface for every package form (directory, OVA tar, zip), after
 * govmomi's `ovf/importer/archive.go` Archive. Readers only index and open
 * members; hashing, manifests and parsing sit on top of them.
 */
import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';

export type PackageKind = 'directory' | 'ova' | 'ova-gzip' | 'zip';

export interface MemberInfo {
  /** Normalised member name relative to the package root (forward slashes, no `./`). */
  name: string;
  /** Size in bytes as recorded by the container. */
  size: number;
  /** Byte offset of the member's data inside the archive (tar only; for ova-gzip, offset in the decompressed stream). */
  offset?: number;
  /** Zero-based position in the container (tar order matters for OVA, DSP0243 §5.3). */
  index: number;
}

export interface MemberRange {
  handle: FileHandle;
  offset: number;
  size: number;
}

/** Called once per member by `PackageReader.walk`; must consume (or destroy) `data` before resolving. */
export type MemberVisitor = (member: MemberInfo, data: Readable) => Promise<void>;

/** What a reader needs of a References/File to admit it (DSP0243 §7.1). */
export interface ReferenceToAdmit {
  href: string;
  size?: number;
  chunkSize?: number;
}

/** A References file outside the package's folder (or, in an archive, a name no member can have). */
export interface OutsideReference {
  /** Position of the File in References. */
  index: number;
  href: string;
  /** The href resolved against the package root: `../disks/a.vmdk`, or an absolute path. */
  name: string;
  /** climbs-out: `..` leaves the folder; absolute: an absolute path; symlink: a link (or a linked folder) that leads outside; archive: inside an OVA or zip. */
  reason: 'climbs-out' | 'absolute' | 'symlink' | 'archive';
  /** True when the file was admitted as a member (`--allow-outside-refs`) and can be read. */
  admitted: boolean;
}

export interface PackageReader {
  readonly kind: PackageKind;
  /** The path that was opened. */
  readonly path: string;
  /** Name of the descriptor member (`*.ovf`), when exactly one was found. */
  readonly descriptorName: string | undefined;
  /** Members in container order. Cheap: never reads member data. */
  list(): readonly MemberInfo[];
  has(name: string): boolean;
  /** Opens a member for streaming. Throws OvfpipeError(OVFPIPE_ARCHIVE) when it is missing or truncated. */
  open(name: string): Promise<Readable>;
  /**
   * A stored member as a byte range of an open file (tar OVA, directory), for
   * consumers that read it themselves (verify's hashing: reused buffers, the
   * next read in flight while one is hashed). The caller closes the handle.
   */
  openRange?(name: string): Promise<MemberRange>;
  /** Reads a whole small member into memory, refusing anything over `maxBytes`. */
  readSmall(name: string, maxBytes: number): Promise<Buffer>;
  /**
   * Visits every member in container order with its data stream, which the
   * visitor must consume before resolving. Optional: a gzip OVA implements
   * it with one decompression pass instead of one per member; use
   * `walkMembers` from `walk.ts`, which falls back to `open` per member.
   */
  walk?(visit: MemberVisitor): Promise<void>;
  /**
   * Directory forms only: makes the files References name members (a bare
   * descriptor is indexed as just itself and its `<stem>.mf`/`<stem>.cert`),
   * and reports the ones outside the package's folder. Those are admitted
   * only with `allowOutside` (`--allow-outside-refs`); never otherwise.
   */
  admitReferences?(refs: readonly ReferenceToAdmit[], options: { allowOutside: boolean }): Promise<OutsideReference[]>;
  close(): Promise<void>;
}
