/**
 * What every fuzz case checks, whatever the mutation: each command returns a
 * verdict (never throws out of the library API), nothing is written outside
 * the render target, and the CLI's JSON stays parseable. A case writes its
 * package into a fresh directory of its own, so "nothing else written" is a
 * directory listing before and after.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { tempDir } from '../helpers/archives.js';
import { runCli } from '../helpers/cli.js';
import { filesUnder, runCommands, type CommandVerdicts } from '../helpers/packages.js';

export interface FuzzCase {
  /** Files of the package, written into the case directory. */
  files: Record<string, Buffer | string>;
  /** The path given to the commands, relative to the case directory (a member, or '.' for the directory). */
  target: string;
  /** Vars file for render (default: the web appliance's). */
  varsFile?: string;
}

export class FuzzHarness {
  private readonly tmp = tempDir('ovfpipe-fuzz-');
  private n = 0;
  /** Verdict counts over all cases, for the summary the suite prints. */
  readonly tally = { cases: 0, passed: 0, failed: 0 };

  constructor(private readonly name: string) {}

  /** Runs lint, verify, inspect and render on the case; with `cli`, also lint/verify/inspect through main() with JSON output. */
  async check(c: FuzzCase, options: { cli?: boolean } = {}): Promise<CommandVerdicts> {
    const dir = join(this.tmp.dir, `case-${++this.n}`);
    const pkgDir = join(dir, 'pkg');
    const out = join(dir, 'out');
    mkdirSync(pkgDir, { recursive: true });
    for (const [name, data] of Object.entries(c.files)) writeFileSync(join(pkgDir, name), data);
    const before = filesUnder(dir);
    const path = join(pkgDir, c.target);
    try {
      const verdicts = await runCommands(path, out, c.varsFile);
      for (const [command, v] of Object.entries(verdicts))
        if (!v.ok) expect.fail(`${command} threw out of the API: ${v.thrown instanceof Error ? (v.thrown.stack ?? v.thrown.message) : String(v.thrown)}`);
      if (options.cli) await this.checkCli(path);
      const written = filesUnder(dir).filter((f) => !f.startsWith('out/'));
      expect(written, 'files outside the render target').toEqual(before);
      this.tally.cases++;
      if (Object.values(verdicts).every((v) => v.ok && !v.failed)) this.tally.passed++;
      else this.tally.failed++;
      return verdicts;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  private async checkCli(path: string): Promise<void> {
    for (const args of [
      ['lint', '--format', 'json', path],
      ['verify', '--json', path],
      ['inspect', '--json', path],
    ]) {
      const r = await runCli(args);
      expect([0, 1], `${args[0]} exit code; stderr: ${r.err}`).toContain(r.code);
      expect(r.err, 'stack trace on stderr').not.toMatch(/\n\s+at /);
      expect(() => JSON.parse(r.out) as unknown, `${args[0]} JSON`).not.toThrow();
    }
  }

  summary(): string {
    return `${this.name}: ${this.tally.cases} cases, ${this.tally.passed} clean everywhere, ${this.tally.failed} with a failing verdict somewhere`;
  }

  cleanup(): void {
    this.tmp.cleanup();
  }
}
