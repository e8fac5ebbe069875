/**
 * The CI templates of pipeline/ci run as shipped: every `ovfpipe` command they run is a command of our CLI with
 * valid flags (its argv parsed by the real commander program, actions replaced by no-ops), enumerated values
 * are ones we accept, and ovfpipe is installed from a tarball built from its repository (`npm ci` + `npm pack`),
 * never from the npm registry, where there is no ovfpipe.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { allCommands, buildProgram } from '../../src/cli/main.js';
import { parseShard } from '../../src/cli/shard.js';
import { FORMAT_NAMES } from '../../src/lint/formatters/index.js';

const DIR = 'pipeline/ci';
const TEMPLATES = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f));

/** The environment each engine gives a sharded job (what `--shard auto` reads there). */
const ENGINE_ENV: Record<string, Record<string, string>> = {
  'gitlab-ci.yml': { CI_NODE_INDEX: '1', CI_NODE_TOTAL: '2' },
  'k8s-indexed-job.yaml': { JOB_COMPLETION_INDEX: '0', OVFPIPE_SHARD_COUNT: '2' },
};

type Doc = Record<string, any>;

/** The shell scripts a template runs: GitHub `run:` steps, GitLab `script:` lists, a Kubernetes container's `sh -c` argument. */
function scripts(file: string, doc: Doc): Array<{ where: string; script: string; matrix?: Record<string, unknown[]> }> {
  const out: Array<{ where: string; script: string; matrix?: Record<string, unknown[]> }> = [];
  if (doc['jobs'])
    for (const [job, j] of Object.entries(doc['jobs'] as Record<string, Doc>))
      for (const [i, step] of ((j['steps'] ?? []) as Doc[]).entries())
        if (typeof step['run'] === 'string') out.push({ where: `${file} jobs.${job}.steps[${i}]`, script: step['run'], matrix: j['strategy']?.['matrix'] });
  if (doc['kind'] === 'Job')
    for (const c of doc['spec']['template']['spec']['containers'] as Doc[]) {
      const argv = [...(c['command'] ?? []), ...(c['args'] ?? [])] as string[];
      expect(argv.slice(0, 2), `${file}: container ${c['name']} runs sh -c`).toEqual(['sh', '-ec']);
      out.push({ where: `${file} container ${c['name']}`, script: argv[2]! });
    }
  if (!doc['jobs'] && doc['kind'] === undefined)
    for (const [job, j] of Object.entries(doc))
      if (j && typeof j === 'object' && !Array.isArray(j))
        for (const key of ['before_script', 'script', 'after_script']) for (const line of (j as Doc)[key] ?? []) out.push({ where: `${file} ${job}.${key}`, script: String(line) });
  return out;
}

/** Splits a script into simple commands (words, quotes removed), at newlines, `;`, `&&`, `||`, `|`; drops redirections. Enough for the templates' shell. */
function commands(script: string): string[][] {
  const out: string[][] = [];
  let words: string[] = [];
  let word: string | undefined;
  let redirect = false;
  const endWord = () => {
    if (word !== undefined) {
      if (redirect) redirect = false;
      else words.push(word);
    }
    word = undefined;
  };
  const endCommand = () => {
    endWord();
    if (words.length > 0) out.push(words);
    words = [];
  };
  for (let i = 0; i < script.length; i++) {
    const c = script[i]!;
    if (c === '\\' && script[i + 1] === '\n') i++;
    else if (c === "'") {
      const end = script.indexOf("'", i + 1);
      word = (word ?? '') + script.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      let text = '';
      for (; script[j] !== '"'; j++) text += script[j] === '\\' ? script[++j] : script[j];
      word = (word ?? '') + text;
      i = j;
    } else if (c === '\n' || c === ';' || c === '|' || c === '&' || c === '(' || c === ')') endCommand();
    else if (c === '>' || c === '<') {
      endWord();
      redirect = true;
    } else if (c === ' ' || c === '\t') endWord();
    else if (c === '#' && word === undefined) {
      while (i < script.length && script[i] !== '\n') i++;
      endCommand();
    } else word = (word ?? '') + c;
  }
  endCommand();
  return out;
}

