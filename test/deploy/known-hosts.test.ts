/**
 * known_hosts parsing and host key policy (sshd(8) "SSH_KNOWN_HOSTS FILE
 * FORMAT"). Keys are real ones from ssh2's generator; hashed names and
 * fingerprints are cross-checked with OpenSSH's own ssh-keygen when present.
 */
import { spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, describe, expect, it } from 'vitest';
import { parseFingerprint, verifyHostKey } from '../../src/deploy/ssh/host-key.js';
import { checkHostKey, knownHostName, knownKeyTypes, lookupHostKey, parseKnownHosts, sha256Fingerprint, wildcardMatch } from '../../src/deploy/ssh/known-hosts.js';

const { utils } = ssh2;
const pub = (type: 'ed25519' | 'ecdsa' | 'rsa') => utils.generateKeyPairSync(type, type === 'rsa' ? { bits: 2048 } : type === 'ecdsa' ? { bits: 256 } : {}).public.trim();
const ED = pub('ed25519');
const ED2 = pub('ed25519');
const ED3 = pub('ed25519');
const EC = pub('ecdsa');
const RSA = pub('rsa');
const line = (hosts: string, key: string) => `${hosts} ${key.split(' ').slice(0, 2).join(' ')}`;
const blob = (key: string) => Buffer.from(key.split(' ')[1]!, 'base64');
const hashName = (name: string) => {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
};
const entries = (text: string) => parseKnownHosts(text, 'kh').entries;
const HAS_KEYGEN = spawnSync('ssh-keygen', ['-?'], { encoding: 'utf8' }).error === undefined;
const scratch = mkdtempSync(join(tmpdir(), 'ovfpipe-kh-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('parseKnownHosts', () => {
  it('reads plain, bracketed-port, comma-list and marker lines, skipping comments and blank lines', () => {
    const text = [
      '# comment',
      '',
      line('web1,10.0.0.5', ED),
      line('[db.example]:2222', EC),
      `   ${line('*.lab', RSA)} a comment`,
      `@revoked ${line('*', ED2)}`,
      `@cert-authority ${line('*.corp', ED)}`,
    ].join('\n');
    const { entries: es, problems } = parseKnownHosts(text, '/etc/kh');
    expect(problems).toEqual([]);
    expect(es.map((e) => [e.line, e.marker, e.keyType])).toEqual([
      [3, undefined, 'ssh-ed25519'],
      [4, undefined, 'ecdsa-sha2-nistp256'],
      [5, undefined, 'ssh-rsa'],
      [6, 'revoked', 'ssh-ed25519'],
      [7, 'cert-authority', 'ssh-ed25519'],
    ]);
    expect(es[0]!.hosts).toEqual({ kind: 'patterns', patterns: ['web1', '10.0.0.5'] });
    expect(es[0]!.file).toBe('/etc/kh');
  });

  it('reports malformed lines with their line numbers and keeps the rest', () => {
    const text = [line('ok', ED), 'onlyhost', 'h ssh-ed25519 !!!notbase64', `h ssh-rsa ${ED.split(' ')[1]}`, `@bogus ${line('h', ED)}`, '|2|abc|def ssh-ed25519 AAAA'].join('\n');
    const { entries: es, problems } = parseKnownHosts(text, 'kh');
    expect(es).toHaveLength(1);
    expect(problems.map((p) => p.line)).toEqual([2, 3, 4, 5, 6]);
    expect(problems[2]!.message).toMatch(/does not match the key's own type ssh-ed25519/);
  });
});

describe('host matching', () => {
  it('names port 22 plainly and other ports as [host]:port, lower-cased', () => {
    expect(knownHostName('Web1.Example', 22)).toBe('web1.example');
    expect(knownHostName('10.0.0.5', 2222)).toBe('[10.0.0.5]:2222');
    expect(knownHostName('::1', 2222)).toBe('[::1]:2222');
  });

  it('matches * and ? wildcards like OpenSSH match_pattern', () => {
    expect(wildcardMatch('web12.lab', '*.lab')).toBe(true);
    expect(wildcardMatch('web12.lab', 'web?.lab')).toBe(false);
    expect(wildcardMatch('web1.lab', 'web?.lab')).toBe(true);
    expect(wildcardMatch('[10.0.0.5]:2222', '[10.0.0.*]:2222')).toBe(true);
    expect(wildcardMatch('abc', '*a*b*c*')).toBe(true);
    expect(wildcardMatch('ab', 'a*c')).toBe(false);
    expect(wildcardMatch('a'.repeat(5000), `${'*a'.repeat(20)}b`)).toBe(false);
  });

  it('lets a negated pattern veto the whole line', () => {
    const es = entries(line('*.lab,!evil.lab', ED));
    expect(checkHostKey(blob(ED), 'good.lab', 22, es)).toBe('match');
    expect(checkHostKey(blob(ED), 'evil.lab', 22, es)).toBe('unknown');
    expect(checkHostKey(blob(ED), 'EVIL.LAB', 22, es)).toBe('unknown');
  });

  it('keeps ports apart: a port-22 entry does not vouch for another port', () => {
    const es = entries(line('h1', ED));
    expect(checkHostKey(blob(ED), 'h1', 22, es)).toBe('match');
    expect(checkHostKey(blob(ED), 'h1', 2222, es)).toBe('unknown');
    expect(checkHostKey(blob(ED), 'h1', 2222, entries(line('[h1]:2222', ED)))).toBe('match');
  });

  it('matches hashed |1|salt|hmac entries, including [host]:port names', () => {
    const es = entries([line(hashName('h1'), ED), line(hashName('[127.0.0.1]:2200'), EC)].join('\n'));
    expect(checkHostKey(blob(ED), 'h1', 22, es)).toBe('match');
    expect(checkHostKey(blob(EC), '127.0.0.1', 2200, es)).toBe('match');
    expect(checkHostKey(blob(EC), '127.0.0.1', 2201, es)).toBe('unknown');
  });

  it.runIf(HAS_KEYGEN)('matches names hashed by OpenSSH ssh-keygen -H', () => {
    const file = join(scratch, 'known_hosts');
    writeFileSync(file, `${line('[127.0.0.1]:2222', ED)}\n${line('host.example', RSA)}\n`);
    expect(spawnSync('ssh-keygen', ['-q', '-H', '-f', file]).status).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('127.0.0.1');
    const es = entries(text);
    expect(es.every((e) => e.hosts.kind === 'hashed')).toBe(true);
    expect(checkHostKey(blob(ED), '127.0.0.1', 2222, es)).toBe('match');
    expect(checkHostKey(blob(RSA), 'host.example', 22, es)).toBe('match');
    expect(checkHostKey(blob(RSA), 'other.example', 22, es)).toBe('unknown');
  });
});

describe('checkHostKey', () => {
  const text = [line('h1', ED), line('h1', RSA), line('h2', EC), `@revoked ${line('other', ED2)}`, `@cert-authority ${line('*', EC)}`].join('\n');
  const es = entries(text);

  it('classifies match, mismatch, unknown and revoked', () => {
    expect(checkHostKey(blob(ED), 'h1', 22, es)).toBe('match');
    expect(checkHostKey(blob(RSA), 'h1', 22, es)).toBe('match');
    expect(checkHostKey(blob(ED3), 'h1', 22, es)).toBe('mismatch');
    expect(checkHostKey(blob(ED), 'h2', 22, es)).toBe('mismatch');
    expect(checkHostKey(blob(ED), 'h3', 22, es)).toBe('unknown');
    // A revoked key is refused for every host, whatever the line's pattern.
    expect(checkHostKey(blob(ED2), 'h1', 22, es)).toBe('revoked');
    expect(checkHostKey(blob(ED2), 'h9', 22, es)).toBe('revoked');
  });

  it('does not accept keys through @cert-authority lines (unsupported)', () => {
    expect(checkHostKey(blob(EC), 'anything', 22, es)).toBe('unknown');
  });

  it('points at the conflicting line of the same key type', () => {
    expect(lookupHostKey(blob(ED3), 'h1', 22, es).entry?.line).toBe(1);
    expect(knownKeyTypes('h1', 22, es)).toEqual(['ssh-ed25519', 'ssh-rsa']);
  });
});

describe('fingerprints and verifyHostKey', () => {
  it.runIf(HAS_KEYGEN)('computes SHA256 fingerprints exactly as ssh-keygen -lf prints them', () => {
    for (const key of [ED, EC, RSA]) {
      const file = join(scratch, 'key.pub');
      writeFileSync(file, `${key}\n`);
      const printed = spawnSync('ssh-keygen', ['-lf', file], { encoding: 'utf8' }).stdout;
      expect(sha256Fingerprint(blob(key))).toBe(printed.split(' ')[1]);
      expect(parseFingerprint(printed)).toBe(sha256Fingerprint(blob(key)));
    }
  });

  it('accepts SHA256 pins with or without padding, and refuses MD5 or malformed pins', () => {
    const fp = sha256Fingerprint(blob(ED));
    expect(parseFingerprint(`${fp}=`)).toBe(fp);
    expect(() => parseFingerprint('MD5:12:34')).toThrow(/not a SHA256 host key fingerprint/);
    expect(() => parseFingerprint('SHA256:short')).toThrow(/not a SHA256/);
  });

  const policy = { host: '10.0.0.5', port: 2222, files: ['/home/u/.ssh/known_hosts'] };
  it('passes a pinned key and refuses another one without consulting known_hosts', () => {
    expect(() => verifyHostKey(blob(ED), { ...policy, entries: [], fingerprint: sha256Fingerprint(blob(ED)) })).not.toThrow();
    expect(() => verifyHostKey(blob(ED2), { ...policy, entries: entries(line('[10.0.0.5]:2222', ED2)), fingerprint: sha256Fingerprint(blob(ED)) })).toThrow(
      expect.objectContaining({ code: 'OVFPIPE_HOSTKEY_MISMATCH', message: expect.stringContaining(`presented ssh-ed25519 ${sha256Fingerprint(blob(ED2))}`) }),
    );
  });

  it('names host, port, presented fingerprint and the file/line in its refusals', () => {
    const es = parseKnownHosts(`# x\n${line('[10.0.0.5]:2222', ED)}\n@revoked ${line('*', RSA)}\n`, '/home/u/.ssh/known_hosts').entries;
    const fails = (key: string) => {
      try {
        verifyHostKey(blob(key), { ...policy, entries: es });
      } catch (e) {
        return e as { code: string; message: string };
      }
      throw new Error('expected a refusal');
    };
    expect(() => verifyHostKey(blob(ED), { ...policy, entries: es })).not.toThrow();
    const changed = fails(ED2);
    expect(changed.code).toBe('OVFPIPE_HOSTKEY_MISMATCH');
    expect(changed.message).toContain('10.0.0.5 port 2222 has CHANGED');
    expect(changed.message).toContain(sha256Fingerprint(blob(ED2)));
    expect(changed.message).toContain('/home/u/.ssh/known_hosts:2');
    // Known with an ed25519 key, now presenting ECDSA: changed, not "unknown".
    const otherType = fails(EC);
    expect(otherType.code).toBe('OVFPIPE_HOSTKEY_MISMATCH');
    const revoked = fails(RSA);
    expect(revoked.code).toBe('OVFPIPE_HOSTKEY_REVOKED');
    expect(revoked.message).toContain('/home/u/.ssh/known_hosts:3');
    const stranger = (() => {
      try {
        verifyHostKey(blob(EC), { ...policy, host: '10.0.0.6', entries: es });
      } catch (e) {
        return e as { code: string; message: string };
      }
      throw new Error('expected a refusal');
    })();
    expect(stranger.code).toBe('OVFPIPE_HOSTKEY_UNKNOWN');
    expect(stranger.message).toContain('10.0.0.6 port 2222 is not known');
    expect(stranger.message).toContain(sha256Fingerprint(blob(EC)));
    expect(stranger.message).toContain('/home/u/.ssh/known_hosts');
    expect(existsSync('/home/u')).toBe(false);
  });
});
