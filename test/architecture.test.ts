/**
 * The layers hold: src/ folders import only downward (docs/architecture.json),
 * the core does no IO, and the boundary check itself fails where it should.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
/** The pinned devDependency's own bin (its package exports no subpaths). */
const DEPCRUISE = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const architecture = JSON.parse(readFileSync(join(ROOT, 'docs/architecture.json'), 'utf8')) as {
  layers: { name: string; folders: string[] }[];
  folderOrder: string[];
};

interface Violation {
  from: string;
  to: string;
  rule: { name: string; severity: string };
}

interface Cruise {
  modules: { source: string; dependencies: { resolved: string }[] }[];
  summary: { violations: Violation[] };
}

/** Runs depcruise on `dir`'s src/ with the project's config. */
function cruise(dir: string): Cruise {
  let out: string;
  try {
    out = execFileSync(process.execPath, [DEPCRUISE, 'src', '--config', CONFIG, '--output-type', 'json'], { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 });
  } catch (e) {
    // depcruise exits with the number of errors; the JSON is on stdout either way.
    out = String((e as { stdout?: unknown }).stdout ?? '');
    if (!out) throw e;
  }
  return JSON.parse(out) as Cruise;
}

const depcruise = (dir: string): Violation[] => cruise(dir).summary.violations;

/** `a` → [b, …]: which top-level entries of src/ (folders, and files like index.ts) import which. */
function folderEdges(c: Cruise): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  for (const m of c.modules) {
    if (!m.source.startsWith('src/')) continue;
    const from = m.source.split('/')[1]!;
    for (const d of m.dependencies) {
      const to = d.resolved.startsWith('src/') ? d.resolved.split('/')[1]! : undefined;
      if (to === undefined || to === from) continue;
      edges.set(from, (edges.get(from) ?? new Set()).add(to));
    }
  }
  return edges;
}

describe('architecture', () => {
  const src = cruise(ROOT);

  it('src/ has no import that crosses a layer upward, no IO in the core and no cycle', () => {
    expect(src.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)).toEqual([]);
  });

  it('docs/architecture.md lists the folder → folder imports the code has', () => {
    const doc = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');
    const listed = /<!-- folder-edges -->\n([\s\S]*?)<!-- \/folder-edges -->/.exec(doc)?.[1] ?? '';
    const parsed = new Map(
      listed
        .trim()
        .split('\n')
        .map((line) => {
          const [from, to] = line.replace(/^- /, '').replaceAll('`', '').split(' → ');
          return [from!, new Set(to!.split(', '))] as const;
        }),
    );
    expect(parsed).toEqual(folderEdges(src));
  });

  it('fails on a core module that imports deploy or fs, naming the file, the import and the rule', () => {
    const violations = depcruise(join(ROOT, 'test/fixtures/architecture'));
    expect(violations).toContainEqual(expect.objectContaining({ from: 'src/netsec/leak.ts', to: 'src/deploy/transport.ts', rule: { name: 'core-not-to-hosts', severity: 'error' } }));
    expect(violations).toContainEqual(expect.objectContaining({ from: 'src/netsec/leak.ts', to: 'fs', rule: { name: 'core-no-io', severity: 'error' } }));
    expect(violations.every((v) => v.from === 'src/netsec/leak.ts')).toBe(true);
  });

  it('places every src/ folder in a layer and in the folder order', () => {
    const folders = readdirSync(join(ROOT, 'src'), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
    expect([...architecture.folderOrder].sort()).toEqual(folders);
    expect(architecture.layers.flatMap((l) => l.folders).sort()).toEqual(folders);
  });
});
