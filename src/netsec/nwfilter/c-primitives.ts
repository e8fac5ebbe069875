/**
 * Emulations of the C helpers libvirt's nwfilter parser relies on, so that
 * ovfpipe predicts what `virsh nwfilter-define` accepts and how
 * `nwfilter-dumpxml` prints it:
 *   - virStrToLong_ui / virStrToLong_i   (src/util/virstring.c, over strtoul/strtol)
 *   - virMacAddrParse                     (src/util/virmacaddr.c)
 *   - virSocketAddrParseIPv4/IPv6 + Format (src/util/virsocketaddr.c, over glibc
 *     getaddrinfo(AI_NUMERICHOST) = inet_aton_exact / inet_pton6, and inet_ntop)
 *   - virSocketAddrGetNumNetmaskBits
 *   - virUUIDParse / virUUIDFormat        (src/util/viruuid.c)
 * Pure functions; none throws.
 */

const UINT_MAX = 0xffffffffn;
const ULONG_MAX = 0xffffffffffffffffn;

/** C isspace() in the "C" locale. */
export function isCSpace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\v' || ch === '\f' || ch === '\r';
}

function digitValue(ch: string | undefined, base: number): number {
  if (ch === undefined) return -1;
  const d = parseInt(ch, 36);
  return Number.isNaN(d) || d >= base ? -1 : d;
}

interface StrtoulResult {
  value: bigint;
  negative: boolean;
  /** Index just past the number (strtoul's endptr). */
  end: number;
}

/** glibc strtoul: leading space, a sign, `0x` for base 16 (or base 0), then digits. */
function strtoul(s: string, base: 0 | 8 | 10 | 16, from = 0): StrtoulResult | undefined {
  let i = from;
  while (isCSpace(s[i])) i++;
  let negative = false;
  if (s[i] === '+' || s[i] === '-') negative = s[i++] === '-';
  let b: number = base;
  if ((b === 16 || b === 0) && s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X') && digitValue(s[i + 2], 16) >= 0) {
    i += 2;
    b = 16;
  } else if (b === 0) b = s[i] === '0' ? 8 : 10;
  const start = i;
  let value = 0n;
  for (; digitValue(s[i], b) >= 0; i++) value = value * BigInt(b) + BigInt(digitValue(s[i], b));
  if (i === start) return undefined;
  if (value > ULONG_MAX) return undefined; // ERANGE
  return { value, negative, end: i };
}

/**
 * virStrToLong_ui(s, NULL, base, &out): the whole string must be a number;
 * "-N" wraps modulo 2^32 (libvirt allows "-1" as UINT_MAX on purpose).
 */
export function cStrToUInt(s: string, base: 10 | 16): number | undefined {
  const r = strtoul(s, base);
  if (!r || r.end !== s.length) return undefined;
  if (r.negative) {
    if (r.value > UINT_MAX) return undefined;
    return Number((UINT_MAX + 1n - r.value) & UINT_MAX);
  }
  return r.value > UINT_MAX ? undefined : Number(r.value);
}

/** virStrToLong_i(s, NULL, 10, &out): a whole-string base-10 int32. */
export function cStrToInt(s: string): number | undefined {
  const r = strtoul(s, 10);
  if (!r || r.end !== s.length) return undefined;
  const v = r.negative ? -r.value : r.value;
  return v < -2147483648n || v > 2147483647n ? undefined : Number(v);
}

/** virMacAddrParse: six 1–2 digit hex parts joined by ':'; anything ≤ ' ' may follow. */
export function parseMacAddress(s: string): Uint8Array | undefined {
  const out = new Uint8Array(6);
  let p = 0;
  for (let i = 0; i < 6; i++) {
    let q = p;
    while (digitValue(s[q], 16) >= 0) q++;
    if (q - p < 1 || q - p > 2) return undefined;
    out[i] = parseInt(s.slice(p, q), 16);
    const next = s.charCodeAt(q);
    // C compares a (signed) char with ' ': NUL, controls, space and bytes ≥ 0x80 all end the address.
    if (i === 5) return Number.isNaN(next) || next <= 0x20 || next >= 0x80 ? out : undefined;
    if (s[q] !== ':') return undefined;
    p = q + 1;
  }
  return undefined;
}

export function formatMacAddress(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/**
 * glibc inet_aton_exact (what getaddrinfo(AI_NUMERICHOST, AF_INET) uses):
 * 1–4 parts, each decimal, octal (leading 0) or hex (0x); the last part fills
 * the remaining bytes ("10.1" is 10.0.0.1).
 */
export function parseIPv4(s: string): Uint8Array | undefined {
  const parts: bigint[] = [];
  let i = 0;
  for (;;) {
    if (digitValue(s[i], 10) < 0) return undefined;
    const r = strtoul(s, 0, i);
    if (!r || r.negative || r.value > UINT_MAX) return undefined;
    parts.push(r.value);
    i = r.end;
    if (s[i] !== '.') break;
    if (parts.length > 3 || r.value > 0xffn) return undefined;
    i++;
  }
  if (i !== s.length) return undefined;
  const last = parts[parts.length - 1]!;
  const room = 5 - parts.length; // bytes left for the last part
  if (last >= 1n << BigInt(8 * room)) return undefined;
  const out = new Uint8Array(4);
  parts.slice(0, -1).forEach((v, k) => (out[k] = Number(v)));
  for (let k = 0; k < room; k++) out[3 - k] = Number((last >> BigInt(8 * k)) & 0xffn);
  return out;
}

export function formatIPv4(b: Uint8Array): string {
  return [...b].join('.');
}

/** glibc inet_pton4: exactly four decimal octets, no leading zeros. */
function parseDottedQuadStrict(s: string): number[] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) return undefined;
    out.push(Number(p));
  }
  return out;
}