/** GitHub expressions: `${{ matrix.X }}` becomes the matrix's first value, anything else a placeholder word. */
function expand(script: string, matrix: Record<string, unknown[]> | undefined): string {
  return script.replace(/\$\{\{\s*([\w.-]+)[^}]*\}\}/g, (_, expr: string) => (expr.startsWith('matrix.') ? String(matrix?.[expr.slice(7)]?.[0] ?? 'x') : 'x'));
}

/** The argv given to ovfpipe by a command (`ovfpipe …`, `npx [--no] ovfpipe …`, `node …/dist/cli/bin.js …`), after `VAR=value` prefixes. */
function ovfpipeArgv(words: string[]): string[] | undefined {
  const w = words.slice(words.findIndex((x) => !/^[A-Za-z_]\w*=/.test(x)));
  if (w[0] === 'ovfpipe') return w.slice(1);
  if (w[0] === 'node' && w[1]?.endsWith('dist/cli/bin.js')) return w.slice(2);
  if (w[0] === 'npx') {
    const i = w.indexOf('ovfpipe');
    return i > 0 ? w.slice(i + 1) : undefined;
  }
  return undefined;
}

/** Parses argv with the real program; the commands' actions are no-ops, so only commander's checks run. Returns the error, or undefined. */
async function argvProblem(argv: string[]): Promise<string | undefined> {
  let err = '';
  const io = { stdout: { write: () => true }, stderr: { write: (s: string) => (err += s) }, env: {}, cwd: process.cwd() };
  const program = buildProgram(io, () => undefined);
  for (const c of allCommands(program)) c.action(() => undefined);
  try {
    await program.parseAsync(['node', 'ovfpipe', ...argv]);
    return undefined;
  } catch (e) {
    if (e instanceof CommanderError) return err.trim() || e.message;
    throw e;
  }
}

/** The value after `flag` in argv (`--flag v` or `--flag=v`). */
function flagValue(argv: string[], ...flags: string[]): string | undefined {
  for (const [i, a] of argv.entries()) {
    if (flags.includes(a)) return argv[i + 1];
    for (const f of flags) if (a.startsWith(`${f}=`)) return a.slice(f.length + 1);
  }
  return undefined;
}

