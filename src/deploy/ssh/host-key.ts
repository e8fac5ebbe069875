/**
 * Host key policy: a pinned fingerprint, or known_hosts. Refuse by default and
 * never trust on first use: an unknown key is an error that tells the operator
 * what to verify out of band.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { OvfpipeError } from '../../diagnostics/errors.js';
import { type KnownHostEntry, type KnownHostsProblem, keyTypeOf, knownHostName, lookupHostKey, parseKnownHosts, sha256Fingerprint } from './known-hosts.js';

/** ssh(1)'s defaults: UserKnownHostsFile, then GlobalKnownHostsFile. */
export function defaultKnownHostsFiles(): string[] {
  return [join(homedir(), '.ssh', 'known_hosts'), '/etc/ssh/ssh_known_hosts'];
}

/** Reads and parses known_hosts files; a missing file counts as empty. */
export async function loadKnownHosts(files: readonly string[]): Promise<{ entries: KnownHostEntry[]; problems: KnownHostsProblem[] }> {
  const entries: KnownHostEntry[] = [];
  const problems: KnownHostsProblem[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new OvfpipeError('OVFPIPE_IO', `cannot read known_hosts file ${file}: ${(e as Error).message}`, { cause: e });
    }
    const parsed = parseKnownHosts(text, file);
    entries.push(...parsed.entries);
    problems.push(...parsed.problems);
  }
  return { entries, problems };
}

/**
 * Normalises a pinned fingerprint. Accepts `SHA256:xxx` or a whole
 * `ssh-keygen -lf` line (`256 SHA256:xxx comment (ED25519)`); base64 padding
 * is optional. MD5 fingerprints are refused: they are not a safe pin.
 */
export function parseFingerprint(text: string): string {
  const m = /(?:^|\s)SHA256:([A-Za-z0-9+/]{43})=?(?:\s|$)/.exec(text.trim());
  if (!m) throw new OvfpipeError('OVFPIPE_USAGE', `not a SHA256 host key fingerprint (expected SHA256:<43 base64 chars>, as ssh-keygen -lf prints): ${text}`);
  return `SHA256:${m[1]}`;
}

export interface HostKeyPolicy {
  host: string;
  port: number;
  /** Pinned `SHA256:…` fingerprint; when set, known_hosts is not consulted. */
  fingerprint?: string;
  entries: readonly KnownHostEntry[];
  /** The files the entries came from, named in "unknown host" messages. */
  files: readonly string[];
}

/** Throws OVFPIPE_HOSTKEY_* unless the presented key is the pinned or known one. */
export function verifyHostKey(blob: Buffer, policy: HostKeyPolicy): void {
  const { host, port } = policy;
  const presented = `${keyTypeOf(blob) ?? 'unknown-type'} ${sha256Fingerprint(blob)}`;
  const where = `${host} port ${port}`;
  if (policy.fingerprint !== undefined) {
    const pin = parseFingerprint(policy.fingerprint);
    if (pin === sha256Fingerprint(blob)) return;
    throw new OvfpipeError(
      'OVFPIPE_HOSTKEY_MISMATCH',
      `host key for ${where} does not match the pinned fingerprint: presented ${presented}, pinned ${pin}. ` +
        'Someone may be intercepting the connection, or the host was reinstalled; check the key out of band before changing the pin.',
      { where },
    );
  }
  const found = lookupHostKey(blob, host, port, policy.entries);
  const at = found.entry ? `${found.entry.file}:${found.entry.line}` : '';
  switch (found.status) {
    case 'match':
      return;
    case 'revoked':
      throw new OvfpipeError('OVFPIPE_HOSTKEY_REVOKED', `host key for ${where} is REVOKED (${at}): presented ${presented}. Refusing to connect.`, { where: at });
    case 'mismatch':
      throw new OvfpipeError(
        'OVFPIPE_HOSTKEY_MISMATCH',
        `host key for ${where} has CHANGED: presented ${presented}, but ${at} has ${found.entry!.keyType} ${sha256Fingerprint(found.entry!.key)}. ` +
          `Someone may be intercepting the connection, or the host was reinstalled; verify the new key out of band, then fix ${at}.`,
        { where: at },
      );
    case 'unknown':
      throw new OvfpipeError(
        'OVFPIPE_HOSTKEY_UNKNOWN',
        `host key for ${where} is not known: presented ${presented}; no entry for ${knownHostName(host, port)} in ${policy.files.join(', ') || '(no known_hosts files)'}. ` +
          `ovfpipe never trusts on first use: verify the fingerprint out of band, then add it (ssh-keyscan -p ${port} ${host} >> known_hosts) or pin it.`,
        { where: policy.files.join(', ') },
      );
  }
}
