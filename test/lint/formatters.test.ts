/** Lint formatters: stylish, json (PRODUCT.md §5 shape), SARIF 2.1.0 structure, JUnit XML that parses back. */
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/diagnostics/diagnostic.js';
import { isOvfpipeError } from '../../src/diagnostics/errors.js';
import type { LintResult } from '../../src/lint/engine.js';
import { artifactUri, formatResults, escapeXml, FORMAT_NAMES, type FormatName } from '../../src/lint/formatters/index.js';
import type { RuleMeta } from '../../src/lint/rule.js';
import { REPOSITORY_URL, VERSION, repositoryUrl } from '../../src/version.js';
import { existsSync, readFileSync } from 'node:fs';
import { allRuleMetas } from '../../src/lint/registry.js';
import { auditSarif } from '../../src/deploy/audit/format.js';
import { attr, children, type XmlElement } from '../../src/xml/element.js';
import { parseXml } from '../../src/xml/parse.js';

function diag(p: Partial<Diagnostic> & Pick<Diagnostic, 'ruleId' | 'severity' | 'message'>): Diagnostic {
  return { file: 'pkgs/web.ovf', line: 0, column: 0, locator: '', ...p };
}

const TRICKY = `value <"a" & 'b'> ]]> \u0001 end`;

const RESULTS: LintResult[] = [
  {
    file: 'pkgs/web.ovf',
    diagnostics: [
      diag({ ruleId: 'property-key', severity: 'error', message: "Property key 'a:b' contains ':'", line: 12, column: 5, locator: 'VirtualSystem[web]/ProductSection/Property[key=a:b]' }),
      diag({ ruleId: 'property-type', severity: 'warning', message: TRICKY, line: 30, column: 7, locator: 'VirtualSystem[web]/ProductSection/Property[key=n]' }),
      diag({ ruleId: 'property-configuration', severity: 'info', message: 'first is default', line: 3, column: 1, locator: 'DeploymentOptionSection/Configuration[small]' }),
      diag({ ruleId: 'internal-error', severity: 'error', message: 'rule x failed' }),
    ],
  },
  { file: 'pkgs/db.ovf', diagnostics: [] },
];

const METAS: RuleMeta[] = [
  { id: 'property-key', family: 'properties', defaultSeverity: 'error', description: 'Keys are unique', messages: {} },
  { id: 'property-type', family: 'properties', defaultSeverity: 'error', description: 'Types are known', messages: {} },
  { id: 'property-configuration', family: 'properties', defaultSeverity: 'warning', description: 'Configurations resolve', messages: {} },
  { id: 'policy-nic-filter', family: 'policy', defaultSeverity: 'off', description: 'NICs carry a filter', messages: {} },
];

describe('stylish', () => {
  it('prints a block per file with aligned columns and a summary, without colour by default', () => {
    const out = formatResults('stylish', [RESULTS[0]!, { file: 'b.ovf', diagnostics: [diag({ ruleId: 'r', severity: 'warning', message: 'multi\nline', line: 1, column: 2 })] }]);
    expect(out).toBe(
      [
        'pkgs/web.ovf',
        "  12:5  error    Property key 'a:b' contains ':'  property-key            VirtualSystem[web]/ProductSection/Property[key=a:b]",
        `  30:7  warning  value <"a" & 'b'> ]]> \\x01 end   property-type           VirtualSystem[web]/ProductSection/Property[key=n]`,
        '  3:1   info     first is default                 property-configuration  DeploymentOptionSection/Configuration[small]',
        '  0:0   error    rule x failed                    internal-error',
        '',
        'b.ovf',
        '  1:2  warning  multi line  r',
        '',
        '✖ 5 problems (2 errors, 2 warnings, 1 info)',
        '',
      ].join('\n'),
    );
    expect(out).not.toContain('\u001b[');
  });

  it('never passes terminal control characters through', () => {
    const out = formatResults('stylish', [{ file: 'x\u001b[2J.ovf', diagnostics: [diag({ ruleId: 'r', severity: 'error', message: 'key \u001b]0;pwned\u0007 \u009b31m' })] }]);
    expect(out).not.toMatch(/[\u0000-\u0009\u000B-\u001F\u007F-\u009F]/);
    expect(out).toContain('key \\x1b]0;pwned\\x07 \\x9b31m');
  });

  it('colours severities and the summary only when asked', () => {
    const out = formatResults('stylish', RESULTS, { color: true });
    expect(out).toContain('\u001b[31merror');
    expect(out).toContain('\u001b[33mwarning');
    expect(out).toContain('\u001b[1m\u001b[31m✖ 4 problems');
  });

  it('prints nothing for clean results, and uses singulars', () => {
    expect(formatResults('stylish', [{ file: 'a.ovf', diagnostics: [] }])).toBe('');
    const one = formatResults('stylish', [{ file: 'a.ovf', diagnostics: [diag({ ruleId: 'r', severity: 'error', message: 'm' })] }]);
    expect(one.trimEnd().split('\n').at(-1)).toBe('✖ 1 problem (1 error, 0 warnings)');
  });
});

