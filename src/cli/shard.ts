import { OvfpipeError } from '../diagnostics/errors.js';

/** `--shard i/n`, 1-based; shared by plan, apply, destroy and audit. */
export function parseShard(s: string | undefined): { index: number; count: number } | undefined {
  if (s === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(s);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count) throw new OvfpipeError('OVFPIPE_USAGE', `--shard '${s}': expected i/n with 1 <= i <= n`);
  return { index, count };
}