describe('pipeline/ci templates', () => {
  it('ships GitHub Actions, GitLab CI and Kubernetes Indexed Job templates', () => {
    expect(TEMPLATES.sort()).toEqual(['github-actions.yml', 'gitlab-ci.yml', 'k8s-indexed-job.yaml']);
  });

  for (const file of TEMPLATES)
    describe(file, () => {
      const doc = parse(readFileSync(join(DIR, file), 'utf8')) as Doc;
      const all = scripts(file, doc).flatMap((s) => commands(expand(s.script, s.matrix)).map((words) => ({ where: s.where, words })));

      it('runs only ovfpipe commands and flags our CLI has, with values it accepts', async () => {
        const runs = all.map((c) => ({ ...c, argv: ovfpipeArgv(c.words) })).filter((c): c is typeof c & { argv: string[] } => c.argv !== undefined);
        expect(runs.length, `${file} runs ovfpipe`).toBeGreaterThan(0);
        for (const { where, argv } of runs) {
          expect(await argvProblem(argv), `${where}: ovfpipe ${argv.join(' ')}`).toBeUndefined();
          const format = flagValue(argv, '-f', '--format');
          if (format !== undefined) expect(FORMAT_NAMES, `${where}: --format ${format}`).toContain(format);
          const shard = flagValue(argv, '--shard');
          if (shard !== undefined) expect(() => parseShard(shard, ENGINE_ENV[file] ?? {}), `${where}: --shard ${shard}`).not.toThrow();
        }
      });

      it('never installs ovfpipe from the npm registry: it installs a tarball built by npm pack from the repository', () => {
        const installs = all.filter(({ words }) => words[0] === 'npm' && ['install', 'i', 'add'].includes(words[1]!));
        expect(installs.length, `${file} installs ovfpipe`).toBeGreaterThan(0);
        for (const { where, words } of installs) {
          const specs = words.slice(2).filter((w) => !w.startsWith('-'));
          for (const spec of specs) expect(spec, `${where}: npm ${words.slice(1).join(' ')}`).toMatch(/^(\.{0,2}\/).*\.tgz$/);
        }
        for (const { where, words } of all.filter((c) => c.words[0] === 'npx' && c.words.includes('ovfpipe')))
          expect(
            words.some((w) => w === '--no' || w === '--no-install'),
            `${where}: npx may fetch ovfpipe from the registry`,
          ).toBe(true);
        // Where the tarball comes from: a job of the template builds it, or (Kubernetes) the header says where to put it.
        const text = readFileSync(join(DIR, file), 'utf8');
        const builds = all.some(({ words }) => words[0] === 'npm' && words[1] === 'pack') && all.some(({ words }) => words[0] === 'npm' && words[1] === 'ci');
        expect(builds || /npm ci && npm pack/.test(text), `${file} builds the tarball with npm ci + npm pack`).toBe(true);
      });
    });

  it('the Kubernetes Job is Indexed and tells its pods the shard count it runs (OVFPIPE_SHARD_COUNT = completions = parallelism)', () => {
    const job = parse(readFileSync(join(DIR, 'k8s-indexed-job.yaml'), 'utf8')) as Doc;
    expect(job['apiVersion']).toBe('batch/v1');
    expect(job['spec']['completionMode']).toBe('Indexed');
    const env = (job['spec']['template']['spec']['containers'][0]['env'] as Array<{ name: string; value: string }>).find((e) => e.name === 'OVFPIPE_SHARD_COUNT');
    expect(Number(env?.value)).toBe(job['spec']['completions']);
    expect(job['spec']['parallelism']).toBe(job['spec']['completions']);
  });

  it('the GitLab provisioning job runs in parallel, so CI_NODE_INDEX and CI_NODE_TOTAL are set for --shard auto', () => {
    const gitlab = parse(readFileSync(join(DIR, 'gitlab-ci.yml'), 'utf8')) as Doc;
    expect(gitlab['provision']['parallel']).toBeGreaterThan(1);
    expect((gitlab['provision']['script'] as string[]).join('\n')).toContain('--shard auto');
  });

  it('the argv check itself refuses what our CLI refuses (unknown command or flag, missing argument or required flag)', async () => {
    expect(await argvProblem(['frobnicate'])).toMatch(/unknown command/);
    expect(await argvProblem(['lint', '--bogus', 'x'])).toMatch(/unknown option '--bogus'/);
    expect(await argvProblem(['apply'])).toMatch(/missing required argument/);
    expect(await argvProblem(['deploy', 'pkg', '--tenant', 't'])).toMatch(/required option '--host/);
    expect(await argvProblem(['report', 'merge', 'a.json'])).toMatch(/required option '-o, --output/);
    expect(await argvProblem(['lint', '--format', 'sarif', 'x'])).toBeUndefined();
    expect(commands(`a 'b c' "d \\"e" > out.json && f | g; h # i\nj`)).toEqual([['a', 'b c', 'd "e'], ['f'], ['g'], ['h'], ['j']]);
  });

  it('npm pack of this repository holds the CLI the templates install (bin dist/cli/bin.js)', () => {
    const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { bin: Record<string, string> };
    expect(manifest.bin).toEqual({ ovfpipe: 'dist/cli/bin.js' });
    // --ignore-scripts: list what the files field packs (dist/ is built by npm ci's prepare) without building again.
    const listed = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8' })) as Array<{ files: Array<{ path: string }> }>;
    const paths = listed[0]!.files.map((f) => f.path);
    expect(paths).toContain('dist/cli/bin.js');
    expect(paths).toContain('pipeline/ci/k8s-indexed-job.yaml');
  });
});
