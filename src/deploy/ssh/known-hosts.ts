/**
 * OpenSSH known_hosts, as sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT" describes it:
 *
 *   [@revoked|@cert-authority] patterns keytype base64-key [comment]
 *
 * `patterns` is a comma list of host names with `*` / `?` wildcards and `!`
 * negation, where a non-standard port is written `[host]:port`, or one hashed
 * name `|1|base64(salt)|base64(HMAC-SHA1(salt, name))` (HashKnownHosts).
 *
 * Pure: parsing and matching take text and buffers; the caller reads files.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { trimEndChars } from '../../strings.js';

export type KnownHostMarker = 'revoked' | 'cert-authority';

export interface KnownHostEntry {
  /** Where the line came from, for messages (`file:line`). */
  file: string;
  line: number;
  marker?: KnownHostMarker;
  /** Plain patterns (lower-cased), or the salt and HMAC of one hashed name. */
  hosts: { kind: 'patterns'; patterns: string[] } | { kind: 'hashed'; salt: Buffer; hmac: Buffer };
  keyType: string;
  /** The public key blob in SSH wire format (RFC 4253 §6.6), as sent in KEXDH_REPLY. */
  key: Buffer;
}

export interface KnownHostsProblem {
  file: string;
  line: number;
  message: string;
}

export type HostKeyStatus = 'match' | 'mismatch' | 'unknown' | 'revoked';

export interface HostKeyLookup {
  status: HostKeyStatus;
  /** The entry that matched or revoked the key, or the first one that conflicts with it. */
  entry?: KnownHostEntry;
}

/** Parses one known_hosts file. Malformed lines are reported and skipped, as ssh(1) does. */
export function parseKnownHosts(text: string, file: string): { entries: KnownHostEntry[]; problems: KnownHostsProblem[] } {
  const entries: KnownHostEntry[] = [];
  const problems: KnownHostsProblem[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const parsed = parseLine(trimmed, file, line);
    if (typeof parsed === 'string') problems.push({ file, line, message: parsed });
    else entries.push(parsed);
  });
  return { entries, problems };
}

function parseLine(text: string, file: string, line: number): KnownHostEntry | string {
  const fields = text.split(/[ \t]+/);
  let marker: KnownHostMarker | undefined;
  if (fields[0]?.startsWith('@')) {
    const name = fields.shift();
    if (name === '@revoked') marker = 'revoked';
    else if (name === '@cert-authority') marker = 'cert-authority';
    else return `unknown marker ${name}`;
  }
  const [hostField, keyType, keyBase64] = fields;
  if (hostField === undefined || keyType === undefined || keyBase64 === undefined) return 'expected: hosts keytype key';
  const hosts = parseHostField(hostField);
  if (typeof hosts === 'string') return hosts;
  const key = Buffer.from(keyBase64, 'base64');
  if (key.length === 0 || trimEndChars(key.toString('base64'), '=') !== trimEndChars(keyBase64, '=')) return 'key is not valid base64';
  const inner = keyTypeOf(key);
  if (inner !== keyType) return `key type field ${keyType} does not match the key's own type ${inner ?? '(unreadable)'}`;
  return { file, line, ...(marker ? { marker } : {}), hosts, keyType, key };
}

function parseHostField(field: string): KnownHostEntry['hosts'] | string {
  if (field.startsWith('|')) {
    const m = /^\|1\|([A-Za-z0-9+/=]+)\|([A-Za-z0-9+/=]+)$/.exec(field);
    if (!m) return 'unsupported hashed host name (only |1| HMAC-SHA1 exists)';
    const salt = Buffer.from(m[1]!, 'base64');
    const hmac = Buffer.from(m[2]!, 'base64');
    if (salt.length !== 20 || hmac.length !== 20) return 'hashed host name has a bad salt or HMAC length';
    return { kind: 'hashed', salt, hmac };
  }
  return {
    kind: 'patterns',
    patterns: field
      .toLowerCase()
      .split(',')
      .filter((p) => p !== ''),
  };
}

/** The type name at the start of a key blob (an SSH `string`), or undefined. */
export function keyTypeOf(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const n = blob.readUInt32BE(0);
  if (n === 0 || n > 64 || 4 + n > blob.length) return undefined;
  return blob.toString('latin1', 4, 4 + n);
}

/** `SHA256:<unpadded base64>`, exactly as `ssh-keygen -lf` prints it. */
export function sha256Fingerprint(blob: Buffer): string {
  return `SHA256:${trimEndChars(createHash('sha256').update(blob).digest('base64'), '=')}`;
}

/** The name known_hosts stores for a host: `host` on port 22, otherwise `[host]:port` (sshd(8)). */
export function knownHostName(host: string, port = 22): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

/** OpenSSH match_pattern(): `*` is any run, `?` any one character; everything else literal. */
export function wildcardMatch(text: string, pattern: string): boolean {
  // Iterative glob with one backtrack point: linear-ish, no regex built from input.
  let t = 0;
  let p = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === text[t])) {
      t++;
      p++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = t;
    } else if (star !== -1) {
      p = star + 1;
      t = ++mark;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

/** Does this entry name `name` (as built by knownHostName)? A matching `!pattern` vetoes the line. */
export function entryMatchesHost(entry: KnownHostEntry, name: string): boolean {
  if (entry.hosts.kind === 'hashed') {
    const mac = createHmac('sha1', entry.hosts.salt).update(name).digest();
    return timingSafeEqual(mac, entry.hosts.hmac);
  }
  let positive = false;
  for (const pattern of entry.hosts.patterns) {
    if (pattern.startsWith('!')) {
      if (wildcardMatch(name, pattern.slice(1))) return false;
    } else if (wildcardMatch(name, pattern)) positive = true;
  }
  return positive;
}

/**
 * Classifies a presented host key. A key listed under `@revoked` is refused
 * whatever host pattern that line carries (stricter than ssh(1), which needs
 * the pattern to match: a revoked key is compromised for every host).
 * `@cert-authority` lines are not supported and never match. A host that is
 * known only with other keys is a mismatch, never "unknown".
 */
export function lookupHostKey(blob: Buffer, host: string, port: number, entries: readonly KnownHostEntry[]): HostKeyLookup {
  const revoked = entries.find((e) => e.marker === 'revoked' && e.key.equals(blob));
  if (revoked) return { status: 'revoked', entry: revoked };
  const name = knownHostName(host, port);
  const forHost = entries.filter((e) => e.marker === undefined && entryMatchesHost(e, name));
  const same = forHost.find((e) => e.key.equals(blob));
  if (same) return { status: 'match', entry: same };
  const presentedType = keyTypeOf(blob);
  const conflict = forHost.find((e) => e.keyType === presentedType) ?? forHost[0];
  if (conflict) return { status: 'mismatch', entry: conflict };
  return { status: 'unknown' };
}

export function checkHostKey(blob: Buffer, host: string, port: number, entries: readonly KnownHostEntry[]): HostKeyStatus {
  return lookupHostKey(blob, host, port, entries).status;
}

/** Key types known for a host, so the client can ask for those first (as ssh(1) orders HostKeyAlgorithms). */
export function knownKeyTypes(host: string, port: number, entries: readonly KnownHostEntry[]): string[] {
  const name = knownHostName(host, port);
  const types = entries.filter((e) => e.marker === undefined && entryMatchesHost(e, name)).map((e) => e.keyType);
  return [...new Set(types)];
}
