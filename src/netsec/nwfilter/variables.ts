/**
 * libvirt filter variables in attribute values: `$IP`, `$IP[2]` (element 2 of
 * the list) and `$IP[@1]` (iterator 1, for combining lists). These stay in
 * the filter; ovfpipe only resolves the <parameter> values passed to them
 * (PRODUCT.md §4).
 *
 * Two readings, which disagree at the edges:
 *   - the schema (nwfilter.rng, define "variable-name-type"):
 *       $[ ]*[a-zA-Z0-9_]+(\[[ ]*[@]?[0-9]+[ ]*\])?[ ]*
 *     This decides the lint verdict.
 *   - the C parser (src/conf/nwfilter_params.c virNWFilterVarAccessParse):
 *     no space after '$' or at the end, an iterator id ≤ 1000
 *     (VIR_NWFILTER_MAX_ITERID), anything after ']' ignored.
 */
import { cStrToUInt, isCSpace } from './c-primitives.js';

export type VariableAccess = { name: string; kind: 'iterator'; id: number } | { name: string; kind: 'element'; index: number };

/** nwfilter_params.h VIR_NWFILTER_MAX_ITERID. */
export const MAX_ITERATOR_ID = 1000;

/** The schema's pattern, anchored (XSD patterns match the whole value). */
export const RNG_VARIABLE = /^\$ *[a-zA-Z0-9_]+(\[ *@?[0-9]+ *\])? *$/;

/** Does the schema accept `value` as a variable reference? */
export function isRngVariable(value: string): boolean {
  return RNG_VARIABLE.test(value);
}

/** Does the value look like an attempt at a variable (libvirt treats any leading '$' as one)? */
export function looksLikeVariable(value: string): boolean {
  return value.startsWith('$');
}

/** VALID_VARNAME in nwfilter_params.h. */
const VARNAME_CHAR = /[a-zA-Z0-9_]/;

export type CVariableResult = { ok: true; access: VariableAccess } | { ok: false; reason: string };

/** virNWFilterVarAccessParse on the text after '$'. */
export function parseVariableC(afterDollar: string): CVariableResult {
  let idx = 0;
  while (idx < afterDollar.length && VARNAME_CHAR.test(afterDollar[idx]!)) idx++;
  const name = afterDollar.slice(0, idx);
  if (idx === afterDollar.length) return { ok: true, access: { name, kind: 'iterator', id: 0 } };
  if (afterDollar[idx] !== '[') return { ok: false, reason: 'malformed variable' };
  let p = idx + 1;
  while (isCSpace(afterDollar[p])) p++;
  const iterator = afterDollar[p] === '@';
  if (iterator) p++;
  // virStrToLong_ui with an end pointer: digits (after optional space/sign) up to the first non-digit.
  const m = /^[ \t\n\v\f\r]*[+-]?[0-9]+/.exec(afterDollar.slice(p));
  const n = m ? cStrToUInt(m[0], 10) : undefined;
  if (m === null || n === undefined) return { ok: false, reason: iterator ? 'malformed iterator id' : 'malformed array index' };
  p += m[0].length;
  while (isCSpace(afterDollar[p])) p++;
  if (afterDollar[p] !== ']') return { ok: false, reason: iterator ? 'malformed iterator id' : 'malformed array index' };
  if (!iterator) return { ok: true, access: { name, kind: 'element', index: n } };
  if (n > MAX_ITERATOR_ID) return { ok: false, reason: `iterator id exceeds the maximum of ${MAX_ITERATOR_ID}` };
  return { ok: true, access: { name, kind: 'iterator', id: n } };
}

/** virNWFilterVarAccessPrint, with the '$': `$A`, `$A[2]`, `$A[@1]` (iterator 0 prints bare). */
export function formatVariable(access: VariableAccess): string {
  if (access.kind === 'element') return `$${access.name}[${access.index}]`;
  return access.id === 0 ? `$${access.name}` : `$${access.name}[@${access.id}]`;
}

/** Explains why the schema rejects a value that starts with '$' (for lint messages). */
export function explainRngVariable(value: string): string {
  const body = value.slice(1).trim();
  if (body === '') return 'a variable name is missing after $';
  const m = /^([^[\s]*)/.exec(body)!;
  if (!/^[a-zA-Z0-9_]+$/.test(m[1]!)) return 'variable names may contain only letters, digits and _';
  const rest = body.slice(m[1]!.length).trim();
  if (!/^\[ *@?[0-9]+ *\]$/.test(rest)) return 'an index must be written [n] (element n) or [@n] (iterator n)';
  return 'not a variable reference';
}
