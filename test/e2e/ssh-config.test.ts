/**
 * resolveTarget: ssh:// URLs and ~/.ssh/config aliases (ssh_config(5)),
 * read with the ssh-config package. Pure file input; no sshd needed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveTarget } from '../../src/deploy/ssh/config.js';

const dir = mkdtempSync(join(tmpdir(), 'ovfpipe-sshcfg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const configPath = join(dir, 'config');
writeFileSync(
  configPath,
  `
Host kvm1
  HostName 10.1.0.11
  Port 2201
  User deploy
  IdentityFile ~/.ssh/ovfpipe_ed25519
  UserKnownHostsFile ${dir}/known_hosts "%d/other known_hosts"

Host kvm2
  HostName %h.lab.example
  ProxyJump bastion
  IdentityAgent none

Host kvm3
  ProxyJump ops@bastion:2022,inner

Host bastion
  HostName 192.0.2.1
  User jump

Host inner
  HostName 10.1.0.1

Host loop1
  ProxyJump loop2
Host loop2
  ProxyJump loop1

Host *
  User fallback
`,
);

describe('resolveTarget', () => {
  it('parses ssh://user@host:port URLs, with IPv6 in brackets', () => {
    expect(resolveTarget('ssh://root@10.0.0.5:2222', { configPath: join(dir, 'none') })).toEqual({ host: '10.0.0.5', port: 2222, user: 'root' });
    expect(resolveTarget('ssh://[::1]:22/', { configPath: join(dir, 'none') })).toEqual({ host: '::1', port: 22 });
    expect(resolveTarget('admin@host.example', { configPath: join(dir, 'none') })).toEqual({ host: 'host.example', user: 'admin' });
  });

  it('resolves an alias: HostName, Port, User, IdentityFile and UserKnownHostsFile with ~ and %d expanded', () => {
    expect(resolveTarget('kvm1', { configPath })).toEqual({
      host: '10.1.0.11',
      port: 2201,
      user: 'deploy',
      identity: join(homedir(), '.ssh', 'ovfpipe_ed25519'),
      knownHostsFile: [join(dir, 'known_hosts'), join(homedir(), 'other known_hosts')],
    });
  });

  it('lets the URL win over the config file, as the ssh command line does', () => {
    expect(resolveTarget('ssh://root@kvm1:22', { configPath })).toMatchObject({ host: '10.1.0.11', port: 22, user: 'root' });
  });

  it('applies Host * defaults and expands %h in HostName', () => {
    expect(resolveTarget('kvm2', { configPath })).toMatchObject({ host: 'kvm2.lab.example', user: 'fallback' });
    expect(resolveTarget('kvm2', { configPath }).agent).toBeUndefined();
  });

  it('resolves ProxyJump through the config, including chains (a,b: b is reached through a)', () => {
    expect(resolveTarget('kvm2', { configPath }).proxyJump).toEqual({ host: '192.0.2.1', user: 'jump' });
    const chain = resolveTarget('kvm3', { configPath });
    expect(chain.host).toBe('kvm3');
    expect(chain.proxyJump).toEqual({ host: '10.1.0.1', user: 'fallback', proxyJump: { host: '192.0.2.1', port: 2022, user: 'ops' } });
  });

  it('refuses a ProxyJump loop and a malformed target', () => {
    expect(() => resolveTarget('loop1', { configPath })).toThrow(/ProxyJump chain deeper than 8 hops/);
    expect(() => resolveTarget('ssh://user@host:99999', { configPath })).toThrow(/bad port/);
    expect(() => resolveTarget('has space', { configPath })).toThrow(/not an SSH target/);
  });

  it('treats a missing config file as empty', () => {
    expect(resolveTarget('plainhost', { configPath: join(dir, 'missing') })).toEqual({ host: 'plainhost' });
  });
});
