/**
 * Transport over ssh2: one connection per host, reused for every exec and
 * put (the caller keeps the Transport), with at most `maxChannels` channels
 * open at once because OpenSSH's MaxSessions defaults to 10 per connection.
 */
import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import PQueue from 'p-queue';
import type { ClientChannel } from 'ssh2';
import { OvfpipeError } from '../../diagnostics/errors.js';
import type { ExecResult, PutResult, Transport } from '../transport.js';
import type { SshTarget } from './config.js';
import { closeClients, openConnection, type SshConnection } from './connection.js';
import { openExecChannel, runExec, type SshExecOptions } from './exec.js';
import { cleanupTemps, putStream, type SshPutOptions, type UploadHost } from './put.js';
import { mapSshError } from './ssh-errors.js';

export interface SshTransportOptions {
  /** Channels open at once on the connection (default 8, under OpenSSH's MaxSessions 10). */
  maxChannels?: number;
}

export class SshTransport implements Transport {
  readonly label: string;
  private readonly connection: SshConnection;
  private readonly channels: PQueue;
  private readonly events = new EventEmitter();
  private lost: Error | undefined;
  private closing = false;

  constructor(connection: SshConnection, opts: SshTransportOptions = {}) {
    this.connection = connection;
    this.label = connection.label;
    this.channels = new PQueue({ concurrency: opts.maxChannels ?? 8 });
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

  exec(argv: readonly string[], opts?: SshExecOptions): Promise<ExecResult> {
    this.ensureAlive();
    // ssh2 does not always close the channels of a connection that dies; an exec in flight
    // then would wait forever. It fails with the connection instead.
    return this.channels.add(
      () =>
        new Promise<ExecResult>((resolve, reject) => {
          const off = this.onLost((err) => reject(new OvfpipeError('OVFPIPE_SSH_CONNECT', `${this.label}: connection lost while running \`${argv[0]}\` (${err.message})`, { cause: err })));
          runExec(this.connection.client, this.label, argv, opts).then(
            (r) => {
              off();
              resolve(r);
            },
            (e: unknown) => {
              off();
              reject(e);
            },
          );
        }),
    );
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
