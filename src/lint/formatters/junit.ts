/**
 * `--format junit` for CI systems that show test reports: one `<testsuite>`
 * per linted file, one failing `<testcase>` per error (and per warning under
 * `--strict`, where warnings fail the run too), and one passing `ovfpipe lint`
 * case that carries in `<system-out>` what does not fail: warnings without
 * `--strict`, and info. The report fails exactly when the exit code does.
 * Written by xml/junit.ts, the one JUnit writer (deploy's report uses it too).
 */
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import { writeJunit, type JunitCase, type JunitSuite } from '../../xml/junit.js';
import type { LintResult } from '../engine.js';
import type { FormatOptions } from './options.js';

export { escapeXml } from '../../xml/writer.js';

function isFailure(d: Diagnostic, strict: boolean): boolean {
  return d.severity === 'error' || (strict && d.severity === 'warning');
}

function line(file: string, d: Diagnostic): string {
  return `${file}:${d.line}:${d.column}: ${d.severity}: ${d.message} [${d.ruleId}]${d.locator ? ` ${d.locator}` : ''}`;
}

function failureCase(file: string, d: Diagnostic): JunitCase {
  const where = `${d.line}:${d.column}`;
  const detail = `${d.severity} at ${file}:${where}${d.locator ? ` (${d.locator})` : ''}\n${d.message}`;
  return { classname: file, name: [d.ruleId, where, d.locator].filter(Boolean).join(' '), time: 0, failure: { message: d.message, type: d.ruleId, detail } };
}

function suite(result: LintResult, strict: boolean): JunitSuite {
  const failing = result.diagnostics.filter((d) => isFailure(d, strict));
  const passing = result.diagnostics.filter((d) => !isFailure(d, strict));
  const cases: JunitCase[] = failing.map((d) => failureCase(result.file, d));
  if (failing.length === 0 || passing.length > 0)
    cases.push({ classname: result.file, name: 'ovfpipe lint', time: 0, ...(passing.length > 0 ? { systemOut: passing.map((d) => line(d.file ?? result.file, d)).join('\n') } : {}) });
  return { name: result.file, cases };
}

export function formatJunit(results: readonly LintResult[], opts: FormatOptions = {}): string {
  return writeJunit(
    'ovfpipe lint',
    results.map((r) => suite(r, opts.strict === true)),
    { counts: true, quote: '"' },
  );
}
