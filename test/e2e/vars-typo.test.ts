/**
 * A vars typo never deploys, end to end: `apply` of a pipeline whose tenant
 * vars say `hostnme:` exits 1 with the located did-you-mean, and the real
 * OpenSSH server it names never sees a connection (its VERBOSE log). Once the
 * typo is fixed, `plan` connects (the positive control), with the identity
 * file given as `${env:…:-~/…}`, expanded against HOME.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { requireLibvirt, run } from './services.js';
import { requireSshd, startSshds, type SshdCluster } from './sshd.js';

const live = requireSshd('vars typo end-to-end test') && requireLibvirt('vars typo end-to-end test');
const tenant = `i14a${process.pid}`;
const work = mkdtempSync(join(tmpdir(), 'ovfpipe-e2e-vars-typo-'));
const home = join(work, 'home');
const storage = `/var/lib/ovfpipe-e2e/vars-typo-${tenant}`;
let cluster: SshdCluster | undefined;
let savedHome: string | undefined;

const pipeline = (hostnameKey: string) => `version: 1
packages:
  web: { path: ${resolve('examples/secure-web')} }
inventory:
  defaults:
    identity: \${env:I14A_NO_SUCH_VAR:-~/.ssh/id_test}
    knownHosts: ${cluster!.knownHostsFile}
    storage: ${storage}
  hosts:
    a: { address: "ssh://root@127.0.0.1:${cluster!.hosts[0]!.port}" }
defaults:
  domainType: qemu
  vars: { bridge: ovfpipe-br0, admin_password: { value: pw, secret: true } }
tenants:
  ${tenant}:
    deployments:
      - package: web
        vars: { ip: 10.99.0.5, ${hostnameKey}: web-1 }
stages: [render, deploy]
`;

const sshdLog = () => readFileSync(cluster!.hosts[0]!.log, 'utf8');

beforeAll(async () => {
  if (!live) return;
  cluster = await startSshds(1);
  mkdirSync(join(home, '.ssh'), { recursive: true });
  copyFileSync(cluster.clientKey, join(home, '.ssh', 'id_test'));
  savedHome = process.env['HOME'];
  process.env['HOME'] = home;
});

afterAll(async () => {
  if (savedHome !== undefined) process.env['HOME'] = savedHome;
  await cluster?.stopAll();
  rmSync(work, { recursive: true, force: true });
  rmSync(storage, { recursive: true, force: true });
});

describe.skipIf(!live).sequential('a vars typo', () => {
  it('is refused by apply before any host is touched', async () => {
    const file = join(work, 'typo.yaml');
    writeFileSync(file, pipeline('hostnme'));
    const before = sshdLog();
    const r = await runCli(['apply', file]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      `${file}:18:32: error: unknown var 'hostnme' in tenants.${tenant}.deployments[0].vars: no macro or property of that name in package 'web' (did you mean 'hostname'?) [vars-key]`,
    );
    expect(r.err).not.toMatch(/\n\s+at /);
    // (startSshds' own readiness probe may show as a bare connection closed before key exchange.)
    expect(sshdLog().slice(before.length)).not.toMatch(/publickey|Accepted|session opened/);
    expect(run('virsh', ['-c', 'qemu:///system', 'domstate', `${tenant}-web`], { allowFail: true }).status).not.toBe(0);
  });

  it('once fixed, plan connects with the ~/ identity (the log shows the connection)', async () => {
    const file = join(work, 'fixed.yaml');
    writeFileSync(file, pipeline('hostname'));
    const before = sshdLog();
    const r = await runCli(['plan', file]);
    expect(r.err).not.toMatch(/\n\s+at |identity/);
    expect(r.out).toContain(`${tenant}-web`);
    expect(sshdLog().slice(before.length)).toMatch(/Accepted publickey for root/);
  });
});
