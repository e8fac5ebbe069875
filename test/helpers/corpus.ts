/**
 * Access to the shared reference corpus (../shared/corpus). In CI its absence
 * is a failure; elsewhere tests that need it skip and say why, loudly.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const CORPUS_DIR = resolve(process.env['OVFPIPE_CORPUS'] ?? join(import.meta.dirname, '../../../shared/corpus'));
export const inCI = process.env['CI'] === 'true';

/** Returns the corpus path, or undefined outside CI when it is missing (after printing why). Throws in CI. */
export function corpusPath(sub = ''): string | undefined {
  const p = join(CORPUS_DIR, sub);
  if (existsSync(p)) return p;
  const why = `reference corpus not found at ${p}`;
  if (inCI) throw new Error(`${why}: it is required in CI`);
  console.warn(`\n*** SKIPPING corpus tests: ${why} ***\n`);
  return undefined;
}

export function walkFiles(dir: string, pred: (name: string) => boolean): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...walkFiles(full, pred));
    else if (e.isFile() && pred(e.name) && statSync(full).isFile()) out.push(full);
  }
  return out.sort();
}
