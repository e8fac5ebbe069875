/**
 * What every reader shares: member lookup by name, the descriptor guess,
 * bounded whole-member reads and the per-member walk.
 */
import type { Readable } from 'node:stream';
import { OvfpipeError } from '../diagnostics/errors.js';
import { archiveError, limitError } from './limits.js';
import { findDescriptor } from './names.js';
import type { MemberInfo, MemberVisitor, PackageKind, PackageReader } from './reader.js';

export abstract class BaseReader implements PackageReader {
  abstract readonly kind: PackageKind;
  readonly descriptorName: string | undefined;
  private readonly byName: Map<string, MemberInfo>;

  protected readonly members: MemberInfo[];

  protected constructor(
    readonly path: string,
    members: readonly MemberInfo[],
    descriptorName?: string,
  ) {
    this.members = [...members];
    this.byName = new Map(members.map((m) => [m.name, m]));
    this.descriptorName = descriptorName ?? findDescriptor(members.map((m) => m.name));
  }

  list(): readonly MemberInfo[] {
    return this.members;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Adds a member after indexing (a directory reader admitting the files References name). */
  protected addMember(name: string, size: number): void {
    if (this.byName.has(name)) return;
    const m = { name, size, index: this.members.length };
    this.members.push(m);
    this.byName.set(name, m);
  }

  protected member(name: string): MemberInfo {
    const m = this.byName.get(name);
    if (!m) throw archiveError(`no member named "${name}" in ${this.path}`, name);
    return m;
  }

  abstract open(name: string): Promise<Readable>;

  async readSmall(name: string, maxBytes: number): Promise<Buffer> {
    const m = this.member(name);
    if (m.size > maxBytes) throw limitError(`member "${name}" is ${m.size} bytes, over the ${maxBytes}-byte limit for this read`, name);
    const parts: Buffer[] = [];
    let total = 0;
    for await (const chunk of await this.open(name)) {
      total += (chunk as Buffer).length;
      if (total > maxBytes) throw limitError(`member "${name}" is over the ${maxBytes}-byte limit for this read`, name);
      parts.push(chunk as Buffer);
    }
    return Buffer.concat(parts, total);
  }

  async walk(visit: MemberVisitor): Promise<void> {
    for (const m of this.members) await visit(m, await this.open(m.name));
  }

  abstract close(): Promise<void>;
}

/** Wraps anything a member stream throws as OVFPIPE_ARCHIVE, keeping our own coded errors as they are. */
export function describeStreamError(where: string, what: string): (e: unknown) => Error {
  return (e) => (e instanceof OvfpipeError ? e : archiveError(`${what}: ${(e as Error).message}`, where, e));
}
