/**
 * A pipeline's vars are checked against the packages they apply to: a name is
 * unknown only when no package (or VM) it applies to uses it; unknown VMs in
 * `vms:` and unknown packages are refused too; each error is located at its key
 * in the pipeline file, with the closest known name. plan stops before any host.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { preparePipeline } from '../../src/pipeline/run.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(import.meta.dirname, '.tmp-vars-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PIPELINE = `version: 1
packages:
  secure-web: { path: ${join(import.meta.dirname, '../../examples/secure-web')} }
  two-tier: { path: ${join(import.meta.dirname, '../../examples/two-tier')} }
inventory:
  hosts:
    a: { address: "ssh://root@192.0.2.1", capacity: { memoryMiB: 8192 } }
defaults:
  vars:
    bridge: br0
    db_bridge: br1
    admin_password: { value: pw, secret: true }
tenants:
  acme:
    deployments:
      - package: two-tier
        vms:
          web: { vars: { ip: 10.10.0.10 } }
          db: { vars: { ip: 10.10.1.10, web_ip: 10.10.0.10 } }
      - package: secure-web
        names: [www]
        vars: { ip: 10.10.0.20, hostname: acme-www }
  initech:
    deployments:
      - package: two-tier
        vms:
          web: { vars: { ip: 10.30.0.10 } }
          db: { vars: { ip: 10.30.1.10, web_ip: 10.30.0.10 } }
stages: [render, deploy]
`;

async function prepare(text: string, name: string) {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, text);
  const r = await preparePipeline({ file, env: {} });
  if ('close' in r) await r.close();
  return { file, errors: r.diagnostics.filter((d) => d.severity === 'error') };
}

describe('pipeline vars', () => {
  it('accepts a value shared by packages when one of them uses it (admin_password: secure-web only)', async () => {
    const { errors } = await prepare(PIPELINE, 'ok');
    expect(errors).toEqual([]);
  });

  it('refuses names no package they apply to uses, VMs a package lacks, and unknown packages, each at its key', async () => {
    const text = PIPELINE.replace('admin_password:', 'admin_pasword:')
      .replace('hostname: acme-www', 'hostnme: acme-www')
      .replace('  initech:\n', '  initech:\n    vars: { gateway: 10.30.0.1 }\n')
      .replace('db: { vars: { ip: 10.30.1.10, web_ip: 10.30.0.10 } }', 'dbb: { vars: { ip: 10.30.1.10, web_ip: 10.30.0.10 } }')
      .replace('web: { vars: { ip: 10.10.0.10 } }', 'web: { vars: { ip: 10.10.0.10, web_ipp: 10.10.0.11 } }');
    const { file, errors } = await prepare(text, 'typos');
    const keyErrors = errors.filter((d) => d.ruleId === 'vars-key');
    expect(keyErrors.map((d) => [d.messageId, d.locator, d.file, d.line, d.column, d.data?.['hint']])).toEqual([
      ['unknownKey', 'defaults.vars.admin_pasword', file, 12, 5, " (did you mean 'admin_password'?)"],
      // Suggestions come from the VM's own names: web_ip is db's, not web's.
      ['unknownKey', 'tenants.acme.deployments[0].vms.web.vars.web_ipp', file, 18, 42, ''],
      ['unknownKey', 'tenants.acme.deployments[1].vars.hostnme', file, 22, 33, " (did you mean 'hostname'?)"],
      // The tenant has only two-tier, which has no gateway.
      ['unknownKey', 'tenants.initech.vars.gateway', file, 24, 13, ''],
      ['unknownVm', 'tenants.initech.deployments[0].vms.dbb', file, 29, 11, " (did you mean 'db'?)"],
    ]);
    expect(keyErrors[0]!.message).toBe(
      "unknown var 'admin_pasword' in defaults.vars: no macro or property of that name in the packages it applies to (secure-web, two-tier) (did you mean 'admin_password'?)",
    );
  });

  it('a VM block may not set a name only another VM of the package uses', async () => {
    const { errors } = await prepare(PIPELINE.replace('web: { vars: { ip: 10.10.0.10 } }', 'web: { vars: { ip: 10.10.0.10, web_ip: 10.10.0.11 } }'), 'other-vm');
    expect(errors.map((d) => [d.messageId, d.locator])).toEqual([['unknownKey', 'tenants.acme.deployments[0].vms.web.vars.web_ip']]);
    expect(errors[0]!.message).toBe(
      "unknown var 'web_ip' in tenants.acme.deployments[0].vms.web.vars: no macro or property of that name in VM web of package 'two-tier' (VM db uses it: set it there, or for all VMs)",
    );
  });

  it("a misspelt pipeline key names the schema's closest key", async () => {
    const { errors } = await prepare(PIPELINE.replace('web: { vars: { ip: 10.10.0.10 } }', 'web: { varz: { ip: 10.10.0.10 } }'), 'schema');
    expect(errors.map((d) => [d.ruleId, d.line, d.message])).toEqual([
      ['pipeline-file', 18, "tenants.acme.deployments[0].vms.web: unknown key 'varz' (did you mean 'vars'? allowed: vars, host, group)"],
    ]);
  });

  it('names an unknown package with the closest one', async () => {
    const { errors } = await prepare(PIPELINE.replace('      - package: secure-web', '      - package: secure-wbe'), 'package');
    expect(errors.map((d) => d.message)).toEqual(["tenant acme: unknown package 'secure-wbe'; the pipeline's packages: secure-web, two-tier (did you mean 'secure-web'?)"]);
  });

  it('an ill-typed pipeline value is located at its value in the pipeline file', async () => {
    const { file, errors } = await prepare(PIPELINE.replace('web_ip: 10.10.0.10', 'web_ip: 192.0.2.999'), 'type');
    expect(errors.map((d) => [d.ruleId, d.file, d.line])).toEqual([['macro-type', file, 19]]);
    expect(errors[0]!.message).toContain("${web_ip} = '192.0.2.999' from VM 'db' vars is not a valid ipv4");
    expect(errors[0]!.message).toContain("(used as tcp@srcipaddr in filter 'db-guard')");
  });

  it('plan refuses a vars typo with exit 1, located, before any host is touched', async () => {
    const file = join(dir, 'plan.yaml');
    writeFileSync(file, PIPELINE.replace('hostname: acme-www', 'hostnme: acme-www'));
    const r = await runCli(['plan', file]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${file}:22:33: error: unknown var 'hostnme'`);
    expect(r.err).not.toMatch(/192\.0\.2\.1|\n\s+at /);
    expect(r.out).toBe('');
  });
});