/** glibc inet_pton6 (scope ids such as %eth0 are not supported here). */
export function parseIPv6(s: string): Uint8Array | undefined {
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const head = parseGroups(halves[0]!, halves.length === 1);
  const tail = halves.length === 2 ? parseGroups(halves[1]!, true) : [];
  if (!head || !tail) return undefined;
  const total = head.length + tail.length;
  if (halves.length === 1 ? total !== 16 : total > 14) return undefined;
  const out = new Uint8Array(16);
  out.set(head, 0);
  out.set(tail, 16 - tail.length);
  return out;
}

/** Hex groups separated by ':', optionally ending in a dotted quad when `allowV4` (the last part). */
function parseGroups(s: string, allowV4: boolean): number[] | undefined {
  if (s === '') return [];
  const groups = s.split(':');
  const bytes: number[] = [];
  for (let k = 0; k < groups.length; k++) {
    const g = groups[k]!;
    if (allowV4 && k === groups.length - 1 && g.includes('.')) {
      const quad = parseDottedQuadStrict(g);
      if (!quad) return undefined;
      bytes.push(...quad);
    } else {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      const v = parseInt(g, 16);
      bytes.push(v >> 8, v & 0xff);
    }
  }
  return bytes;
}

/** glibc inet_ntop6: longest run (≥2) of zero words as '::', IPv4 tail for ::a.b.c.d and ::ffff:a.b.c.d. */
export function formatIPv6(b: Uint8Array): string {
  const words = Array.from({ length: 8 }, (_, i) => (b[2 * i]! << 8) | b[2 * i + 1]!);
  let best = { base: -1, len: 0 };
  let cur = { base: -1, len: 0 };
  for (let i = 0; i < 8; i++) {
    if (words[i] === 0) cur = cur.base === -1 ? { base: i, len: 1 } : { base: cur.base, len: cur.len + 1 };
    else if (cur.base !== -1) {
      if (best.base === -1 || cur.len > best.len) best = cur;
      cur = { base: -1, len: 0 };
    }
  }
  if (cur.base !== -1 && (best.base === -1 || cur.len > best.len)) best = cur;
  if (best.base !== -1 && best.len < 2) best = { base: -1, len: 0 };
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (best.base !== -1 && i >= best.base && i < best.base + best.len) {
      if (i === best.base) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    if (i === 6 && best.base === 0 && (best.len === 6 || (best.len === 5 && words[5] === 0xffff))) {
      out += formatIPv4(b.subarray(12));
      break;
    }
    out += words[i]!.toString(16);
  }
  if (best.base !== -1 && best.base + best.len === 8) out += ':';
  return out;
}

/** virSocketAddrGetNumNetmaskBits: the prefix length of a contiguous mask, or -1. */
export function netmaskBits(b: Uint8Array): number {
  let bits = 0;
  let i = 0;
  for (; i < b.length && b[i] === 0xff; i++) bits += 8;
  if (i === b.length) return bits;
  let v = b[i]!;
  while (v & 0x80) {
    bits++;
    v = (v << 1) & 0xff;
  }
  if (v !== 0) return -1;
  for (i++; i < b.length; i++) if (b[i] !== 0) return -1;
  return bits;
}

/** checkValidMask in nwfilter_conf.c: ones followed by zeros (all ones or all zeros allowed). */
export function isContiguousMask(b: Uint8Array): boolean {
  return netmaskBits(b) >= 0;
}

/** virUUIDParse: 32 hex digits; '-' and ' ' allowed between pairs; surrounding space allowed. */
export function parseUuid(s: string): string | undefined {
  let i = 0;
  while (isCSpace(s[i])) i++;
  let hex = '';
  while (hex.length < 32) {
    if (i >= s.length) return undefined;
    if (s[i] === '-' || s[i] === ' ') {
      i++;
      continue;
    }
    if (digitValue(s[i], 16) < 0 || digitValue(s[i + 1], 16) < 0) return undefined;
    hex += s.slice(i, i + 2);
    i += 2;
  }
  for (; i < s.length; i++) if (!isCSpace(s[i])) return undefined;
  return formatUuid(hex.toLowerCase());
}

/** virUUIDFormat: 8-4-4-4-12 lowercase. */
export function formatUuid(hex32: string): string {
  const h = hex32.replace(/-/g, '').toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
