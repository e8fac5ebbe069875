/** Shared assertions for package reader tests. */
import { readdirSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { expect } from 'vitest';
import { OvfpipeError } from '../../src/diagnostics/errors.js';

/** Awaits `p` and asserts it rejects with an OvfpipeError of `code` whose message matches `pattern`. */
export async function expectOvfError(p: Promise<unknown>, code: string, pattern: RegExp): Promise<OvfpipeError> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected a rejection').toBeInstanceOf(OvfpipeError);
  const err = caught as OvfpipeError;
  expect(err.code).toBe(code);
  expect(err.message).toMatch(pattern);
  expect(err.where, 'errors name where they happened').toBeTruthy();
  return err;
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

/** Lists a directory, sorted, to prove a reader wrote nothing. */
export function listing(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String).sort();
}
