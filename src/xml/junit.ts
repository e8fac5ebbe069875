/**
 * JUnit XML, the report format CI systems show as test results: one writer
 * for lint's `--format junit` and deploy's `--junit` report. Markup comes
 * only from xml/writer (every value escaped); characters XML 1.0 cannot hold
 * become U+FFFD instead of failing the report.
 */
import { element, toXmlChars, writeXml, type XmlNode } from './writer.js';

export interface JunitFailure {
  message: string;
  type?: string;
  /** The failure's text: details, a stack, a location. */
  detail?: string;
}

export interface JunitCase {
  name: string;
  classname: string;
  /** Seconds. */
  time?: number | string;
  failure?: JunitFailure;
  systemOut?: string;
}

export interface JunitSuite {
  name: string;
  cases: JunitCase[];
  /** Seconds. */
  time?: number | string;
}

export interface JunitOptions {
  /** Write `tests`, `failures`, `errors` (and `skipped` per suite) counts, as lint does. */
  counts?: boolean;
  /** Attribute quote (default `'`, as the rest of our XML). */
  quote?: "'" | '"';
}

const safe = (s: string | number | undefined): string | undefined => (s === undefined ? undefined : toXmlChars(String(s)));

function caseNode(c: JunitCase, counts: boolean): XmlNode {
  const f = c.failure;
  const attrs: [string, string | undefined][] = counts
    ? [
        ['classname', safe(c.classname)],
        ['name', safe(c.name)],
        ['time', safe(c.time)],
      ]
    : [
        ['name', safe(c.name)],
        ['classname', safe(c.classname)],
        ['time', safe(c.time)],
      ];
  return element(
    'testcase',
    attrs,
    f
      ? element(
          'failure',
          [
            ['message', safe(f.message)],
            ['type', safe(f.type)],
          ],
          f.detail !== undefined ? safe(f.detail) : undefined,
        )
      : undefined,
    c.systemOut !== undefined ? element('system-out', [], safe(c.systemOut)) : undefined,
  );
}

const failuresOf = (s: JunitSuite) => s.cases.filter((c) => c.failure).length;

function suiteNode(s: JunitSuite, counts: boolean): XmlNode {
  const attrs: [string, string | undefined][] = counts
    ? [
        ['name', safe(s.name)],
        ['tests', String(s.cases.length)],
        ['failures', String(failuresOf(s))],
        ['errors', '0'],
        ['skipped', '0'],
      ]
    : [
        ['name', safe(s.name)],
        ['tests', String(s.cases.length)],
        ['failures', String(failuresOf(s))],
        ['time', safe(s.time)],
      ];
  return element(
    'testsuite',
    attrs,
    s.cases.map((c) => caseNode(c, counts)),
  );
}

/** `<testsuites name=…>` around the suites, with the XML declaration. */
export function writeJunit(name: string, suites: readonly JunitSuite[], opts: JunitOptions = {}): string {
  const counts = opts.counts === true;
  const totals: [string, string][] = counts
    ? [
        ['tests', String(suites.reduce((n, s) => n + s.cases.length, 0))],
        ['failures', String(suites.reduce((n, s) => n + failuresOf(s), 0))],
        ['errors', '0'],
      ]
    : [];
  return writeXml(
    element(
      'testsuites',
      [['name', safe(name)], ...totals],
      suites.map((s) => suiteNode(s, counts)),
    ),
    { declaration: true, quote: opts.quote ?? "'" },
  );
}
