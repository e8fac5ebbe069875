/**
 * A typo must never deploy: a vars name, VM, NIC or tenant the package does not
 * have is a located error with the closest known name; a required property with
 * no value fails render. Through the library (renderPackage) and the CLI
 * (render, deploy: refused before any host is touched).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseVarsYaml } from '../../src/macros/vars.js';
import { parseDescriptor } from '../../src/ovf/parser.js';
import { renderOptions } from '../../src/render/options.js';
import { renderPackage } from '../../src/render/render-package.js';
import { packageVarKeys, varsFileKeyProblems } from '../../src/render/var-keys.js';
import { tempDir } from '../helpers/archives.js';
import { runCli } from '../helpers/cli.js';

const EXAMPLES = join(import.meta.dirname, '../../examples');
const envelopeOf = (pkg: string, file: string) => parseDescriptor(readFileSync(join(EXAMPLES, pkg, file)), file).envelope!;
const webAppliance = envelopeOf('web-appliance', 'web-appliance.ovf');
const twoTier = envelopeOf('two-tier', 'two-tier.ovf');
const tmp = tempDir('ovfpipe-vars-typos-');
afterAll(() => tmp.cleanup());

const varsOf = (text: string, tenant = 'demo') => {
  const r = parseVarsYaml(text, { file: 'vars.yaml', tenant });
  expect(r.diagnostics).toEqual([]);
  return r.vars!;
};
const render = (env: typeof twoTier, text: string, tenant = 'demo') =>
  renderPackage({ envelope: env, packageName: 'p', tenant, vars: varsOf(text, tenant), storageRoot: '/var/lib/ovfpipe', options: renderOptions(), digests: new Map() });

describe('vars names the package does not use', () => {
  it('knows macros, OVF property names in every form the resolver reads, generated names and domain_name', () => {
    const keys = packageVarKeys(twoTier);
    expect([...keys.byVm.keys()]).toEqual(['web', 'db']);
    expect([...keys.byVm.get('db')!]).toEqual(expect.arrayContaining(['ip', 'org.example.db.ip', 'web_ip', 'db_bridge', 'mac', 'vm_uuid', 'domain_name']));
    expect(keys.byVm.get('web')!.has('web_ip')).toBe(false);
    expect([...keys.nicsByVm.get('web')!]).toEqual(['4', 'frontend']);
  });

  it('refuses hostnme: and admin_pasword: in a flat file, at the key, with the closest name', () => {
    const problems = varsFileKeyProblems(webAppliance, varsOf('ip: 10.0.0.5\nhostnme: web-1\nadmin_pasword: { value: x, secret: true }\n'), 'demo');
    expect(problems.map((d) => [d.ruleId, d.messageId, d.data?.['key'], d.data?.['hint'], d.file, d.line, d.column])).toEqual([
      ['vars-key', 'unknownKey', 'hostnme', " (did you mean 'hostname'?)", 'vars.yaml', 2, 1],
      ['vars-key', 'unknownKey', 'admin_pasword', " (did you mean 'admin_password'?)", 'vars.yaml', 3, 1],
    ]);
    expect(problems[0]!.message).toBe("unknown var 'hostnme' in the vars file: no macro or property of that name in the package (did you mean 'hostname'?)");
  });

  it('refuses unknown VMs and NICs, and names in a VM block that only another VM uses', () => {
    const text = `defaults: { bridge: br0, db_bridge: br1 }
tenants:
  demo:
    vms:
      web:
        vars: { ip: 10.0.0.1, web_ip: 10.0.0.1 }
        nics:
          "9": { ip: 10.0.0.2 }
      dbb:
        vars: { ip: 10.0.1.1 }
`;
    const problems = varsFileKeyProblems(twoTier, varsOf(text), 'demo');
    expect(problems.map((d) => [d.messageId, d.line, d.column, d.data?.['hint'] ?? ''])).toEqual([
      ['unknownKey', 6, 31, ' (VM db uses it: set it there, or for all VMs)'],
      ['unknownNic', 8, 11, ''],
      ['unknownVm', 9, 7, " (did you mean 'db'?)"],
    ]);
    expect(problems[2]!.message).toBe("unknown VM 'dbb' in tenants.demo.vms: the VirtualSystems of the package are 'db', 'web' (did you mean 'db'?)");
  });

  it('refuses a full-form file that has tenants but not the one rendered', () => {
    const problems = varsFileKeyProblems(twoTier, varsOf('tenants:\n  acem: { vars: { bridge: br0 } }\n'), 'acme');
    expect(problems.map((d) => [d.messageId, d.data?.['hint'], d.line])).toEqual([['unknownTenant', " (did you mean 'acem'?)", 2]]);
  });

  it('accepts every name spec writes, per VM and shared', () => {
    expect(varsFileKeyProblems(twoTier, varsOf('defaults: { bridge: br0, db_bridge: br1 }\ntenants:\n  demo:\n    vms:\n      db: { vars: { ip: 10.0.1.1, web_ip: 10.0.0.1 } }\n'), 'demo')).toEqual(
      [],
    );
    expect(varsFileKeyProblems(webAppliance, varsOf('org.example.web.hostname: w\nmac: "52:54:00:00:00:01"\n'), 'demo')).toEqual([]);
  });

  it('stops render: no domain is rendered from vars with a typo', () => {
    const r = render(webAppliance, 'ip: 10.0.0.5\nadmin_password: pw\nhostnme: web-1\n');
    expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.ruleId)).toEqual(['vars-key']);
  });
});

describe('required properties', () => {
  it('fails render when a user-configurable property with no default has no value, naming the property and the VM', () => {
    const r = render(webAppliance, 'hostname: web-1\n');
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => [d.ruleId, d.messageId, d.data?.['vm'], d.data?.['property'], d.line > 0])).toEqual([
      ['macro-source', 'required', 'web', 'org.example.web.ip', true],
      ['macro-source', 'required', 'web', 'org.example.web.admin_password', true],
    ]);
    expect(errors[0]!.message).toBe(
      "VM web: OVF property 'org.example.web.ip' (user-configurable, no default) is required and has no value; set 'org.example.web.ip' or 'ip' in the VM's, the tenant's or the default vars",
    );
  });

  it("counts the empty value spec's template leaves as no value", () => {
    const r = render(webAppliance, 'ip: ""\nadmin_password: { value: "", secret: true }\n');
    expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.data?.['property'])).toEqual(['org.example.web.ip', 'org.example.web.admin_password']);
  });

  it('renders once the values are given, and a property with a default needs none', () => {
    const r = render(webAppliance, 'ip: 10.0.0.5\nadmin_password: { value: pw, secret: true }\n');
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(r.domains[0]!.ovfEnv?.xml).toContain('oe:key="org.example.web.hostname" oe:value="web"');
  });
});

describe('the CLI refuses a typo before anything is written or any host is touched', () => {
  it('render: exit 1, located did-you-mean, no output folder', async () => {
    const vars = tmp.file('typo.yaml');
    writeFileSync(vars, 'ip: 10.0.0.5\nadmin_pasword: { value: pw, secret: true }\n');
    const out = tmp.file('out');
    const r = await runCli(['render', join(EXAMPLES, 'web-appliance'), '--tenant', 'demo', '--vars', vars, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${vars}:2:1: error: unknown var 'admin_pasword' in the vars file: no macro or property of that name in the package (did you mean 'admin_password'?) [vars-key]`);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
  });

  it('deploy: exit 1 before connecting (the host does not exist)', async () => {
    const vars = tmp.file('typo-deploy.yaml');
    writeFileSync(vars, 'ip: 10.0.0.5\nhostnme: web-1\nadmin_password: pw\n');
    const r = await runCli(['deploy', join(EXAMPLES, 'web-appliance'), '--host', 'ssh://nobody@192.0.2.1:1', '--tenant', 'demo', '--vars', vars, '--fingerprint', 'SHA256:x']);
    expect(r.code).toBe(1);
    expect(r.err).toContain("unknown var 'hostnme'");
    expect(r.err).not.toMatch(/192\.0\.2\.1|connect|\n\s+at /);
  });
});

describe('didYouMean', () => {
  it('suggests a close name (a swap of neighbours is one edit), nothing for short or far names', async () => {
    const { didYouMean } = await import('../../src/strings.js');
    expect(didYouMean('acem', ['acme', 'globex'])).toBe('acme');
    expect(didYouMean('hostnme', ['ip', 'hostname'])).toBe('hostname');
    expect(didYouMean('9', ['4', 'frontend'])).toBeUndefined();
    expect(didYouMean('gateway', ['ip', 'hostname'])).toBeUndefined();
    // A huge name from untrusted input is never compared against short candidates.
    expect(didYouMean('x'.repeat(1_000_000), ['hostname'])).toBeUndefined();
  });
});
