/**
 * The OVF manifest (`.mf`, DSP0243 §5.1): one line per file,
 * `ALG(name)= hexdigest`, with SHA1, SHA256 or SHA512. Exporters in the wild
 * write sloppy variants (BSD `sha256sum --tag` spacing, `SHA-256`, `./`
 * prefixes, CRLF); those are read with a warning so verification still
 * works. Pure: text in, entries and problems out.
 */
import { formatMessage } from '../diagnostics/rule.js';

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

/** Every message the manifest reader reports, by message id (the lint rule manifest-format uses them as its templates). */
export const MANIFEST_MESSAGES = {
  byteOrderMark: 'manifest starts with a byte-order mark',
  crlf: 'manifest uses CRLF line endings; write LF',
  duplicateName: '"{{name}}" is listed again (first on line {{first}})',
  empty: 'manifest lists no files',
  unparseableLine: 'cannot parse manifest line {{text}}; expected ALG(name)= hexdigest',
  unknownAlgorithm: 'unsupported digest algorithm "{{written}}" (SHA1, SHA256 or SHA512)',
  algorithmSpelling: 'algorithm written "{{written}}"; write "{{algorithm}}"',
  spacing: 'non-standard spacing; write "{{algorithm}}({{name}})= <digest>"',
  notHex: 'digest for "{{name}}" is not hexadecimal',
  digestLength: '{{algorithm}} digest for "{{name}}" has {{length}} hex digits, expected {{expected}}',
  dotSlashPrefix: 'name "{{written}}" has a "./" prefix; write "{{name}}"',
  noName: 'manifest line names no file',
} as const;

export type ManifestMessageId = keyof typeof MANIFEST_MESSAGES;

export interface ManifestProblem {
  code: ManifestProblemCode;
  severity: 'error' | 'warning';
  messageId: ManifestMessageId;
  data: Record<string, string | number>;
  /** The rendered message. */
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
  const report =
    (severity: 'error' | 'warning'): Report =>
    (code, line, messageId, data = {}) => {
      out.problems.push({ code, severity, messageId, data, message: formatMessage(MANIFEST_MESSAGES[messageId], data), line });
    };
  const warn = report('warning');
  const fail = report('error');
  if (text.charCodeAt(0) === 0xfeff) {
    warn('sloppy-bom', 1, 'byteOrderMark');
    text = text.slice(1);
  }
  const crlf = text.indexOf('\r\n');
  if (crlf !== -1) warn('sloppy-crlf', text.slice(0, crlf).split('\n').length, 'crlf');
  const seen = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    const entry = parseLine(raw, line, warn, fail);
    if (!entry) return;
    const first = seen.get(entry.name);
    if (first !== undefined) return fail('duplicate-name', line, 'duplicateName', { name: entry.name, first });
    seen.set(entry.name, line);
    out.entries.push(entry);
  });
  if (out.entries.length === 0 && !out.problems.some((p) => p.severity === 'error')) fail('empty', 1, 'empty');
  return out;
}

type Report = (code: ManifestProblemCode, line: number, messageId: ManifestMessageId, data?: Record<string, string | number>) => void;

function parseLine(raw: string, line: number, warn: Report, fail: Report): ManifestEntry | undefined {
  const m = LINE.exec(raw);
  if (!m) {
    fail('unparseable', line, 'unparseableLine', { text: JSON.stringify(raw.slice(0, 120)) });
    return undefined;
  }
  const [, algText, sp1, rawName, sp2, sp3, hex] = m as unknown as [string, string, string, string, string, string, string];
  const algorithm = algText.toUpperCase().replace('-', '') as DigestAlgorithm;
  if (!(algorithm in DIGEST_HEX_LENGTH)) {
    fail('unknown-algorithm', line, 'unknownAlgorithm', { written: algText });
    return undefined;
  }
  if (algText !== algorithm) warn('sloppy-algorithm', line, 'algorithmSpelling', { written: algText, algorithm });
  if (sp1 !== '' || sp2 !== '' || sp3 !== ' ' || raw !== raw.trimEnd()) warn('sloppy-spacing', line, 'spacing', { algorithm, name: rawName });
  if (!/^[0-9A-Fa-f]+$/.test(hex)) {
    fail('unparseable', line, 'notHex', { name: rawName });
    return undefined;
  }
  if (hex.length !== DIGEST_HEX_LENGTH[algorithm]) {
    fail('bad-digest-length', line, 'digestLength', { algorithm, name: rawName, length: hex.length, expected: DIGEST_HEX_LENGTH[algorithm] });
    return undefined;
  }
  let name = rawName;
  if (name.startsWith('./')) {
    name = name.replace(/^(\.\/)+/, '');
    warn('sloppy-prefix', line, 'dotSlashPrefix', { written: rawName, name });
  }
  if (name === '') {
    fail('unparseable', line, 'noName');
    return undefined;
  }
  return { algorithm, name, digest: hex.toLowerCase(), line };
}

/** One canonical manifest line, as ovftool writes it. */
export function formatManifestLine(algorithm: DigestAlgorithm, name: string, digest: string): string {
  return `${algorithm}(${name})= ${digest.toLowerCase()}\n`;
}
