/** Lint configuration: file parsing and validation, `--rule` options, precedence CLI > file > defaults. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isOvfpipeError } from '../../src/diagnostics/errors.js';
import { loadLintConfig } from '../../src/actions/lint-config.js';
import { closestRuleId, mergeLintConfig, parseLintConfig, parseRuleOption } from '../../src/lint/config.js';
import { runRules } from '../../src/lint/engine.js';
import { propertiesRules } from '../../src/lint/rules/properties/index.js';
import { parseDescriptor } from '../../src/ovf/parser.js';

/** The usage error a call throws (fails the test if it throws nothing or something else). */
function usageError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(isOvfpipeError(e) && e.code).toBe('OVFPIPE_USAGE');
    return (e as Error).message;
  }
  throw new Error('expected an OVFPIPE_USAGE error');
}

async function usageErrorAsync(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isOvfpipeError(e) && e.code).toBe('OVFPIPE_USAGE');
  return (e as Error).message;
}

describe('parseLintConfig', () => {
  it('reads YAML levels, normalising warn to warning, with rule options, strict and catalog', () => {
    const yaml = `strict: true
catalog: profiles.yaml
rules:
  property-key: warn
  property-type: warning
  property-value: off
  property-configuration: info
  property-qualifiers: [error, { allow: [Ip, Netmask] }]
  product-section-class: [warn]
`;
    expect(parseLintConfig(yaml, 'cfg.yaml')).toEqual({
      strict: true,
      catalog: 'profiles.yaml',
      rules: {
        'property-key': 'warning',
        'property-type': 'warning',
        'property-value': 'off',
        'property-configuration': 'info',
        'property-qualifiers': ['error', { allow: ['Ip', 'Netmask'] }],
        'product-section-class': ['warning', {}],
      },
    });
  });

  it('reads JSON, and treats an empty file as an empty configuration', () => {
    expect(parseLintConfig('{"rules": {"property-key": "error"}, "strict": false}', 'c.json')).toEqual({ rules: { 'property-key': 'error' }, strict: false });
    expect(parseLintConfig('', 'empty.yaml')).toEqual({});
  });

  it('rejects an unknown rule id, naming the closest known one', () => {
    const msg = usageError(() => parseLintConfig('rules:\n  property-kye: warn\n', 'cfg.yaml'));
    expect(msg).toContain('cfg.yaml: invalid lint configuration');
    expect(msg).toContain("unknown rule 'property-kye' (closest known rule: 'property-key')");
    expect(msg.split('\n')).toHaveLength(2);
  });

  it('rejects a configuration that is not a mapping, or rules that are not one', () => {
    expect(usageError(() => parseLintConfig('- 1\n- 2\n', 'c.yaml'))).toContain('must be a mapping of rules, strict and catalog');
    expect(usageError(() => parseLintConfig('rules: 3', 'c.yaml'))).toContain('rules must be a mapping of rule id to level');
  });

  it('rejects bad levels, unknown settings and wrong types, listing every problem', () => {
    const msg = usageError(() => parseLintConfig('strict: yes please\ncolour: true\nrules:\n  property-key: fatal\n  property-type: [warn, 3]\n', 'cfg.yaml'));
    expect(msg).toContain('strict must be true or false');
    expect(msg).toContain("unknown setting 'colour'");
    expect(msg).toContain('rules.property-key: level must be off, warn, error or info, or [level, {options}] (got "fatal")');
    expect(msg).toContain('rules.property-type: level must be');
  });

  it('reports YAML syntax errors with their position', () => {
    expect(usageError(() => parseLintConfig('rules:\n  a: [unclosed\n', 'bad.yaml'))).toMatch(/^bad\.yaml:\d+:\d+: cannot parse lint configuration/);
    expect(usageError(() => parseLintConfig('rules: {property-key: off, property-key: error}', 'dup.yaml'))).toContain('cannot parse');
  });
});

