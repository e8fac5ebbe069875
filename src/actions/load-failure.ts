/**
 * The diagnostic for a package that cannot be read. Its own module so that
 * `verify` does not load the whole lint stack (rules, catalogs) at start-up:
 * ~0.15 s of the CLI's time on a 1 s verify (docs/deploy-benchmark.md).
 */
import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { isOvfpipeError } from '../diagnostics/errors.js';

export function loadFailure(path: string, e: unknown): Diagnostic {
  if (isOvfpipeError(e)) {
    const where = e.where && e.where !== path ? ` (at ${e.where})` : '';
    return diagnostic('package-readable', 'error', `${e.message}${where}`, { file: path }, e.where ?? '');
  }
  return diagnostic('package-readable', 'error', `cannot read package: ${(e as Error).message}`, { file: path });
}
