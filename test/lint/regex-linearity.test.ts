/**
 * The regexes `npm run lint` cannot see (built with `new RegExp` from
 * constants, e.g. the nwfilter value patterns taken from libvirt's RNG) get
 * the same eslint-plugin-regexp linearity rules here: each source is written
 * out as a regex literal and linted.
 */
import { Linter } from 'eslint';
import regexp from 'eslint-plugin-regexp';
import { describe, expect, it } from 'vitest';
import { nwfilterPatternSources } from '../../src/netsec/nwfilter/datatypes.js';

const RULES = {
  'regexp/no-super-linear-backtracking': ['error', { report: 'potential' }],
  'regexp/no-super-linear-move': ['error', { report: 'potential', ignoreSticky: false, ignorePartial: false }],
} as const;

function lintPatterns(sources: readonly string[]) {
  const code = sources.map((s, i) => `export const p${i} = /${s.replace(/\//g, '\\/')}/;\n`).join('');
  return new Linter({ configType: 'flat' }).verify(code, [{ plugins: { regexp }, rules: RULES, languageOptions: { ecmaVersion: 2022, sourceType: 'module' } }]);
}

describe('regexes built at run time are linear', () => {
  it('the check catches the quadratic units regex of issue #18', () => {
    expect(lintPatterns(['^bytes?\\s*((?:\\*\\s*\\d+\\s*(?:\\^\\s*-?\\d+)?\\s*)+)$'])).not.toEqual([]);
  });

  it('every nwfilter value pattern passes no-super-linear-backtracking and no-super-linear-move', () => {
    const sources = nwfilterPatternSources();
    expect(sources.length).toBeGreaterThan(5);
    const findings = lintPatterns(sources).map((m) => `${sources[m.line - 1]}: ${m.message}`);
    expect(findings).toEqual([]);
  });
});
