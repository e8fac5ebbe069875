/**
 * A real package nobody here wrote (Cisco CSR1000v, from COT's test suite)
 * gets a filter, an 802.1Qbg profile and bindings through `netsec embed`;
 * it then lints with no more errors than before, and `spec` lists the
 * binding's macro.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { parseVarsYaml } from '../../src/macros/vars.js';
import { corpusPath } from '../helpers/corpus.js';

const tmp = mkdtempSync(join(tmpdir(), 'ovfpipe-foreign-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const run = runCli;

async function errorCount(path: string): Promise<number> {
  const r = await run(['lint', '--descriptor-only', '--format', 'json', path]);
  const [result] = JSON.parse(r.out) as Array<{ diagnostics: Array<{ severity: string }> }>;
  return result!.diagnostics.filter((d) => d.severity === 'error').length;
}

describe('embedding into a package nobody here wrote', () => {
  const cot = corpusPath('cot');
  it.skipIf(!cot)('adds a filter, an 802.1Qbg profile and bindings to the CSR1000v descriptor', async () => {
    const src = join(cot!, 'csr1000v.ovf');
    const out = join(tmp, 'csr1000v.ovf');
    const embed = await run([
      'netsec',
      'embed',
      src,
      '-o',
      out,
      '--filter',
      'examples/netsec/antispoof.xml',
      '--profile',
      'examples/netsec/tenant-vepa.yaml',
      '--bind',
      'nic=GigabitEthernet1,filter=antispoof,IP=${mgmt_ipv4}',
      '--bind',
      'nic=12,profile=tenant-vepa',
    ]);
    expect(embed.err).toBe('');
    expect(embed.code).toBe(0);
    expect(await errorCount(out)).toBeLessThanOrEqual(await errorCount(src));

    const show = await run(['netsec', 'show', '--json', out]);
    const report = JSON.parse(show.out);
    expect(report.bindings).toMatchObject([
      { nic: '11', network: 'GigabitEthernet1', filter: 'antispoof', parameters: [{ name: 'IP', value: '${mgmt_ipv4}' }] },
      { nic: '12', profile: 'tenant-vepa' },
    ]);
    expect(report.unboundNics).toMatchObject([{ nic: '13' }]);

    const spec = await run(['spec', out]);
    expect(spec.code).toBe(0);
    // antispoof reads IP as ip@srcipaddr: the macro bound to it must be an IPv4 address.
    expect(spec.out).toMatch(/# mgmt_ipv4: ipv4, required/);
    expect(spec.out).toMatch(/# uplink: ifname, required/);
    expect(spec.out).toMatch(/Generated per tenant\/VM\/NIC, no need to set: instanceid/);
    // The template is a valid vars file.
    const parsed = parseVarsYaml(spec.out, { file: 'spec.yaml' });
    expect(parsed.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(parsed.vars!.tenants.get('default')!.vars.get('mgmt_ipv4')!.value).toBe('');
  });
});
