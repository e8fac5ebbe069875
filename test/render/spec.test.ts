/**
 * `spec` writes the vars template render --vars reads: flat for one
 * VirtualSystem, one `vms:` block per VirtualSystem for several, so that a
 * filled-in template gives each VM its own values (two-tier: two IPs).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { parseVarsYaml } from '../../src/macros/vars.js';
import { parsePipeline } from '../../src/pipeline/load.js';
import { tempDir } from '../helpers/archives.js';
import { runCli } from '../helpers/cli.js';

const EXAMPLES = join(import.meta.dirname, '../../examples');
const tmp = tempDir('ovfpipe-spec-');
afterAll(() => tmp.cleanup());

/** What a user does with the template: set each empty value of `vms.<vm>.vars`. */
function fill(template: string, values: Record<string, Record<string, string>>): string {
  const doc = parseDocument(template);
  for (const [vm, vars] of Object.entries(values)) for (const [name, value] of Object.entries(vars)) doc.setIn(['vms', vm, 'vars', name], value);
  return doc.toString();
}

describe('spec', () => {
  it('writes one vms: block per VirtualSystem of a multi-VM package, each with the names that VM uses', async () => {
    const r = await runCli(['spec', join(EXAMPLES, 'two-tier')]);
    expect(r.code).toBe(0);
    const data = parseDocument(r.out).toJS() as { vms: Record<string, { vars: Record<string, string> }> };
    expect(Object.keys(data)).toEqual(['vms']);
    expect(data.vms).toEqual({ web: { vars: { bridge: '', ip: '' } }, db: { vars: { db_bridge: '', ip: '', web_ip: '' } } });
    // web_ip is read as tcp@srcipaddr by db-guard: it is typed as an IPv4 address.
    expect(r.out).toMatch(/# web_ip: ipv4, required; OVF property org\.example\.db\.web_ip\n/);
    expect(r.out).toContain("a pipeline deployment's vms: takes the same blocks");
  });

  it('round trip: spec → fill values → render gives each VM its own IP', async () => {
    const spec = await runCli(['spec', join(EXAMPLES, 'two-tier')]);
    const vars = tmp.file('two-tier.yaml');
    writeFileSync(
      vars,
      fill(spec.out, {
        web: { bridge: 'br0', ip: '10.0.0.10' },
        db: { db_bridge: 'br1', ip: '10.0.1.10', web_ip: '10.0.0.10' },
      }),
    );
    const out = tmp.file('out');
    const r = await runCli(['render', join(EXAMPLES, 'two-tier'), '--tenant', 'rt', '--vars', vars, '--out', out]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const ipOf = (vm: string) => /<parameter name='IP' value='([^']*)'\/>/.exec(readFileSync(join(out, `rt-${vm}.xml`), 'utf8'))?.[1];
    expect([ipOf('web'), ipOf('db')]).toEqual(['10.0.0.10', '10.0.1.10']);
    const plan = JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8')) as unknown;
    expect(JSON.stringify(plan)).toContain('10.0.1.10');
  });

  it("the unfilled template is refused, naming each VM's required values", async () => {
    const spec = await runCli(['spec', join(EXAMPLES, 'two-tier')]);
    const vars = tmp.file('unfilled.yaml');
    writeFileSync(vars, spec.out);
    const r = await runCli(['render', join(EXAMPLES, 'two-tier'), '--tenant', 'rt', '--vars', vars, '--out', tmp.file('never')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/VM web, NIC 4: \$\{ip\} = '' from VM 'web' vars is not a valid ipv4/);
    expect(r.err).toMatch(/VM db: OVF property 'org.example.db.ip' \(user-configurable, no default\) is required/);
  });

  it("a VM block is what a pipeline deployment's vms: takes", async () => {
    const spec = await runCli(['spec', join(EXAMPLES, 'two-tier')]);
    const { vms } = parseDocument(fill(spec.out, { web: { ip: '10.0.0.10' } })).toJS() as { vms: unknown };
    const text = `version: 1\npackages:\n  two-tier: { path: ../two-tier }\ntenants:\n  t:\n    deployments:\n      - package: two-tier\n        vms: ${JSON.stringify(vms)}\n`;
    const loaded = parsePipeline(text, 'p.yaml', {});
    expect(loaded.diagnostics.map((d) => d.message)).toEqual([]);
    expect(loaded.pipeline!.tenants!['t']!.deployments[0]!.vms!['web']!.vars).toEqual({ bridge: '', ip: '10.0.0.10' });
  });

  it('keeps the flat form for a one-VM package; the template is a valid vars file', async () => {
    const r = await runCli(['spec', join(EXAMPLES, 'secure-web')]);
    expect(r.out).not.toMatch(/^vms:/m);
    const parsed = parseVarsYaml(r.out, { file: 'spec.yaml' });
    expect(parsed.diagnostics).toEqual([]);
    expect([...parsed.vars!.tenants.get('default')!.vars.keys()]).toEqual(['admin_password', 'bridge', 'hostname', 'ip']);
  });

  it('--json lists each entry with the VirtualSystems that use it', async () => {
    const r = await runCli(['spec', '--json', join(EXAMPLES, 'two-tier')]);
    const entries = JSON.parse(r.out) as Array<{ name: string; vms: string[] }>;
    expect(entries.map((e) => [e.name, e.vms])).toEqual([
      ['bridge', ['web']],
      ['db_bridge', ['db']],
      ['ip', ['web', 'db']],
      ['web_ip', ['db']],
    ]);
  });
});
