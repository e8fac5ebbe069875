/**
 * The property types DSP0243 §9.5 allows for `ovf:type` (the CIM intrinsic
 * types of DSP0004 that make sense for a deployment parameter), with the
 * value range of each. One table serves the type rule, the qualifier rule
 * (which qualifier applies to which type) and the value rule.
 */

export type ValueKind = 'unsigned' | 'signed' | 'real' | 'boolean' | 'string' | 'char16';

export interface PropertyTypeInfo {
  /** Canonical DSP0243 spelling. */
  name: string;
  kind: ValueKind;
  /** Inclusive integer range (integer kinds only). */
  min?: bigint;
  max?: bigint;
  /** Largest finite magnitude (real kinds only). */
  maxMagnitude?: number;
}

function unsigned(bits: number): PropertyTypeInfo {
  return { name: `uint${bits}`, kind: 'unsigned', min: 0n, max: (1n << BigInt(bits)) - 1n };
}

function signed(bits: number): PropertyTypeInfo {
  return { name: `sint${bits}`, kind: 'signed', min: -(1n << BigInt(bits - 1)), max: (1n << BigInt(bits - 1)) - 1n };
}

/** DSP0243 §9.5 property types (DSP0004 intrinsic types), by canonical name. */
export const PROPERTY_TYPES: ReadonlyMap<string, PropertyTypeInfo> = new Map(
  [
    unsigned(8),
    signed(8),
    unsigned(16),
    signed(16),
    unsigned(32),
    signed(32),
    unsigned(64),
    signed(64),
    { name: 'boolean', kind: 'boolean' },
    { name: 'string', kind: 'string' },
    { name: 'char16', kind: 'char16' },
    // IEEE 754 binary32 / binary64 largest finite values.
    { name: 'real32', kind: 'real', maxMagnitude: 3.4028234663852886e38 },
    { name: 'real64', kind: 'real', maxMagnitude: Number.MAX_VALUE },
  ].map((t): [string, PropertyTypeInfo] => [t.name, t as PropertyTypeInfo]),
);

/**
 * VMware vApp type names that vSphere and ovftool accept in `ovf:type` although
 * DSP0243 does not define them (seen in real appliances in the corpus). vSphere
 * documents `int` as semantically a long and `real` as a double.
 */
const VENDOR_ALIASES: Readonly<Record<string, string>> = { int: 'sint64', real: 'real64' };

export type TypeProblem = 'missing' | 'unknown' | 'password' | 'vendor' | 'case';

export interface ResolvedType {
  written: string;
  /** The type to check values against, when one can be inferred (also for vendor and case variants). */
  info?: PropertyTypeInfo;
  problem?: TypeProblem;
}

/** Resolves an `ovf:type` attribute value to the table, noting tolerated variants. */
export function resolvePropertyType(written: string): ResolvedType {
  const t = written.trim();
  if (t === '') return { written, problem: 'missing' };
  const exact = PROPERTY_TYPES.get(t);
  if (exact) return { written, info: exact };
  const lower = t.toLowerCase();
  const folded = PROPERTY_TYPES.get(lower);
  // DSP0004 type names are case-insensitive in MOF, but OVF consumers compare the attribute text.
  if (folded) return { written, info: folded, problem: 'case' };
  const alias = VENDOR_ALIASES[lower];
  if (alias) return { written, info: PROPERTY_TYPES.get(alias), problem: 'vendor' };
  // OVF 2.x marks secrets with the ovf:password attribute; `password` is not a type.
  if (lower === 'password') return { written, info: PROPERTY_TYPES.get('string'), problem: 'password' };
  return { written, problem: 'unknown' };
}

export function isIntegerKind(info: PropertyTypeInfo | undefined): boolean {
  return info?.kind === 'unsigned' || info?.kind === 'signed';
}

export function isNumericKind(info: PropertyTypeInfo | undefined): boolean {
  return isIntegerKind(info) || info?.kind === 'real';
}

export const PROPERTY_TYPE_NAMES: readonly string[] = [...PROPERTY_TYPES.keys()];
