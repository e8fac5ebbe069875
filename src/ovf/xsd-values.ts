/**
 * Lexical checks of the XML Schema built-in types the OVF envelope XSD uses
 * (XML Schema Part 2 §3.2.2 boolean, §3.2.17 anyURI, §3.3.16–3.3.23 the integer
 * types), after the whitespace collapse those types apply. Pure, linear, no
 * backtracking regexes: values come from untrusted packages.
 */
import type { XsdConstraint, XsdTypeName } from './xsd-constraints.js';

export type XsdValueProblem = 'type' | 'range' | 'negative' | 'inexact' | 'enumeration';

const INTEGER_RANGES: Partial<Record<XsdTypeName, readonly [bigint, bigint]>> = {
  unsignedShort: [0n, 65535n],
  unsignedInt: [0n, 4294967295n],
  unsignedLong: [0n, 18446744073709551615n],
  long: [-9223372036854775808n, 9223372036854775807n],
};

/** The largest integer a double holds exactly: ovfpipe's byte counts stop here. */
export const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);

/** An integer's lexical form: optional sign, digits (leading zeros allowed). Longer than 64 characters is out of every range anyway. */
function integerValue(text: string): bigint | 'type' | 'range' {
  if (!/^[+-]?\d+$/.test(text)) return 'type';
  if (text.length > 64) return 'range';
  return BigInt(text);
}

/** A `%` must start an escape of two hex digits; nothing else in an href is refused by xmllint's anyURI. */
function isUriReference(text: string): boolean {
  for (let i = text.indexOf('%'); i >= 0; i = text.indexOf('%', i + 1)) if (!/^%[0-9A-Fa-f]{2}/.test(text.slice(i, i + 3))) return false;
  return true;
}

/** Checks one attribute value against its row. Returns the problem, or undefined when the value is valid. */
export function checkXsdValue(row: Pick<XsdConstraint, 'type' | 'values' | 'exact'>, raw: string): XsdValueProblem | undefined {
  const text = raw.trim();
  switch (row.type) {
    case 'string':
      return undefined;
    case 'anyURI':
      return isUriReference(text) ? undefined : 'type';
    case 'boolean':
      return text === 'true' || text === 'false' || text === '1' || text === '0' ? undefined : 'type';
    case 'enumeration':
      return row.values?.includes(text) ? undefined : 'enumeration';
    default: {
      const range = INTEGER_RANGES[row.type];
      if (range === undefined) return undefined;
      const n = integerValue(text);
      if (n === 'type' || n === 'range') return n;
      if (n < range[0] || n > range[1]) return 'range';
      if (row.exact === true && n < 0n) return 'negative';
      if (row.exact === true && n > MAX_EXACT) return 'inexact';
      return undefined;
    }
  }
}

/** The range of an integer type, for messages (`0..65535`). */
export function xsdRange(type: XsdTypeName): string {
  const r = INTEGER_RANGES[type];
  return r === undefined ? '' : `${r[0]}..${r[1]}`;
}
