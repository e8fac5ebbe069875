/**
 * The OVF manifest (`.mf`, DSP0243 §5.1): one line per file,
 * `ALG(name)= hexdigest`, with SHA1, SHA256 or SHA512. Exporters in the wild
 * write sloppy variants (BSD `sha256sum --tag` spacing, `SHA-256`, `./`
 * prefixes, CRLF); those are read with a warning so verification still
 * works. Pure: text in, entries and problems out.
 */

export type DigestAlgorithm = 'SHA1' | 'SHA256' | 'SHA512';

export const DIGEST_HEX_LENGTH: Readonly<Record<DigestAlgorithm, number>> = { SHA1: 40, SHA256: 64, SHA512: 128 };

/** node:crypto hash names for each manifest algorithm. */
export const NODE_HASH: Readonly<Record<DigestAlgorithm, string>> = { SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' };

export interface ManifestEntry {
  algorithm: DigestAlgorithm;
  /** Member name relative to the manifest's directory, without any `./` prefix. */
  name: string;
  /** Lower-case hex. */
  digest: string;
  /** 1-based line number. */
  line: number;
}

export type ManifestProblemCode =
  | 'sloppy-spacing'
  | 'sloppy-algorithm'
  | 'sloppy-prefix'
  | 'sloppy-crlf'
  | 'sloppy-bom'
  | 'unparseable'
  | 'unknown-algorithm'
  | 'bad-digest-length'
  | 'duplicate-name'
  | 'empty';

export interface ManifestProblem {
  code: ManifestProblemCode;
  severity: 'error' | 'warning';
  message: string;
  line: number;
}

export interface ParsedManifest {
  entries: ManifestEntry[];
  problems: ManifestProblem[];
}

// Lenient shape: any spacing around '(' ')' '=', a digest of hex; the name is everything up to the last ')'.
const LINE = /^([A-Za-z]+-?[0-9]+)(\s*)\((.*)\)(\s*)=(\s*)([0-9A-Za-z]+)\s*$/;

/** Parses manifest text. Never throws; every line that is not an entry is a problem. */
export function parseManifest(text: string): ParsedManifest {
  const out: ParsedManifest = { entries: [], problems: [] };
  const warn = (code: ManifestProblemCode, message: string, line: number): void => {
    out.problems.push({ code, severity: 'warning', message, line });
  };
  const fail = (code: ManifestProblemCode, message: string, line: number): void => {
    out.problems.push({ code, severity: 'error', message, line });
  };
  if (text.charCodeAt(0) === 0xfeff) {
    warn('sloppy-bom', 'manifest starts with a byte-order mark', 1);
    text = text.slice(1);
  }
  const crlf = text.indexOf('\r\n');
  if (crlf !== -1) warn('sloppy-crlf', 'manifest uses CRLF line endings; write LF', text.slice(0, crlf).split('\n').length);
  const seen = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    const entry = parseLine(raw, line, warn, fail);
    if (!entry) return;
    const first = seen.get(entry.name);
    if (first !== undefined) return fail('duplicate-name', `"${entry.name}" is listed again (first on line ${first})`, line);
    seen.set(entry.name, line);
    out.entries.push(entry);
  });
  if (out.entries.length === 0 && !out.problems.some((p) => p.severity === 'error')) fail('empty', 'manifest lists no files', 1);
  return out;
}

type Report = (code: ManifestProblemCode, message: string, line: number) => void;

function parseLine(raw: string, line: number, warn: Report, fail: Report): ManifestEntry | undefined {
  const m = LINE.exec(raw);
  if (!m) {
    fail('unparseable', `cannot parse manifest line ${JSON.stringify(raw.slice(0, 120))}; expected ALG(name)= hexdigest`, line);
    return undefined;
  }
  const [, algText, sp1, rawName, sp2, sp3, hex] = m as unknown as [string, string, string, string, string, string, string];
  const algorithm = algText.toUpperCase().replace('-', '') as DigestAlgorithm;
  if (!(algorithm in DIGEST_HEX_LENGTH)) {
    fail('unknown-algorithm', `unsupported digest algorithm "${algText}" (SHA1, SHA256 or SHA512)`, line);
    return undefined;
  }
  if (algText !== algorithm) warn('sloppy-algorithm', `algorithm written "${algText}"; write "${algorithm}"`, line);
  if (sp1 !== '' || sp2 !== '' || sp3 !== ' ' || raw !== raw.trimEnd())
    warn('sloppy-spacing', `non-standard spacing; write "${algorithm}(${rawName})= <digest>"`, line);
  if (!/^[0-9A-Fa-f]+$/.test(hex)) {
    fail('unparseable', `digest for "${rawName}" is not hexadecimal`, line);
    return undefined;
  }
  if (hex.length !== DIGEST_HEX_LENGTH[algorithm]) {
    fail('bad-digest-length', `${algorithm} digest for "${rawName}" has ${hex.length} hex digits, expected ${DIGEST_HEX_LENGTH[algorithm]}`, line);
    return undefined;
  }
  let name = rawName;
  if (name.startsWith('./')) {
    name = name.replace(/^(\.\/)+/, '');
    warn('sloppy-prefix', `name "${rawName}" has a "./" prefix; write "${name}"`, line);
  }
  if (name === '') {
    fail('unparseable', 'manifest line names no file', line);
    return undefined;
  }
  return { algorithm, name, digest: hex.toLowerCase(), line };
}

/** One canonical manifest line, as ovftool writes it. */
export function formatManifestLine(algorithm: DigestAlgorithm, name: string, digest: string): string {
  return `${algorithm}(${name})= ${digest.toLowerCase()}\n`;
}
