/**
 * Evidence on red as on green: an `apply` whose lint stage fails still writes its --report and --junit, naming
 * the package that failed, the rule and the line, with every package and VM as a case; and it never touches a
 * host: the real OpenSSH server in the inventory logs no connection (its log records one for a later probe).
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/deploy/report.js';
import { attr, children } from '../../src/xml/element.js';
import { parseXml } from '../../src/xml/parse.js';
import { runCli } from '../helpers/cli.js';
import { requireSshd, startSshds, type SshdCluster } from './sshd.js';

const live = requireSshd('apply stopped-run evidence test');
const work = mkdtempSync(join(tmpdir(), 'ovfpipe-e2e-i14b-red-'));
let cluster: SshdCluster | undefined;

beforeAll(async () => {
  if (!live) return;
  cluster = await startSshds(1);
  // startSshds checks readiness with one TCP connection; wait until sshd has logged it, so the count below is stable.
  const log = cluster!.hosts[0]!.log;
  for (let i = 0; i < 100 && !(existsSync(log) && /Connection closed/.test(readFileSync(log, 'utf8'))); i++) await sleep(50);
  cpSync(resolve('examples/secure-web'), join(work, 'secure-web'), { recursive: true });
  cpSync(resolve('examples/two-tier'), join(work, 'two-tier'), { recursive: true });
  // A lint error in two-tier's db-guard filter: a port libvirt would refuse (line 53 of the descriptor).
  const ovf = join(work, 'two-tier', 'two-tier.ovf');
  writeFileSync(ovf, readFileSync(ovf, 'utf8').replace("dstportstart='5432'", "dstportstart='99999'"));
  const host = cluster!.hosts[0]!;
  writeFileSync(
    join(work, 'pipeline.yaml'),
    [
      'version: 1',
      'packages:',
      '  secure-web: { path: secure-web }',
      '  two-tier: { path: two-tier }',
      'inventory:',
      `  defaults: { identity: ${cluster!.clientKey}, knownHosts: ${cluster!.knownHostsFile}, storage: /var/lib/ovfpipe-e2e/i14b-red }`,
      `  hosts: { host-a: { address: "ssh://root@127.0.0.1:${host.port}" } }`,
      'defaults: { vars: { bridge: i14b-br0, db_bridge: i14b-br1, admin_password: { value: x, secret: true } } }',
      'tenants:',
      '  i14b-red:',
      '    deployments:',
      '      - { package: secure-web, names: [www], vars: { ip: 192.0.2.10 } }',
      '      - package: two-tier',
      '        vms: { web: { vars: { ip: 192.0.2.20 } }, db: { vars: { ip: 192.0.2.21, web_ip: 192.0.2.20 } } }',
      'stages: [lint, verify, render, deploy]',
      '',
    ].join('\n'),
  );
});

afterAll(async () => {
  await cluster?.stopAll();
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!live).sequential('apply stopped by its lint stage', () => {
  it('writes --report and --junit naming the failure, every package and VM a case, and touches no host', async () => {
    const report = join(work, 'report.json');
    const junit = join(work, 'report.xml');
    // startSshds' readiness check connects once; count the connections the apply makes on top of those.
    const log = cluster!.hosts[0]!.log;
    const connections = () => (existsSync(log) ? (readFileSync(log, 'utf8').match(/Connection from/g)?.length ?? 0) : 0);
    const before = connections();
    const r = await runCli(['apply', join(work, 'pipeline.yaml'), '--report', report, '--junit', junit]);
    const after = connections();
    expect(r.code, r.err).toBe(1);
    expect(r.err).toMatch(/two-tier\.ovf:53:\d+: error: .*99999/);
    expect(r.err).toContain('stopped before deploy; failed: lint of package two-tier');

    const json = JSON.parse(readFileSync(report, 'utf8')) as RunReport;
    expect(json.hosts).toEqual([]);
    expect(json.vms).toEqual([]);
    const checks = json.checks!;
    const lint = checks.find((c) => c.stage === 'lint' && c.name === 'two-tier')!;
    expect(lint.status).toBe('failed');
    expect(lint.diagnostics.find((d) => d.severity === 'error')).toMatchObject({ ruleId: 'nwfilter-attribute-value', line: 53 });
    expect(checks.find((c) => c.stage === 'lint' && c.name === 'secure-web')!.status).toBe('passed');
    // Every VM is a case: www rendered; web and db of two-tier too (render does not need lint to pass).
    expect(
      checks
        .filter((c) => c.kind === 'vm')
        .map((c) => c.name)
        .sort(),
    ).toEqual(['i14b-red-db', 'i14b-red-web', 'i14b-red-www']);

    const xml = parseXml(readFileSync(junit));
    if (!xml.ok) throw new Error(xml.problem.message);
    const suites = children(xml.root, 'testsuite');
    expect(suites.map((s) => attr(s, 'name'))).toEqual(['pipeline', 'lint', 'verify', 'render']);
    const lintCases = children(suites[1]!, 'testcase');
    const failed = lintCases.find((c) => attr(c, 'name') === 'package two-tier')!;
    const failure = children(failed, 'failure')[0]!;
    expect(attr(failure, 'type')).toBe('nwfilter-attribute-value');
    expect(attr(failure, 'message')).toContain('99999');
    expect(failure.text).toContain('two-tier.ovf:53:');
    expect(children(lintCases.find((c) => attr(c, 'name') === 'package secure-web')!, 'failure')).toEqual([]);
    expect(children(suites[3]!, 'testcase')).toHaveLength(3);

    // The host was never contacted; the same log records a connection once one is made (the check can fail).
    expect(after).toBe(before);
    await runCli(['hosts', 'probe', '--host', `ssh://root@127.0.0.1:${cluster!.hosts[0]!.port}`, '--identity', cluster!.clientKey, '--known-hosts', cluster!.knownHostsFile]);
    expect(connections()).toBeGreaterThan(after);
  });
});
