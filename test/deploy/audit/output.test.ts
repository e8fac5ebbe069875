import { describe, expect, it } from 'vitest';
import { auditJunit, auditSarif, auditText } from '../../../src/deploy/audit/format.js';
import { auditClean, type AuditResult } from '../../../src/deploy/audit/model.js';
import { virshMulti } from '../../../src/deploy/audit/virsh-multi.js';

const result: AuditResult = {
  hosts: [
    {
      host: 'ssh://root@kvm-1',
      status: 'drift',
      tooling: { ebtables: 'ebtables 1.8.9 (nf_tables)' },
      seconds: 0.5,
      vms: [
        {
          name: 't-web',
          tenant: 't',
          state: 'running',
          status: 'drift',
          findings: [{ class: 'firewall-rules-missing', vm: 't-web', interface: 'vnet3', filter: 't-guard', detail: 'ebtables chain libvirt-I-vnet3 is empty <&>', repairable: true }],
        },
        { name: 't-db', tenant: 't', state: 'stopped', status: 'clean', findings: [] },
      ],
    },
    { host: 'ssh://root@kvm-2', status: 'unreachable', error: 'connect ECONNREFUSED', vms: [], seconds: 0.1 },
  ],
};

describe('audit output', () => {
  it('text groups findings by host and VM and ends with a summary', () => {
    const text = auditText(result);
    expect(text).toContain('ssh://root@kvm-1: drift [ebtables 1.8.9 (nf_tables)]\n  t-web (running): drift\n    firewall-rules-missing  interface vnet3, filter t-guard: ebtables chain');
    expect(text).toContain('ssh://root@kvm-2: unreachable: connect ECONNREFUSED');
    expect(text).toMatch(/audit: 2 host\(s\), 2 VM\(s\): 1 clean, 1 with drift \(1 finding\(s\)\), 0 cannot be verified; 1 host\(s\) unreachable\n$/);
    expect(auditClean(result)).toBe(false);
  });

  it('SARIF has a result per finding located at the VM, interface and filter, and one for the unreachable host', () => {
    const s = JSON.parse(auditSarif(result, 'pipelines/prod.yaml'));
    expect(s.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri).toBe('pipelines/prod.yaml');
    expect(s.version).toBe('2.1.0');
    const [drift, down] = s.runs[0].results;
    expect(drift.ruleId).toBe('firewall-rules-missing');
    expect(s.runs[0].tool.driver.rules[drift.ruleIndex].id).toBe('firewall-rules-missing');
    expect(drift.locations[0].logicalLocations.map((l: { fullyQualifiedName: string }) => l.fullyQualifiedName)).toEqual([
      'ssh://root@kvm-1/t-web',
      'ssh://root@kvm-1/t-web/vnet3',
      'ssh://root@kvm-1/nwfilter/t-guard',
    ]);
    expect(down).toMatchObject({ ruleId: 'cannot-verify', level: 'warning' });
  });

  it('JUnit has a suite per host, a case per VM, escaped failures', () => {
    const x = auditJunit(result);
    expect(x).toContain('<testsuite name="audit ssh://root@kvm-1" tests="2" failures="1"');
    expect(x).toContain('<failure type="firewall-rules-missing" message="interface vnet3, filter t-guard: ebtables chain libvirt-I-vnet3 is empty &lt;&amp;&gt;"/>');
    expect(x).toContain('<testcase classname="ssh://root@kvm-2" name="(host)"');
  });
});

describe('virshMulti', () => {
  it('asks safe names in one virsh process and splits the answers; an empty answer is a failure', () => {
    const m = virshMulti('qemu:///system', [
      ['dumpxml', '--', 'a'],
      ['dumpxml', '--', 'b'],
      ['dumpxml', '--', "it's; rm"],
    ]);
    expect(m.commands).toHaveLength(2);
    expect(m.commands[0]!.argv).toEqual(['virsh', '-c', 'qemu:///system', 'dumpxml', '--', "it's; rm"]);
    const script = m.commands[1]!.argv[3]!;
    const boundary = /^echo (\S+) 0;/.exec(script)![1]!;
    const out = `${boundary} 0\n<domain>a</domain>\n\n${boundary} 1\n\n`;
    expect(
      m.answers([
        { code: 0, output: '<domain/>' },
        { code: 0, output: out },
      ]),
    ).toEqual([
      { code: 0, output: '<domain>a</domain>\n\n' },
      { code: 1, output: '\n' },
      { code: 0, output: '<domain/>' },
    ]);
  });
});

describe('ovfpipe audit usage', () => {
  const cli = async (args: string[]) => {
    let err = '';
    const { main } = await import('../../../src/cli/main.js');
    const code = await main(args, { stdout: { write: () => true }, stderr: { write: (s: string) => (err += s) }, env: {}, cwd: process.cwd() });
    return { code, err };
  };

  it('exits 2 when a package is given without --host and --tenant, or with a bad --parallel', async () => {
    expect(await cli(['audit', 'examples/two-tier'])).toMatchObject({ code: 2, err: expect.stringContaining('audit PKG needs --host and --tenant') });
    expect((await cli(['audit', 'examples/two-tier', '--host', 'ssh://root@127.0.0.1:1', '--tenant', 't', '--parallel', '0'])).code).toBe(2);
  });
});
