/** The lint output formats of PRODUCT.md §5, by name. Each is a pure function from results to text. */
import { OvfpipeError } from '../../diagnostics/errors.js';
import { VERSION } from '../../version.js';
import type { LintResult } from '../engine.js';
import { formatJson } from './json.js';
import { formatJunit } from './junit.js';
import type { FormatOptions } from './options.js';
import { formatSarif } from './sarif.js';
import { formatStylish } from './stylish.js';

export type FormatName = 'stylish' | 'json' | 'sarif' | 'junit';

const FORMATTERS: Record<FormatName, (results: readonly LintResult[], opts: FormatOptions) => string> = {
  stylish: formatStylish,
  json: formatJson,
  sarif: formatSarif,
  junit: formatJunit,
};

export const FORMAT_NAMES = Object.keys(FORMATTERS) as FormatName[];

export function isFormatName(name: string): name is FormatName {
  return Object.hasOwn(FORMATTERS, name);
}

/**
 * Formats lint results; an unknown format name (e.g. from `--format`) is a
 * usage error. The tool version defaults to this package's own.
 */
export function formatResults(name: FormatName, results: readonly LintResult[], opts: FormatOptions = {}): string {
  if (!isFormatName(name)) throw new OvfpipeError('OVFPIPE_USAGE', `unknown format '${String(name)}' (use ${FORMAT_NAMES.join(', ')})`);
  return FORMATTERS[name](results, { ...opts, toolVersion: opts.toolVersion ?? VERSION });
}

export { formatJson, formatJunit, formatSarif, formatStylish };
export { escapeXml } from '../../xml/writer.js';
export { toJsonResults, type JsonDiagnostic, type JsonResult } from './json.js';
export { toSarif, artifactUri, SARIF_SCHEMA } from './sarif.js';
export type { FormatOptions } from './options.js';
