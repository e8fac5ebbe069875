import { expect } from 'vitest';
import { OvfpipeError } from '../../src/diagnostics/errors.js';

/** The OvfpipeError `p` rejects with; fails the test if it resolves or rejects with anything else. */
export async function rejection(p: Promise<unknown>): Promise<OvfpipeError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OvfpipeError);
  return err as OvfpipeError;
}
