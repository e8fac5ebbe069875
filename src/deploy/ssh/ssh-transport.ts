/**
 * Transport over ssh2: one connection per host, reused for every exec and
 * put (the caller keeps the Transport), with at most `maxChannels` channels
 * open at once because OpenSSH's MaxSessions defaults to 10 per connection.
 *
 * Every exec goes through one persistent remote worker (worker.ts), started
 * with the first exec: sshd runs the login shell once per connection, not
 * once per command. Uploads (put) keep their own channel: they stream. If
 * the worker cannot start (no mkfifo, a login shell that is not POSIX), the
 * transport falls back to one exec channel per command, as before.
 */
import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import PQueue from 'p-queue';
import type { ClientChannel } from 'ssh2';
import { OvfpipeError } from '../../diagnostics/errors.js';
import type { ExecResult, PutResult, Transport, TransportUsage } from '../transport.js';
import type { SshTarget } from './config.js';
import { closeClients, openConnection, type SshConnection } from './connection.js';
import { openExecChannel, runExec, type SshExecOptions } from './exec.js';
import { cleanupTemps, putStream, type SshPutOptions, type UploadHost } from './put.js';
import { mapSshError } from './ssh-errors.js';
import { RemoteWorker } from './worker.js';

export interface SshTransportOptions {
  /** Channels open at once on the connection (default 8, under OpenSSH's MaxSessions 10); also the commands the worker runs at once. */
  maxChannels?: number;
  /** Run execs through the persistent remote worker (default true); false: one exec channel per command. */
  worker?: boolean;
  /** How long the worker may take to start, login shell included (default 60 s). */
  workerStartMs?: number;
}

/** A worker that ended this many times on a live connection is not started again: execs fall back to their own channels. */
const MAX_WORKER_STARTS = 3;

export class SshTransport implements Transport {
  readonly label: string;
  private readonly connection: SshConnection;
  private readonly channels: PQueue;
  private readonly events = new EventEmitter();
  private lost: Error | undefined;
  private closing = false;
  /** Exec sessions opened on this connection (the worker, uploads, fallback execs). */
  private sessions = 0;
  private readonly workerSlots: PQueue;
  private worker: Promise<RemoteWorker> | undefined;
  private workerStarts = 0;
  /** Steps run by workers that ended (a restarted worker counts from 0). */
  private endedWorkerSteps = 0;
  private current: RemoteWorker | undefined;
  /** Why execs run on their own channels (the option, or the worker could not start). */
  private workerOff: string | undefined;
  private readonly workerStartMs: number;

  constructor(connection: SshConnection, opts: SshTransportOptions = {}) {
    this.connection = connection;
    this.label = connection.label;
    this.channels = new PQueue({ concurrency: opts.maxChannels ?? 8 });
    this.workerSlots = new PQueue({ concurrency: opts.maxChannels ?? 8 });
    if (opts.worker === false) this.workerOff = 'disabled';
    this.workerStartMs = opts.workerStartMs ?? 60_000;
    const client = connection.client;
    client.on('error', (err: Error) => this.markLost(mapSshError(err, this.label)));
    client.on('close', () => this.markLost(new OvfpipeError('OVFPIPE_SSH_CONNECT', `${this.label}: connection closed`)));
  }

  /** False once the connection has failed or been closed. */
  get alive(): boolean {
    return this.lost === undefined;
  }

  private markLost(err: Error): void {
    if (this.lost) return;
    this.lost = err;
    // A lost jump connection takes this one down with it; a lost target must not leave jumps open.
    closeClients(this.connection.jumps);
    this.events.emit('lost', err);
  }

  onLost(listener: (err: Error) => void): () => void {
    if (this.lost) {
      const err = this.lost;
      queueMicrotask(() => listener(err));
      return () => {};
    }
    this.events.once('lost', listener);
    return () => this.events.off('lost', listener);
  }

  private ensureAlive(): void {
    if (this.lost) {
      throw new OvfpipeError('OVFPIPE_SSH_CONNECT', `${this.label}: the connection is gone (${this.lost.message}); connect again`, { cause: this.lost });
    }
  }

  /** Remote sessions and worker steps so far (the run report's `remoteSessions`, `remoteSteps`). */
  usage(): TransportUsage {
    return { sessions: this.sessions, steps: this.endedWorkerSteps + (this.current?.steps ?? 0), ...(this.workerOff ? { worker: this.workerOff } : {}) };
  }

