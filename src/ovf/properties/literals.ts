/**
 * Literal syntax of property values (DSP0243 §9.5 values are the string form
 * of the DSP0004 intrinsic types: decimal integers, reals, TRUE/FALSE).
 * Integers are compared as bigint so uint64/sint64 bounds are exact.
 */

const INTEGER_RE = /^[+-]?\d+$/;
const REAL_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
/** DSP0004 ValueMap range forms for integer properties: `m..n`, `..n`, `m..`, `..`. */
const RANGE_RE = /^([+-]?\d+)?\.\.([+-]?\d+)?$/;

export function parseInteger(text: string): bigint | undefined {
  return INTEGER_RE.test(text) ? BigInt(text) : undefined;
}

export function isRealLiteral(text: string): boolean {
  return REAL_RE.test(text);
}

/** DSP0004 boolean literals are case-insensitive (TRUE, false, True…). */
export function isBooleanLiteral(text: string): boolean {
  return /^(?:true|false)$/i.test(text);
}

export interface IntegerRange {
  lo?: bigint;
  hi?: bigint;
}

/** An integer ValueMap entry as a range (a single value has lo = hi), or undefined if it is neither. */
export function parseIntegerEntry(text: string): IntegerRange | undefined {
  const n = parseInteger(text);
  if (n !== undefined) return { lo: n, hi: n };
  const m = RANGE_RE.exec(text);
  if (!m) return undefined;
  return { lo: m[1] === undefined ? undefined : BigInt(m[1]), hi: m[2] === undefined ? undefined : BigInt(m[2]) };
}

export function inRange(n: bigint, r: IntegerRange): boolean {
  return (r.lo === undefined || n >= r.lo) && (r.hi === undefined || n <= r.hi);
}

/** Compares two numeric literals: exactly when both are integers, as doubles otherwise. */
export function compareNumeric(a: string, b: string): number {
  const ia = parseInteger(a);
  const ib = parseInteger(b);
  if (ia !== undefined && ib !== undefined) return ia < ib ? -1 : ia > ib ? 1 : 0;
  const da = Number(a);
  const db = Number(b);
  return da < db ? -1 : da > db ? 1 : 0;
}

/** Length in characters (code points), the unit of DSP0004 MinLen/MaxLen for strings. */
export function characterLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}
