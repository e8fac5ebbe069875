/**
 * shellQuote / commandLine: every argv survives one round of POSIX shell
 * parsing exactly. Checked here with the local dash and bash (the remote
 * round trip through sshd is in test/e2e/ssh-transport.test.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { commandLine, remoteCommand, shellQuote } from '../../src/deploy/ssh/quote.js';
import { OvfpipeError } from '../../src/diagnostics/errors.js';

const SHELLS = ['/bin/sh', '/bin/bash'].filter((s) => existsSync(s));

/** Runs `printf '%s\0' argv…` through `shell -c` and splits what it printed. */
function roundTrip(shell: string, argv: readonly string[]): string[] {
  const r = spawnSync(shell, ['-c', commandLine(['printf', '%s\\0', ...argv])], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: '/nonexistent-home' } });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split('\0').slice(0, -1);
}

const METACHARACTERS = [';', '|', '&', '$', '`', '"', "'", '<', '>', '(', ')', '\n', '*', '?', '~', '#', ' ', '\t', '\\', '!', '{', '}', '[', ']', '=', '%', '^'];

describe('shellQuote', () => {
  it('leaves plain words alone and single-quotes everything else', () => {
    expect(shellQuote('virsh')).toBe('virsh');
    expect(shellQuote('/var/lib/ovfpipe/store/ab12.qcow2')).toBe('/var/lib/ovfpipe/store/ab12.qcow2');
    expect(shellQuote('--validate')).toBe('--validate');
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote('$(id)')).toBe("'$(id)'");
  });

  it('quotes words that are special only at the start or as argv[0]: ~, # and assignments', () => {
    expect(shellQuote('~root')).toBe("'~root'");
    expect(shellQuote('#x')).toBe("'#x'");
    expect(shellQuote('A=b')).toBe("'A=b'");
  });

  it('refuses NUL bytes and lone surrogates, which cannot round-trip', () => {
    for (const bad of ['a\0b', '\0', 'x\uD800y', '\uDC00']) {
      expect(() => shellQuote(bad)).toThrow(OvfpipeError);
      expect(() => shellQuote(bad)).toThrow(/NUL|surrogate/);
    }
    expect(shellQuote('\uD83D\uDE80')).toBe("'\uD83D\uDE80'");
  });

  it('refuses an empty command line', () => {
    expect(() => commandLine([])).toThrow(/empty command/);
  });
});

describe.runIf(SHELLS.length > 0)('commandLine round trip through real shells', () => {
  const hostile = [
    ...METACHARACTERS,
    ...METACHARACTERS.map((m) => `a${m}b`),
    '$(touch /tmp/pwned-quote-test)',
    '`touch /tmp/pwned-quote-test`',
    "'; touch /tmp/pwned-quote-test; '",
    '"; touch /tmp/pwned-quote-test; "',
    "''''",
    "'\\''",
    '-n',
    '-e',
    '--',
    '',
    '  ',
    'line\nbreak\n',
    '$HOME ${HOME} $((6*7)) $0 $1 $@ $* $# $? $$ $!',
    '*.qcow2 ~ ~/x [a-z]* {a,b}',
    'ünïcødé 🚀',
  ];

  for (const shell of SHELLS) {
    it(`${shell}: every hostile argument comes back exactly, and nothing runs`, () => {
      expect(roundTrip(shell, hostile)).toEqual(hostile);
      expect(existsSync('/tmp/pwned-quote-test')).toBe(false);
    });

    it(`${shell}: 300 random strings of metacharacters come back exactly`, () => {
      // Small deterministic PRNG (mulberry32): the same cases on every run.
      let seed = 0x5eed;
      const rand = () => {
        seed = (seed + 0x6d2b79f5) | 0;
        let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
      const alphabet = [...METACHARACTERS, 'a', 'Z', '0', '-', '.', '/', 'é'];
      const cases = Array.from({ length: 300 }, () => Array.from({ length: Math.floor(rand() * 12) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join(''));
      expect(roundTrip(shell, cases)).toEqual(cases);
    });
  }
});

describe('remoteCommand', () => {
  it('raises SHLVL, then the argv with each word quoted once; argv[0] stays a command name', () => {
    expect(remoteCommand(['bash', '-c', 'echo "$1"', 'x', "it's"])).toBe(`export SHLVL=2; bash -c 'echo "$1"' x 'it'\\''s'`);
    for (const sh of ['/bin/sh', '/bin/bash'].filter(existsSync)) {
      expect(spawnSync(sh, ['-c', remoteCommand(['A=b'])]).status).toBe(127);
      expect(spawnSync(sh, ['-c', remoteCommand(['sh', '-c', 'echo "$SHLVL|$1"', 'sh', '$HOME;x'])], { encoding: 'utf8' }).stdout).toMatch(/^\d+\|\$HOME;x\n$/);
    }
  });
});