describe('json', () => {
  it('is exactly the PRODUCT.md §5 shape, keys in order, two-space indented', () => {
    const out = formatResults('json', RESULTS);
    expect(out.startsWith('[\n  {\n    "file": "pkgs/web.ovf",\n    "diagnostics": [\n      {\n        "ruleId"')).toBe(true);
    expect(out.endsWith(']\n')).toBe(true);
    const parsed = JSON.parse(out) as Array<{ file: string; diagnostics: Array<Record<string, unknown>> }>;
    expect(parsed.map((r) => Object.keys(r))).toEqual([
      ['file', 'diagnostics'],
      ['file', 'diagnostics'],
    ]);
    for (const d of parsed[0]!.diagnostics) expect(Object.keys(d)).toEqual(['ruleId', 'severity', 'message', 'line', 'column', 'locator']);
    expect(parsed[0]!.diagnostics[1]).toEqual({ ruleId: 'property-type', severity: 'warning', message: TRICKY, line: 30, column: 7, locator: 'VirtualSystem[web]/ProductSection/Property[key=n]' });
    expect(parsed[1]).toEqual({ file: 'pkgs/db.ovf', diagnostics: [] });
  });
});

describe('sarif', () => {
  type Sarif = { $schema: string; version: string; runs: Array<{ tool: { driver: Record<string, unknown> & { rules: Array<Record<string, any>> } }; results: Array<Record<string, any>> }> };
  const sarif = (results = RESULTS, opts = {}) => JSON.parse(formatResults('sarif', results, { rules: METAS, toolVersion: '1.2.3', ...opts })) as Sarif;

  it('has the SARIF 2.1.0 envelope: schema, version, one run, the ovfpipe driver', () => {
    const log = sarif();
    expect(log.$schema).toMatch(/sarif-2\.1\.0/);
    expect(log.version).toBe('2.1.0');
    expect(log.runs).toHaveLength(1);
    const { driver } = log.runs[0]!.tool;
    expect(driver['name']).toBe('ovfpipe');
    expect(driver['version']).toBe('1.2.3');
    // package.json names no repository: no informationUri rather than a link to a page that does not exist.
    expect(driver['informationUri']).toBe(REPOSITORY_URL);
    expect(sarif(RESULTS, { informationUri: 'https://example.org/ovfpipe' }).runs[0]!.tool.driver['informationUri']).toBe('https://example.org/ovfpipe');
  });

  it("defaults the driver version to the package's own", () => {
    const log = JSON.parse(formatResults('sarif', RESULTS)) as Sarif;
    expect(log.runs[0]!.tool.driver['version']).toBe(VERSION);
  });

  it('describes every rule from the metadata, plus ids reported without metadata', () => {
    const { rules } = sarif(RESULTS, { docsBaseUri: 'https://example.org/repo/blob/HEAD/docs/rules' }).runs[0]!.tool.driver;
    expect(rules.map((r) => r['id'])).toEqual(['property-key', 'property-type', 'property-configuration', 'policy-nic-filter', 'internal-error']);
    expect(rules[0]).toEqual({
      id: 'property-key',
      shortDescription: { text: 'Keys are unique' },
      defaultConfiguration: { level: 'error' },
      helpUri: 'https://example.org/repo/blob/HEAD/docs/rules/property-key.md',
      properties: { tags: ['properties'] },
    });
    expect(rules[2]!['defaultConfiguration']).toEqual({ level: 'warning' });
    expect(rules[3]!['defaultConfiguration']).toEqual({ level: 'none', enabled: false });
    for (const r of rules.slice(0, 4)) expect(r['helpUri']).toMatch(new RegExp(`docs/rules/${r['id']}\\.md$`));
  });

  it('links rule help only to pages that exist: docs/rules/<id>.md of the repository package.json names, or no helpUri at all', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { repository?: string | { url?: string } };
    const metas = allRuleMetas();
    const rules = (JSON.parse(formatResults('sarif', [], { rules: metas })) as Sarif).runs[0]!.tool.driver.rules;
    expect(rules).toHaveLength(metas.length);
    const base = repositoryUrl(pkg.repository);
    for (const r of rules) {
      // Every registered rule has its page, whichever host serves it.
      expect(existsSync(`docs/rules/${r['id']}.md`), `docs/rules/${r['id']}.md`).toBe(true);
      if (base === undefined) expect(r).not.toHaveProperty('helpUri');
      else expect(r['helpUri']).toBe(`${base}/blob/HEAD/docs/rules/${r['id']}.md`);
    }
    // The audit's SARIF follows the same rule: its links, when any, go to docs/audit.md anchors that exist.
    const audit = JSON.parse(auditSarif({ hosts: [] } as never, 'p.yaml')) as Sarif;
    const anchors = new Set([...readFileSync('docs/audit.md', 'utf8').matchAll(/<a id="([a-z-]+)"><\/a>/g)].map((m) => m[1]));
    for (const r of audit.runs[0]!.tool.driver.rules) {
      expect(anchors.has(r['id'] as string), `docs/audit.md#${r['id']}`).toBe(true);
      if (base === undefined) expect(r).not.toHaveProperty('helpUri');
      else expect(r['helpUri']).toBe(`${base}/blob/HEAD/docs/audit.md#${r['id']}`);
    }
  });

  it('reads the repository from package.json forms, and only as an https address', () => {
    expect(repositoryUrl('github:acme/ovfpipe')).toBe('https://github.com/acme/ovfpipe');
    expect(repositoryUrl('acme/ovfpipe')).toBe('https://github.com/acme/ovfpipe');
    expect(repositoryUrl({ url: 'git+https://gitlab.example.org/tools/ovfpipe.git' })).toBe('https://gitlab.example.org/tools/ovfpipe');
    expect(repositoryUrl({ url: 'git@github.com:acme/ovfpipe.git' })).toBeUndefined();
    expect(repositoryUrl(undefined)).toBeUndefined();
  });

  it('gives each result a rule index, a level, a message, a relative location and a logical locator', () => {
    const log = sarif();
    const { results } = log.runs[0]!;
    const rules = log.runs[0]!.tool.driver.rules;
    expect(results).toHaveLength(4);
    for (const r of results) {
      expect(rules[r['ruleIndex']]!['id']).toBe(r['ruleId']);
      expect(['error', 'warning', 'note']).toContain(r['level']);
      expect(typeof r['message'].text).toBe('string');
      expect(r['locations'][0].physicalLocation.artifactLocation.uri).toBe('pkgs/web.ovf');
    }
    expect(results.map((r) => r['level'])).toEqual(['error', 'warning', 'note', 'error']);
    expect(results[0]!['locations'][0]).toEqual({
      physicalLocation: { artifactLocation: { uri: 'pkgs/web.ovf' }, region: { startLine: 12, startColumn: 5 } },
      logicalLocations: [{ fullyQualifiedName: 'VirtualSystem[web]/ProductSection/Property[key=a:b]' }],
    });
    expect(results[3]!['locations'][0]).toEqual({ physicalLocation: { artifactLocation: { uri: 'pkgs/web.ovf' } } });
  });

  it('points a descriptor inside an archive at the archive, without a region', () => {
    const inOva: LintResult = {
      file: 'out/app.ova!/app.ovf',
      archive: 'out/app.ova',
      diagnostics: [diag({ file: 'out/app.ova!/app.ovf', ruleId: 'property-key', severity: 'error', message: 'm', line: 4, column: 2 })],
    };
    expect(sarif([inOva]).runs[0]!.results[0]!['locations'][0].physicalLocation).toEqual({ artifactLocation: { uri: 'out/app.ova' } });
  });

  it('makes artifact URIs relative to cwd with forward slashes, and encodes them', () => {
    expect(artifactUri('/work/repo/pkgs/a b.ovf', '/work/repo')).toBe('pkgs/a%20b.ovf');
    expect(artifactUri('./pkgs/x#1.ovf')).toBe('pkgs/x%231.ovf');
    expect(artifactUri('pkgs\\win\\a.ovf')).toBe('pkgs/win/a.ovf');
    expect(artifactUri('/elsewhere/a.ovf', '/work/repo')).toBe('file:///elsewhere/a.ovf');
  });
});

