/**
 * The ssh2 Transport against real OpenSSH servers on 127.0.0.1 (TEST-INFRA
 * "sshd on loopback"), in the manner of ssh2's test-integration-openssh.js:
 * authentication, host key policy, ProxyJump and argv quoting.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSsh, type SshTransport } from '../../src/deploy/ssh/ssh-transport.js';
import { resolveTarget, type SshTarget } from '../../src/deploy/ssh/config.js';
import { withRetry } from '../../src/deploy/ssh/retry.js';
import { rejection } from '../helpers/rejection.js';
import { type SshdCluster, freePort, startAgent, startSshds } from './sshd.js';

const cluster: SshdCluster | undefined = await startSshds(3, { logLevel: 'DEBUG1' });
const describeSsh = cluster ? describe : describe.skip;

const target = (i: number, extra?: Partial<SshTarget>): SshTarget => cluster!.target(i, extra);

describeSsh('ssh transport against real sshd', () => {
  const open: SshTransport[] = [];
  const connect = async (t: SshTarget) => {
    const transport = await connectSsh(t);
    open.push(transport);
    return transport;
  };
  afterAll(async () => {
    for (const t of open) await t.close();
    await cluster?.stopAll();
  });

  it('authenticates with a key file and runs a command', async () => {
    const t = await connect(target(0));
    expect(t.label).toBe(`root@127.0.0.1:${cluster!.hosts[0]!.port}`);
    const r = await t.exec(['id', '-un']);
    expect(r).toEqual({ code: 0, stdout: 'root\n', stderr: '' });
  });

  it('reuses one connection for many commands, including concurrent ones beyond MaxSessions', async () => {
    const t = await connect(target(0));
    const results = await Promise.all(Array.from({ length: 24 }, (_, i) => t.exec(['sh', '-c', 'echo "$1:$SSH_CONNECTION"', 'x', String(i)])));
    const connections = new Set(results.map((r) => r.stdout.trim().split(':')[1]));
    expect(results.map((r) => Number(r.stdout.split(':')[0]))).toEqual(Array.from({ length: 24 }, (_, i) => i));
    expect(connections.size).toBe(1);
  });

  it('authenticates through ssh-agent', async () => {
    const agent = await startAgent(cluster!.root, cluster!.clientKey);
    try {
      const t = await connect({ ...target(0), identity: undefined, agent: agent.socket });
      expect((await t.exec(['true'])).code).toBe(0);
    } finally {
      await agent.stop();
    }
  });

  it('refuses a key that the host does not accept with OVFPIPE_SSH_AUTH', async () => {
    const err = await rejection(connectSsh(target(0, { identity: cluster!.strangerKey })));
    expect(err.code).toBe('OVFPIPE_SSH_AUTH');
    expect(err.message).toContain(`root@127.0.0.1:${cluster!.hosts[0]!.port}`);
    expect(err.message).toContain(`tried: key ${cluster!.strangerKey} as root`);
  });

  it('refuses an unknown host key with OVFPIPE_HOSTKEY_UNKNOWN, naming host, port, fingerprint and file', async () => {
    const empty = join(cluster!.root, 'known_hosts.empty');
    writeFileSync(empty, '# nothing here\n');
    const err = await rejection(connectSsh(target(0, { knownHostsFile: empty })));
    expect(err.code).toBe('OVFPIPE_HOSTKEY_UNKNOWN');
    expect(err.message).toContain(`127.0.0.1 port ${cluster!.hosts[0]!.port}`);
    expect(err.message).toContain(cluster!.fingerprint(0));
    expect(err.message).toContain(empty);
  });

  it('accepts a host through a hashed known_hosts entry', async () => {
    expect(readFileSync(cluster!.hashedKnownHostsFile, 'utf8')).toMatch(/^\|1\|/);
    const t = await connect(target(1, { knownHostsFile: cluster!.hashedKnownHostsFile }));
    expect((await t.exec(['echo', 'hashed'])).stdout).toBe('hashed\n');
  });

  it('accepts a pinned fingerprint and refuses a wrong pin', async () => {
    const t = await connect(target(1, { knownHostsFile: '/nonexistent', fingerprint: cluster!.fingerprint(1) }));
    expect((await t.exec(['true'])).code).toBe(0);
    const err = await rejection(connectSsh(target(1, { fingerprint: cluster!.fingerprint(0) })));
    expect(err.code).toBe('OVFPIPE_HOSTKEY_MISMATCH');
    expect(err.message).toContain(cluster!.fingerprint(1));
  });

  it('connects to a ~/.ssh/config alias through a ProxyJump host', async () => {
    const c = cluster!;
    const configPath = join(c.root, 'ssh_config');
    writeFileSync(
      configPath,
      [
        'Host e2e-target',
        '  HostName 127.0.0.1',
        `  Port ${c.hosts[1]!.port}`,
        '  ProxyJump e2e-jump',
        'Host e2e-jump',
        `  HostName 127.0.0.1`,
        `  Port ${c.hosts[0]!.port}`,
        'Host e2e-*',
        '  User root',
        `  IdentityFile ${c.clientKey}`,
        `  UserKnownHostsFile ${c.knownHostsFile}`,
        '',
      ].join('\n'),
    );
    const resolved = resolveTarget('e2e-target', { configPath });
    expect(resolved.proxyJump).toMatchObject({ host: '127.0.0.1', port: c.hosts[0]!.port });
    const t = await connect({ ...resolved, agent: '' });
    const r = await t.exec(['sh', '-c', 'echo "$SSH_CONNECTION"']);
    expect(r.stdout.split(' ')[3]?.trim()).toBe(String(c.hosts[1]!.port));
    // The jump sshd opened the TCP connection to the target for us (direct-tcpip).
    const jumpLog = readFileSync(c.hosts[0]!.log, 'utf8');
    expect(jumpLog).toContain(`server_request_direct_tcpip: originator 127.0.0.1 port 0, target 127.0.0.1 port ${c.hosts[1]!.port}`);
  });

  it('round-trips an argv with every shell metacharacter exactly, and runs nothing', async () => {
    const t = await connect(target(0));
    const pwned = `/tmp/pwned-${process.pid}`;
    const argv = [
      `$(touch ${pwned})`,
      `\`touch ${pwned}\``,
      `; touch ${pwned}`,
      `| touch ${pwned}`,
      `&& touch ${pwned} &`,
      `'; touch ${pwned}; echo '`,
      '"double" and \'single\' quotes',
      '< > >> 2>&1 ( ) { } [ ] * ? ~ # ! % ^ = \\ \\\\ \\n',
      'line one\nline two\n',
      '\ttab and  two  spaces ',
      '-n',
      '--version',
      '~root',
      '#not-a-comment',
      '*',
      '',
      'A=b',
      'ünïcødé ✓ 🚀',
      '$HOME ${HOME} $((1+1)) $0 $@ $* $? $$',
    ];
    const r = await t.exec(['printf', '%s\\0', ...argv]);
    expect(r.stdout.split('\0').slice(0, -1)).toEqual(argv);
    expect(existsSync(pwned)).toBe(false);
    // The values also survive as argv[0] words: A=b is a command name, not an assignment.
    const assignment = await t.exec(['A=b'], { allowFailure: true });
    expect(assignment.code).toBe(127);
  });

  it('reports a failing command as OVFPIPE_REMOTE with its stderr, or returns it with allowFailure', async () => {
    const t = await connect(target(0));
    const err = await rejection(t.exec(['sh', '-c', 'echo boom >&2; exit 3']));
    expect(err.code).toBe('OVFPIPE_REMOTE');
    expect(err.message).toMatch(/exited with 3: boom/);
    expect(await t.exec(['sh', '-c', 'exit 4'], { allowFailure: true })).toMatchObject({ code: 4 });
    expect((await t.exec(['cat'], { stdin: 'from stdin' })).stdout).toBe('from stdin');
  });

  it('kills a command that times out and fails output beyond the bound', async () => {
    const t = await connect(target(0));
    const marker = `ovfpipe-timeout-${process.pid}`;
    const started = Date.now();
    const err = await rejection(t.exec(['bash', '-c', `exec -a ${marker} sleep 30`], { timeoutMs: 300 }));
    expect(err.code).toBe('OVFPIPE_REMOTE');
    expect(err.message).toMatch(/timed out after 300 ms/);
    expect(Date.now() - started).toBeLessThan(5_000);
    // The remote process is gone too (sshd delivered the KILL signal request); bounded poll.
    let left = '';
    for (let i = 0; i < 20; i++) {
      left = (await t.exec(['pgrep', '-f', `^${marker}`], { allowFailure: true })).stdout;
      if (left === '') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(left).toBe('');
    const big = await rejection(t.exec(['head', '-c', '2000000', '/dev/zero'], { maxOutputBytes: 1 << 20 }));
    expect(big.code).toBe('OVFPIPE_LIMIT');
    expect((await t.exec(['echo', 'still usable'])).stdout).toBe('still usable\n');
  });

  it('refuses a changed host key with OVFPIPE_HOSTKEY_MISMATCH naming the known_hosts line', async () => {
    const c = cluster!;
    await c.changeHostKey(2);
    const err = await rejection(connectSsh(target(2)));
    expect(err.code).toBe('OVFPIPE_HOSTKEY_MISMATCH');
    expect(err.message).toContain(`127.0.0.1 port ${c.hosts[2]!.port}`);
    expect(err.message).toContain(c.fingerprint(2));
    expect(err.message).toContain(`${c.knownHostsFile}:4`);
  });

  it('maps a refused connection to OVFPIPE_SSH_CONNECT and retries it with backoff, bounded', async () => {
    const port = await freePort();
    const attempts: number[] = [];
    const err = await rejection(withRetry((n) => (attempts.push(n), connectSsh(target(0, { port }))), { retries: 2, baseMs: 10 }));
    expect(err.code).toBe('OVFPIPE_SSH_CONNECT');
    expect(err.message).toMatch(/ECONNREFUSED/);
    expect(attempts).toEqual([0, 1, 2]);
    const auth: number[] = [];
    await rejection(withRetry((n) => (auth.push(n), connectSsh(target(0, { identity: cluster!.strangerKey }))), { retries: 3, baseMs: 10 }));
    expect(auth).toEqual([0]);
  });
});
