import { describe, expect, it } from 'vitest';
import { explainRngVariable, formatVariable, isRngVariable, parseVariableC } from '../../src/netsec/nwfilter/variables.js';

/** libvirt's reading of `$...`, printed back, or its complaint. */
function libvirt(value: string): string {
  const r = parseVariableC(value.slice(1));
  return r.ok ? formatVariable(r.access) : `REJECT: ${r.reason}`;
}

describe('filter variables', () => {
  it.each([
    ['$IP', '$IP'],
    ['$MAC_1', '$MAC_1'],
    ['$VAR[2]', '$VAR[2]'],
    ['$VAR[@1]', '$VAR[@1]'],
    ['$VAR[@0]', '$VAR'], // iterator 0 is the plain form
    ['$VAR[ 2 ]', '$VAR[2]'],
    ['$VAR[  @3 ]', '$VAR[@3]'],
  ])('accepts %s in both the schema and libvirt (printed as %s)', (value, printed) => {
    expect(isRngVariable(value)).toBe(true);
    expect(libvirt(value)).toBe(printed);
  });

  it.each(['$', '$A-B', '$A[x]', '$A[@]', '$A[1', '$A.B', '$A[1]x', '$[1]', 'A'])('the schema rejects %s', (value) => {
    expect(isRngVariable(value)).toBe(false);
  });

  it('flags forms where the schema and libvirt disagree', () => {
    // Schema yes, libvirt no: spaces after $ or at the end, iterator ids above 1000.
    expect([isRngVariable('$ A'), libvirt('$ A')]).toEqual([true, 'REJECT: malformed variable']);
    expect([isRngVariable('$A '), libvirt('$A ')]).toEqual([true, 'REJECT: malformed variable']);
    expect([isRngVariable('$A[@1001]'), libvirt('$A[@1001]')]).toEqual([true, 'REJECT: iterator id exceeds the maximum of 1000']);
    expect(libvirt('$A[@1000]')).toBe('$A[@1000]');
    // Schema no, libvirt yes: text after the ']' is ignored, and a bare '$' is an empty name.
    expect([isRngVariable('$A[1]x'), libvirt('$A[1]x')]).toEqual([false, '$A[1]']);
    expect([isRngVariable('$'), libvirt('$')]).toEqual([false, '$']);
  });

  it('explains malformed references', () => {
    expect(explainRngVariable('$')).toMatch(/name is missing/);
    expect(explainRngVariable('$A-B')).toMatch(/letters, digits and _/);
    expect(explainRngVariable('$A[x]')).toMatch(/\[n\].*\[@n\]/);
  });
});