  exec(argv: readonly string[], opts?: SshExecOptions): Promise<ExecResult> {
    this.ensureAlive();
    if (this.workerOff === undefined) return this.workerSlots.add(() => this.lossAware(argv, () => this.viaWorker(argv, opts)));
    return this.channels.add(() =>
      this.lossAware(argv, () => {
        this.sessions++;
        return runExec(this.connection.client, this.label, argv, opts);
      }),
    );
  }

  /** Runs `argv` on the worker, starting one first if none runs; falls back to a channel of its own if none can start. */
  private async viaWorker(argv: readonly string[], opts?: SshExecOptions): Promise<ExecResult> {
    let worker: RemoteWorker;
    try {
      worker = await this.startedWorker();
    } catch (e) {
      if (!this.alive) throw e;
      this.workerOff = `the remote worker could not start: ${(e as Error).message}`;
      return this.channels.add(() => {
        this.sessions++;
        return runExec(this.connection.client, this.label, argv, opts);
      });
    }
    return worker.run(argv, opts);
  }

  private startedWorker(): Promise<RemoteWorker> {
    if (this.worker) return this.worker;
    if (this.workerStarts >= MAX_WORKER_STARTS) return Promise.reject(new Error(`it ended ${this.workerStarts} times`));
    this.workerStarts++;
    const started = (async () => {
      const nonce = RemoteWorker.nonce();
      this.sessions++;
      const channel = await openExecChannel(this.connection.client, RemoteWorker.command(nonce), this.label);
      const w = new RemoteWorker(channel, this.label, nonce, () => {
        this.endedWorkerSteps += w.steps;
        if (this.current === w) this.current = undefined;
        if (this.worker === started) this.worker = undefined;
      });
      this.current = w;
      try {
        await w.ready(this.workerStartMs);
      } catch (e) {
        channel.destroy();
        throw e;
      }
      return w;
    })();
    this.worker = started;
    started.catch(() => {
      if (this.worker === started) this.worker = undefined;
    });
    return started;
  }

  /**
   * ssh2 does not always close the channels of a connection that dies; an exec in flight
   * then would wait forever. It fails with the connection instead.
   */
  private lossAware(argv: readonly string[], run: () => Promise<ExecResult>): Promise<ExecResult> {
    return new Promise<ExecResult>((resolve, reject) => {
      const off = this.onLost((err) => reject(new OvfpipeError('OVFPIPE_SSH_CONNECT', `${this.label}: connection lost while running \`${argv[0]}\` (${err.message})`, { cause: err })));
      run().then(
        (r) => {
          off();
          resolve(r);
        },
        (e: unknown) => {
          off();
          reject(e);
        },
      );
    });
  }

  put(data: Readable, remotePath: string, opts?: SshPutOptions): Promise<PutResult> {
    this.ensureAlive();
    const transport = this;
    // The upload channel holds a queue slot only while it streams; the
    // finishing exec queues on its own, so puts cannot deadlock on slots.
    const host: UploadHost = {
      label: this.label,
      openChannel: (command) => this.holdSlot(command),
      exec: (argv, o) => this.exec(argv, o),
      onLost: (listener) => this.onLost(listener),
      get alive() {
        return transport.alive;
      },
    };
    return putStream(host, data, remotePath, opts);
  }

  /** Opens a channel inside a queue slot that is released when the channel closes. */
  private holdSlot(command: string): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      void this.channels.add(
        () =>
          new Promise<void>((release) => {
            this.sessions++;
            openExecChannel(this.connection.client, command, this.label).then(
              (channel) => {
                channel.once('close', () => release());
                resolve(channel);
              },
              (err: unknown) => {
                release();
                reject(err);
              },
            );
          }),
      );
    });
  }

  /** Removes temporary files of failed uploads in `dir`; see put.ts cleanupTemps. */
  cleanupTemps(dir: string, opts?: { olderThanMs?: number; partialsOlderThanMs?: number }): Promise<string[]> {
    return cleanupTemps(this, dir, opts);
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const { client, jumps } = this.connection;
    this.current?.close();
    if (this.alive) {
      const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
      client.end();
      // Bounded: a peer that never answers the disconnect must not hang close().
      await Promise.race([closed, new Promise((r) => setTimeout(r, 5_000).unref())]);
    }
    this.markLost(new OvfpipeError('OVFPIPE_SSH_CONNECT', `${this.label}: connection closed by ovfpipe`));
    closeClients(jumps);
    client.destroy();
  }
}

/** Connects, verifies the host key, authenticates, and returns a Transport for that host. */
export async function connectSsh(target: SshTarget, opts?: SshTransportOptions): Promise<SshTransport> {
  return new SshTransport(await openConnection(target), opts);
}
