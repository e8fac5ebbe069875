/** `${name}` template macros: finding, escaping and substituting. */
import { describe, expect, it } from 'vitest';
import { findMacros, hasMacros, substituteMacros, wholeMacroName } from '../../src/macros/syntax.js';

describe('macro syntax', () => {
  it('finds every ${name}, including dotted OVF property names', () => {
    expect(findMacros('${a}-${com.example.web.ip}/${x_1-b}').refs.map((r) => r.name)).toEqual(['a', 'com.example.web.ip', 'x_1-b']);
  });

  it('leaves libvirt nwfilter variables like $IP and $VAR[@1] alone', () => {
    expect(findMacros('$IP $VAR[@1] $')).toEqual({ refs: [], problems: [] });
  });

  it('reports an unterminated macro and a name that starts with a digit', () => {
    expect(findMacros('x${ip').problems.map((p) => p.message)).toEqual(["unterminated macro '${ip' (missing '}')"]);
    expect(findMacros('${1ip}').problems[0]?.message).toMatch(/not a valid macro name/);
    expect(findMacros('${}').problems).toHaveLength(1);
  });

  it('reads $${ as a literal ${ and never as a macro', () => {
    expect(findMacros('$${ip}').refs).toEqual([]);
    expect(substituteMacros('a$${ip}b', () => 'X').text).toBe('a${ip}b');
    expect(substituteMacros('$$${ip}', () => 'X').text).toBe('$${ip}');
  });

  it('knows a value that is exactly one macro', () => {
    expect(wholeMacroName('${ip}')).toBe('ip');
    expect(wholeMacroName(' ${ip}')).toBeUndefined();
    expect(wholeMacroName('${a}${b}')).toBeUndefined();
    expect(hasMacros('br-${tenant}')).toBe(true);
    expect(hasMacros('br-tenant')).toBe(false);
  });

  it('substitutes once, inserting values verbatim, and lists unknown names', () => {
    const values: Record<string, string> = { a: '${b}', b: 'B' };
    expect(substituteMacros('${a}/${b}/${c}/${c}', (n) => values[n])).toEqual({ text: '${b}/B/${c}/${c}', missing: ['c'] });
  });
});
