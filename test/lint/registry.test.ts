/**
 * Every rule file is registered and documented, after typescript-eslint's
 * tests/rules/index.test.ts. Rule ids are unique, kebab-case, and match their file names.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allRuleMetas } from '../../src/lint/registry.js';
import { allRules } from '../../src/lint/rules/index.js';

const RULES_DIR = join(import.meta.dirname, '../../src/lint/rules');
const DOCS_DIR = join(import.meta.dirname, '../../docs/rules');

function ruleFiles(): Array<{ family: string; id: string }> {
  return readdirSync(RULES_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) =>
      readdirSync(join(RULES_DIR, d.name))
        .filter((f) => f.endsWith('.ts') && f !== 'index.ts')
        .map((f) => ({ family: d.name, id: f.replace(/\.ts$/, '') })),
    );
}

describe('rule registry', () => {
  it('registers every rule file, under the id of its file name', () => {
    const registered = new Set(allRules.map((r) => r.meta.id));
    const files = ruleFiles();
    expect(files.length).toBeGreaterThan(30);
    expect(files.filter((f) => !registered.has(f.id)).map((f) => `${f.family}/${f.id}.ts`)).toEqual([]);
  });

  it('gives every rule a unique kebab-case id, a description and messages', () => {
    const metas = allRuleMetas();
    const ids = metas.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const m of metas) {
      expect(m.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(m.description.length, m.id).toBeGreaterThan(10);
      expect(Object.keys(m.messages).length, m.id).toBeGreaterThan(0);
      expect(['error', 'warning', 'info', 'off']).toContain(m.defaultSeverity);
    }
  });

  it('documents every rule id with a page naming it', () => {
    const missing = allRuleMetas()
      .map((m) => m.id)
      .filter((id) => !existsSync(join(DOCS_DIR, `${id}.md`)) || !readFileSync(join(DOCS_DIR, `${id}.md`), 'utf8').startsWith(`# ${id}`));
    expect(missing).toEqual([]);
  });

  it('has no doc page for a rule that does not exist', () => {
    const ids = new Set(allRuleMetas().map((m) => m.id));
    const orphans = readdirSync(DOCS_DIR)
      .filter((f) => f.endsWith('.md') && f !== 'README.md')
      .map((f) => f.replace(/\.md$/, ''))
      .filter((id) => !ids.has(id));
    expect(orphans).toEqual([]);
  });
});

describe('severity contract (docs/rules/README.md)', () => {
  const readme = readFileSync(join(DOCS_DIR, 'README.md'), 'utf8');
  /** The rows of the "Every rule" table: id → default severity as written. */
  const table = new Map([...readme.matchAll(/^\| \[([a-z0-9-]+)\]\(\1\.md\) \| [a-z]+ \| (error|warning|info|off) \| [^|]+\|$/gm)].map((m) => [m[1]!, m[2]!]));

  it('states the contract: error, warning and --strict', () => {
    expect(readme).toMatch(/\*\*error:\*\* a mainstream consumer refuses the package/);
    expect(readme).toMatch(/\*\*warning:\*\* DSP0243 or the DMTF XSD says otherwise, but the consumers accept it/);
    expect(readme).toMatch(/\*\*`--strict`\*\* turns warnings into failures/);
  });

  it('lists every rule with its default severity, and nothing else', () => {
    const metas = allRuleMetas();
    expect(metas.filter((m) => table.get(m.id) !== m.defaultSeverity).map((m) => `${m.id}: table says ${table.get(m.id) ?? '(missing)'}, rule says ${m.defaultSeverity}`)).toEqual([]);
    const ids = new Set(metas.map((m) => m.id));
    expect([...table.keys()].filter((id) => !ids.has(id))).toEqual([]);
  });

  it("gives the rule's default severity first on its page", () => {
    const wrong = allRuleMetas().filter((m) => {
      const cell = /\| Default severity \| ([a-z]+)/.exec(readFileSync(join(DOCS_DIR, `${m.id}.md`), 'utf8'))?.[1];
      return cell !== m.defaultSeverity;
    });
    expect(wrong.map((m) => m.id)).toEqual([]);
  });

  it('documents every option a rule declares, on its page and in the options table', () => {
    for (const m of allRuleMetas())
      for (const name of Object.keys(m.options ?? {})) {
        expect(readFileSync(join(DOCS_DIR, `${m.id}.md`), 'utf8'), `${m.id}.${name}`).toContain(name);
        expect(readme, `${m.id}.${name}`).toMatch(new RegExp(`\\| \\[${m.id}\\]\\(${m.id}\\.md\\) \\| \`${name}\``));
      }
  });
});

describe('verify diagnostics', () => {
  it('use only registered rule ids', async () => {
    const { readdirSync: ls, readFileSync: read } = await import('node:fs');
    const dir = join(import.meta.dirname, '../../src/package');
    const used = new Set<string>();
    for (const f of ls(dir)) for (const m of read(join(dir, f), 'utf8').matchAll(/diagnostic\('([a-z0-9-]+)'/g)) used.add(m[1]!);
    const known = new Set(allRuleMetas().map((m) => m.id));
    expect([...used].filter((id) => !known.has(id))).toEqual([]);
  });
});
