/**
 * `--format junit` for CI systems that show test reports: one `<testsuite>`
 * per linted file, one failing `<testcase>` per error or warning (info is not
 * a failure and is left out), and one passing testcase for a file without
 * failures. Every value goes through `escapeXml`; markup is only ever built
 * by `xmlElement`, never by concatenating raw values.
 */
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import type { LintResult } from '../engine.js';
import type { FormatOptions } from './options.js';

/** Characters XML 1.0 cannot carry at all (C0 controls other than tab, LF, CR; lone surrogates; U+FFFE/U+FFFF). */
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\t': '&#9;', '\n': '&#10;', '\r': '&#13;' };

/** Escapes text for an attribute value or element content; characters XML cannot hold become U+FFFD. */
export function escapeXml(value: string | number, inAttribute = true): string {
  const text = String(value).replace(NOT_XML_CHAR, '\uFFFD');
  // Whitespace is kept literally in content but escaped in attributes, where parsers would normalise it.
  return text.replace(inAttribute ? /[&<>"'\t\n\r]/g : /[&<>]/g, (c) => ENTITIES[c]!);
}

type Child = string | { raw: string };

/** `<name a="…">children</name>`: attribute values and string children are escaped; `{ raw }` is pre-built markup. */
export function xmlElement(name: string, attrs: Record<string, string | number | undefined>, children: Child[] = [], indent = ''): string {
  const attrText = Object.entries(attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXml(v!)}"`)
    .join('');
  if (children.length === 0) return `${indent}<${name}${attrText}/>`;
  const inline = children.every((c) => typeof c === 'string');
  if (inline) return `${indent}<${name}${attrText}>${children.map((c) => escapeXml(c as string, false)).join('')}</${name}>`;
  const body = children.map((c) => (typeof c === 'string' ? escapeXml(c, false) : c.raw)).join('\n');
  return `${indent}<${name}${attrText}>\n${body}\n${indent}</${name}>`;
}

function isFailure(d: Diagnostic): boolean {
  return d.severity === 'error' || d.severity === 'warning';
}

function failureCase(file: string, d: Diagnostic): string {
  const where = `${d.line}:${d.column}`;
  const name = [d.ruleId, where, d.locator].filter(Boolean).join(' ');
  const detail = `${d.severity} at ${file}:${where}${d.locator ? ` (${d.locator})` : ''}\n${d.message}`;
  const failure = xmlElement('failure', { message: d.message, type: d.ruleId }, [detail], '      ');
  return xmlElement('testcase', { classname: file, name, time: 0 }, [{ raw: failure }], '    ');
}

function suite(result: LintResult): { xml: string; tests: number; failures: number } {
  const failing = result.diagnostics.filter(isFailure);
  const cases = failing.length > 0 ? failing.map((d) => failureCase(result.file, d)) : [xmlElement('testcase', { classname: result.file, name: 'ovfpipe lint', time: 0 }, [], '    ')];
  const attrs = { name: result.file, tests: cases.length, failures: failing.length, errors: 0, skipped: 0 };
  return { xml: xmlElement('testsuite', attrs, cases.map((raw) => ({ raw })), '  '), tests: cases.length, failures: failing.length };
}

export function formatJunit(results: readonly LintResult[], _opts: FormatOptions = {}): string {
  const suites = results.map(suite);
  const tests = suites.reduce((n, s) => n + s.tests, 0);
  const failures = suites.reduce((n, s) => n + s.failures, 0);
  const root = xmlElement('testsuites', { name: 'ovfpipe lint', tests, failures, errors: 0 }, suites.map((s) => ({ raw: s.xml })));
  return `<?xml version="1.0" encoding="UTF-8"?>\n${root}\n`;
}
