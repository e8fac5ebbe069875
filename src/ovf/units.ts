/**
 * Programmatic units (DSP0004 Annex C.1, used by OVF AllocationUnits and
 * capacityAllocationUnits): `byte * 2^20`, `byte*1024^3`, `bytes`, plus the
 * legacy names tools still write (`MegaBytes`, `MB`, `GigaBytes`, `KB`).
 *
 * Unit strings come from the package, so they are read by a one-pass scanner,
 * not a regex: no input can make this backtrack (issue #18). Results are
 * bounded: a unit string longer than MAX_UNITS_LENGTH, or one whose
 * multiplier is not a finite integer within the range below, is refused with
 * a reason the lint rules turn into a located diagnostic.
 */

/**
 * DSP0004 sets no length for a programmatic unit, but its grammar has a
 * handful of terms; every unit seen in real descriptors is under 30
 * characters. Anything longer is refused before it is scanned.
 */
export const MAX_UNITS_LENGTH = 256;
/** Largest byte multiplier accepted: 2^50 (a pebibyte per unit of VirtualQuantity or capacity). */
export const MAX_BYTE_MULTIPLIER = 2 ** 50;
/** Largest frequency multiplier accepted: 10^12 (terahertz). */
export const MAX_HERTZ_MULTIPLIER = 10 ** 12;

const NAMED_BYTES: Record<string, number> = {
  byte: 1,
  bytes: 1,
  b: 1,
  kb: 1024,
  kib: 1024,
  kilobytes: 1024,
  kilobyte: 1024,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  megabytes: 1024 ** 2,
  megabyte: 1024 ** 2,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  gigabytes: 1024 ** 3,
  gigabyte: 1024 ** 3,
  tb: 1024 ** 4,
  tib: 1024 ** 4,
  terabytes: 1024 ** 4,
};

const NAMED_HERTZ: Record<string, number> = { hertz: 1, hz: 1, kilohertz: 1e3, megahertz: 1e6, mhz: 1e6, gigahertz: 1e9, ghz: 1e9 };

/** Why a unit string was refused: empty, longer than MAX_UNITS_LENGTH, not the grammar, or a multiplier out of range. */
export type UnitsProblem = 'empty' | 'too-long' | 'syntax' | 'range';

export type UnitsResult = { ok: true; multiplier: number } | { ok: false; problem: UnitsProblem };

interface UnitGrammar {
  /** Base unit names (lower case) that may start a programmatic unit. */
  bases: readonly string[];
  named: Record<string, number>;
  max: number;
}

const BYTES: UnitGrammar = { bases: ['bytes', 'byte'], named: NAMED_BYTES, max: MAX_BYTE_MULTIPLIER };
const HERTZ: UnitGrammar = { bases: ['hertz'], named: NAMED_HERTZ, max: MAX_HERTZ_MULTIPLIER };

/** Byte units: the multiplier, or why the string is refused. Absent means bytes; empty is refused. */
export function parseByteUnits(units: string | undefined): UnitsResult {
  return parseUnits(units, BYTES);
}

/** Frequency units (`hertz * 10^6`, `MegaHertz`): the multiplier, or why the string is refused. */
export function parseHertzUnits(units: string | undefined): UnitsResult {
  return parseUnits(units, HERTZ);
}

/** Multiplier in bytes for a byte unit string, or undefined when it is not a usable byte unit. */
export function byteUnitMultiplier(units: string | undefined): number | undefined {
  const r = parseByteUnits(units);
  return r.ok ? r.multiplier : undefined;
}

/** Multiplier in hertz for a frequency unit (`hertz * 10^6`, `MegaHertz`), or undefined. */
export function hertzUnitMultiplier(units: string | undefined): number | undefined {
  const r = parseHertzUnits(units);
  return r.ok ? r.multiplier : undefined;
}

function parseUnits(units: string | undefined, grammar: UnitGrammar): UnitsResult {
  if (units === undefined) return { ok: true, multiplier: 1 };
  if (units.length > MAX_UNITS_LENGTH) return { ok: false, problem: 'too-long' };
  const u = units.trim();
  // An attribute written empty (`ovf:capacityAllocationUnits=""`) says nothing; reading it as bytes
  // would silently shrink a disk a million-fold, so it is refused (absent means the default).
  if (u === '') return { ok: false, problem: 'empty' };
  const named = grammar.named[u.toLowerCase()];
  if (named !== undefined) return { ok: true, multiplier: named };
  const multiplier = scanProgrammaticUnit(u, grammar.bases);
  if (multiplier === undefined) return { ok: false, problem: 'syntax' };
  if (!Number.isInteger(multiplier) || multiplier < 1 || multiplier > grammar.max) return { ok: false, problem: 'range' };
  return { ok: true, multiplier };
}

/**
 * `base *S ( "*" *S integer *S [ "^" *S ["-"] integer *S ] )+`, case-insensitive,
 * the subset of DSP0004 Annex C.1 that OVF producers write. One left-to-right
 * pass; returns the product (possibly not finite or fractional), or undefined
 * when the text does not follow the grammar.
 */
function scanProgrammaticUnit(text: string, bases: readonly string[]): number | undefined {
  const lower = text.toLowerCase();
  const base = bases.find((b) => lower.startsWith(b));
  if (base === undefined) return undefined;
  let i = base.length;
  const skipSpace = () => {
    while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  };
  const integer = (): number | undefined => {
    const start = i;
    while (i < text.length && isDigit(text.charCodeAt(i))) i++;
    return i > start ? Number(text.slice(start, i)) : undefined;
  };
  let product = 1;
  let terms = 0;
  skipSpace();
  while (i < text.length) {
    if (text[i] !== '*') return undefined;
    i++;
    skipSpace();
    const factor = integer();
    if (factor === undefined) return undefined;
    skipSpace();
    let exponent = 1;
    if (text[i] === '^') {
      i++;
      skipSpace();
      const negative = text[i] === '-';
      if (negative) i++;
      const e = integer();
      if (e === undefined) return undefined;
      exponent = negative ? -e : e;
      skipSpace();
    }
    product *= factor ** exponent;
    terms++;
  }
  return terms > 0 ? product : undefined;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** The characters `\s` matches in ECMAScript (WhiteSpace and LineTerminator). */
function isSpace(c: number): boolean {
  return (
    (c >= 0x09 && c <= 0x0d) || c === 0x20 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff
  );
}

/** Parses a non-negative decimal integer strictly ("12", not "12abc", not "-1"). */
export function parseUnsigned(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (!/^\d+$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** `quantity × multiplier` when both are known and the product is a safe integer (exact in a double). */
export function scaledQuantity(quantity: number | undefined, multiplier: number | undefined): number | undefined {
  if (quantity === undefined || multiplier === undefined) return undefined;
  const product = quantity * multiplier;
  return Number.isSafeInteger(product) ? product : undefined;
}
