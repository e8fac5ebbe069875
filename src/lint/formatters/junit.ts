/**
 * `--format junit` for CI systems that show test reports: one `<testsuite>`
 * per linted file, one failing `<testcase>` per error or warning (info is not
 * a failure and is left out), and one passing testcase for a file without
 * failures. Written by xml/junit.ts, the one JUnit writer (deploy's report
 * uses it too).
 */
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import { writeJunit, type JunitCase, type JunitSuite } from '../../xml/junit.js';
import type { LintResult } from '../engine.js';
import type { FormatOptions } from './options.js';

export { escapeXml } from '../../xml/writer.js';

function isFailure(d: Diagnostic): boolean {
  return d.severity === 'error' || d.severity === 'warning';
}

function failureCase(file: string, d: Diagnostic): JunitCase {
  const where = `${d.line}:${d.column}`;
  const detail = `${d.severity} at ${file}:${where}${d.locator ? ` (${d.locator})` : ''}\n${d.message}`;
  return { classname: file, name: [d.ruleId, where, d.locator].filter(Boolean).join(' '), time: 0, failure: { message: d.message, type: d.ruleId, detail } };
}

function suite(result: LintResult): JunitSuite {
  const failing = result.diagnostics.filter(isFailure);
  const cases = failing.length > 0 ? failing.map((d) => failureCase(result.file, d)) : [{ classname: result.file, name: 'ovfpipe lint', time: 0 }];
  return { name: result.file, cases };
}

export function formatJunit(results: readonly LintResult[], _opts: FormatOptions = {}): string {
  return writeJunit('ovfpipe lint', results.map(suite), { counts: true, quote: '"' });
}