describe('junit', () => {
  const parse = (text: string): XmlElement => {
    const r = parseXml(text);
    if (!r.ok) throw new Error(r.problem.message);
    return r.root;
  };

  it('parses back: a suite per file, a failing case per error, warnings and info in system-out of a passing case', () => {
    const root = parse(formatResults('junit', RESULTS));
    expect(root.local).toBe('testsuites');
    expect([attr(root, 'tests'), attr(root, 'failures')]).toEqual(['4', '2']);
    const suites = children(root, 'testsuite');
    expect(suites.map((s) => [attr(s, 'name'), attr(s, 'tests'), attr(s, 'failures')])).toEqual([
      ['pkgs/web.ovf', '3', '2'],
      ['pkgs/db.ovf', '1', '0'],
    ]);
    const cases = children(suites[0]!, 'testcase');
    expect(cases.slice(0, 2).map((c) => attr(children(c, 'failure')[0]!, 'type'))).toEqual(['property-key', 'internal-error']);
    expect(attr(cases[0]!, 'name')).toBe('property-key 12:5 VirtualSystem[web]/ProductSection/Property[key=a:b]');
    const passing = cases[2]!;
    expect(children(passing, 'failure')).toEqual([]);
    const out = children(passing, 'system-out')[0]!.text;
    expect(out).toContain('pkgs/web.ovf:30:7: warning:');
    expect(out).toContain('[property-type]');
    expect(out).toContain('pkgs/web.ovf:3:1: info: first is default [property-configuration]');
    const clean = children(suites[1]!, 'testcase');
    expect(clean).toHaveLength(1);
    expect(children(clean[0]!, 'failure')).toEqual([]);
    expect(children(clean[0]!, 'system-out')).toEqual([]);
  });

  it('under --strict, warnings are failures too (the report fails exactly when the exit code does); info stays in system-out', () => {
    const root = parse(formatResults('junit', RESULTS, { strict: true }));
    expect([attr(root, 'tests'), attr(root, 'failures')]).toEqual(['5', '3']);
    const cases = children(children(root, 'testsuite')[0]!, 'testcase');
    expect(cases.slice(0, 3).map((c) => attr(children(c, 'failure')[0]!, 'type'))).toEqual(['property-key', 'property-type', 'internal-error']);
    expect(children(cases[3]!, 'system-out')[0]!.text).toContain('info: first is default');
    expect(children(cases[3]!, 'system-out')[0]!.text).not.toContain('warning');
  });

  it('escapes every value: markup in messages survives the round trip, characters XML cannot hold become U+FFFD', () => {
    const root = parse(formatResults('junit', RESULTS));
    const failure = children(children(children(parse(formatResults('junit', RESULTS, { strict: true })), 'testsuite')[0]!, 'testcase')[1]!, 'failure')[0]!;
    const expected = TRICKY.replace('\u0001', '\uFFFD');
    expect(attr(failure, 'message')).toBe(expected);
    expect(failure.text).toContain(expected);
  });

  it('escapes attribute and text content separately', () => {
    expect(escapeXml(`<a b="c" d='e'>&\n`)).toBe('&lt;a b=&quot;c&quot; d=&apos;e&apos;&gt;&amp;&#10;');
    expect(escapeXml('<x>&"\n', false)).toBe('&lt;x&gt;&amp;"\n');
    expect(escapeXml('\uD800 lone')).toBe('\uFFFD lone');
  });
});

describe('formatResults', () => {
  it('knows the four PRODUCT.md §5 formats', () => {
    expect(FORMAT_NAMES).toEqual(['stylish', 'json', 'sarif', 'junit']);
    for (const f of FORMAT_NAMES) expect(typeof formatResults(f, RESULTS)).toBe('string');
  });

  it('rejects an unknown format as a usage error', () => {
    try {
      formatResults('xml' as FormatName, RESULTS);
      expect.unreachable();
    } catch (e) {
      expect(isOvfpipeError(e) && e.code).toBe('OVFPIPE_USAGE');
    }
  });
});
