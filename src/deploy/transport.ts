/**
 * One interface per boundary (ARCHITECTURE.md): everything deploy does on a
 * host goes through a Transport. The implementation is ssh2 (ssh-transport.ts);
 * tests use it against real OpenSSH servers on loopback.
 */
import type { Readable } from 'node:stream';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** Data for the command's standard input. */
  stdin?: string | Buffer;
  timeoutMs?: number;
  /** Resolve with a non-zero exit code instead of throwing OvfpipeError(OVFPIPE_REMOTE). */
  allowFailure?: boolean;
}

export interface PutResult {
  bytes: number;
  /**
   * sha256 of the data: computed locally in the same pass as the upload, or,
   * when expectedSha256 was given, the remote digest of the bytes as written
   * (already checked equal to it).
   */
  sha256: string;
  /** sha256 computed remotely over the file as written. */
  remoteSha256: string;
  /** The upload continued a partial file an earlier, cut transfer left: this many bytes were not sent again (`bytes` counts only what was sent). */
  resumedAt?: number;
  /** Another upload of the same file to the same path (a host on the same shared storage) installed it while this one waited: nothing was sent. */
  installedByOther?: boolean;
}

export interface PutOptions {
  /** Called with the running byte count. */
  onProgress?: (bytes: number) => void;
  /** Refuse the upload (and leave nothing behind) unless the data's digest equals this. */
  expectedSha256?: string;
  /**
   * Install `qemu-img convert -f FROM -O qcow2` of the data at the remote path
   * instead of the data itself. The digest is still that of the data sent;
   * the raw upload is removed once converted.
   */
  convert?: { from: string };
  /**
   * The data is a disk image in this format (implied by `convert`): refuse it
   * unless it is self-contained — no backing file, external data file or
   * extent in another file, any of which would put a host file into the VM.
   */
  image?: { format: string };
  /**
   * Keep what a cut transfer wrote (connection lost, abort) under a name
   * derived from expectedSha256, and continue it next time when its prefix
   * hashes the same here and there. Needs expectedSha256; `size` is the
   * data's length (how the remote side tells a cut from the end), `reopen`
   * gives the data again from its start when the partial does not match.
   */
  resume?: {
    size: number;
    reopen: () => Promise<Readable>;
    maxAgeMs?: number;
    /** false: the caller knows there is no partial (the store was just listed); saves the probe's round trip. */
    probe?: boolean;
  };
  /** Aborting cuts the transfer (a resumable one keeps its partial) and rejects with OVFPIPE_INTERRUPTED. */
  signal?: AbortSignal;
}

/** What a transport did on its host: the run report's `remoteSessions` and `remoteSteps`. */
export interface TransportUsage {
  /** Exec sessions opened (each one is a login shell on the host): the worker, uploads, and any exec that did not go through the worker. */
  sessions: number;
  /** Commands the remote worker ran (its own count). */
  steps: number;
  /** Set when execs do not go through a worker, and why. */
  worker?: string;
}

export interface Transport {
  /** `user@host:port`, for messages and reports. */
  readonly label: string;
  /**
   * Runs a command given as an argv. Every element is quoted for the remote
   * POSIX shell; no value is ever spliced into a shell string.
   */
  exec(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /**
   * Streams `data` to `remotePath`: written to a temporary name in the same
   * directory, hashed remotely (and locally in the same pass unless
   * expectedSha256 is given), compared, optionally converted, then renamed
   * atomically. On any failure the temporary file is
   * removed and nothing appears at `remotePath`.
   */
  put(data: Readable, remotePath: string, opts?: PutOptions): Promise<PutResult>;
  close(): Promise<void>;
  /** Remote sessions and steps so far, for the run report (transports without sessions leave it out). */
  usage?(): TransportUsage;
  /**
   * What the runs sharing this connection (`ovfpipe agent`, connection-pool.ts) may keep for one another
   * for a short while: the hypervisor probe. Absent on a connection of one run.
   */
  readonly memo?: Map<string, { at: number; value: unknown }>;
}