describe('parseRuleOption', () => {
  it.each([
    ['property-key=warn', 'warning'],
    ['property-key=warning', 'warning'],
    ['property-key=OFF', 'off'],
    ['property-key=error', 'error'],
    [' property-key = info ', 'info'],
  ])('parses %s', (option, level) => {
    expect(parseRuleOption(option)).toEqual(['property-key', level]);
  });

  it.each([
    ['property-key', 'expected id=level'],
    ['=warn', 'expected id=level'],
    ['property-kye=warn', "closest known rule: 'property-key'"],
    ['property-key=fatal', 'level must be off, warn, error or info'],
    ['xml-well-formed=off', 'reports a loading failure and cannot be configured'],
  ])('rejects %s', (option, text) => {
    expect(usageError(() => parseRuleOption(option))).toContain(text);
  });

  it('suggests the nearest id by edit distance', () => {
    expect(closestRuleId('proprety-value', ['property-key', 'property-value'])).toBe('property-value');
  });
});

describe('mergeLintConfig', () => {
  it('lets later layers win: CLI over file over defaults', () => {
    const defaults = { rules: { 'property-key': 'error' as const, 'property-type': 'error' as const }, strict: false };
    const file = { rules: { 'property-key': 'warning' as const }, strict: true, catalog: '/etc/cat.yaml' };
    const cli = { rules: { 'property-type': 'off' as const }, strict: undefined, catalog: 'mine.yaml' };
    expect(mergeLintConfig(defaults, file, cli)).toEqual({ rules: { 'property-key': 'warning', 'property-type': 'off' }, strict: true, catalog: 'mine.yaml' });
  });

  it('keeps rule options when a later layer sets only the level', () => {
    const file = { rules: { 'property-qualifiers': ['error', { allow: ['Ip'] }] as ['error', Record<string, unknown>] } };
    expect(mergeLintConfig(file, { rules: { 'property-qualifiers': 'warning' } })).toEqual({ rules: { 'property-qualifiers': ['warning', { allow: ['Ip'] }] } });
    expect(mergeLintConfig(undefined, {}, file).rules).toEqual(file.rules);
  });

  it('drives the engine: the merged level applies to the rule', () => {
    const { envelope } = parseDescriptor(
      `<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"><References/>
<VirtualSystem ovf:id="v"><Info>v</Info><ProductSection><Info>p</Info><Property ovf:key="a:b" ovf:type="string"/></ProductSection></VirtualSystem></Envelope>`,
      't.ovf',
    );
    const run = (cfg: object) => runRules({ scope: 'descriptor', file: 't.ovf', envelope: envelope! }, cfg, propertiesRules).map((d) => d.severity);
    const file = parseLintConfig('rules:\n  property-key: warn\n', 'f.yaml');
    expect(run(mergeLintConfig(file))).toEqual(['warning']);
    expect(run(mergeLintConfig(file, { rules: Object.fromEntries([parseRuleOption('property-key=off')]) }))).toEqual([]);
  });
});

describe('loadLintConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ovfpipe-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('returns an empty configuration when there is no file', async () => {
    mkdirSync(join(dir, 'none'));
    expect(await loadLintConfig(undefined, join(dir, 'none'))).toEqual({});
  });

  it('finds .ovfpipe-lint.yaml (before .json) in the working directory and resolves catalog against it', async () => {
    const cwd = join(dir, 'found');
    mkdirSync(cwd);
    writeFileSync(join(cwd, '.ovfpipe-lint.json'), '{"strict": false}');
    writeFileSync(join(cwd, '.ovfpipe-lint.yaml'), 'strict: true\ncatalog: cat/profiles.yaml\n');
    expect(await loadLintConfig(undefined, cwd)).toEqual({ strict: true, catalog: join(cwd, 'cat/profiles.yaml') });
  });

  it('loads an explicit path relative to cwd, and fails when it is missing or invalid', async () => {
    writeFileSync(join(dir, 'team.json'), '{"rules": {"property-type": "warn"}}');
    writeFileSync(join(dir, 'broken.yaml'), 'rules:\n  nope: warn\n');
    expect(await loadLintConfig('team.json', dir)).toEqual({ rules: { 'property-type': 'warning' } });
    expect(await usageErrorAsync(loadLintConfig('absent.yaml', dir))).toContain('absent.yaml does not exist');
    expect(await usageErrorAsync(loadLintConfig('broken.yaml', dir))).toContain("unknown rule 'nope'");
  });
});
