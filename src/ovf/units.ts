/**
 * Programmatic units (DSP0004 Annex C.1, used by OVF AllocationUnits and
 * capacityAllocationUnits): `byte * 2^20`, `byte*1024^3`, `bytes`, plus the
 * legacy names tools still write (`MegaBytes`, `MB`, `GigaBytes`, `KB`).
 */
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

/** Multiplier in bytes for a byte unit string, or undefined when it is not a byte unit. */
export function byteUnitMultiplier(units: string | undefined): number | undefined {
  if (units === undefined) return 1;
  const u = units.trim();
  if (u === '') return 1;
  const named = NAMED_BYTES[u.toLowerCase()];
  if (named !== undefined) return named;
  // byte * base^exp [* base^exp…] with optional whitespace, e.g. "byte * 2^20"
  const m = /^bytes?\s*((?:\*\s*\d+\s*(?:\^\s*-?\d+)?\s*)+)$/i.exec(u);
  if (!m) return undefined;
  let mult = 1;
  for (const term of m[1]!.split('*').map((s) => s.trim()).filter(Boolean)) {
    const [base, exp] = term.split('^').map((s) => Number(s.trim()));
    mult *= exp === undefined ? base! : base! ** exp;
  }
  return Number.isFinite(mult) && mult >= 1 ? mult : undefined;
}

/** Multiplier in hertz for a frequency unit (`hertz * 10^6`, `MegaHertz`), or undefined. */
export function hertzUnitMultiplier(units: string | undefined): number | undefined {
  if (units === undefined) return 1;
  const u = units.trim().toLowerCase();
  const named: Record<string, number> = { hertz: 1, hz: 1, megahertz: 1e6, mhz: 1e6, gigahertz: 1e9, ghz: 1e9, kilohertz: 1e3 };
  if (named[u] !== undefined) return named[u];
  const m = /^hertz\s*\*\s*10\s*\^\s*(\d+)$/.exec(u);
  return m ? 10 ** Number(m[1]) : undefined;
}

/** Parses a non-negative decimal integer strictly ("12", not "12abc", not "-1"). */
export function parseUnsigned(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (!/^\d+$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : undefined;
}
