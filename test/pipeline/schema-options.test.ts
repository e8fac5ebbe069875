/** One option table: the pipeline schema's render options are the ones render and deploy take. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePipeline } from '../../src/pipeline/load.js';
import { expandInstances } from '../../src/pipeline/expand.js';
import { withRenderOptions } from '../../src/pipeline/schema-render-options.js';
import { RENDER_OPTION_TABLE } from '../../src/render/option-table.js';
import { Command } from 'commander';
import { addRenderOptions } from '../../src/render/option-table.js';

const published = JSON.parse(readFileSync(new URL('../../pipeline/pipeline.schema.json', import.meta.url), 'utf8')) as object;

describe('render options in the pipeline file', () => {
  it('pipeline/pipeline.schema.json lists exactly the option table (defaults, deployments; network/bridge per host)', () => {
    expect(published).toEqual(withRenderOptions(published));
  });

  it('the commander registration has a flag per table entry', () => {
    const flags = addRenderOptions(new Command('x')).options.map((o) => o.long);
    expect(flags).toEqual(RENDER_OPTION_TABLE.map((o) => `--${o.flag}`));
  });

  it('accepts every option in defaults and deployments, mappings per host, and merges deployment over defaults', () => {
    const text = `version: 1
packages: { app: { path: app.ova } }
inventory:
  hosts:
    a: { address: ssh://root@127.0.0.1:2222, network: { mgmt: lab }, bridge: { data: br9 } }
defaults: { firmware: efi, domainType: qemu, network: { mgmt: default-net }, nicModel: { E1000: e1000 } }
tenants:
  acme:
    deployments:
      - { package: app, configuration: large, machine: pc-q35-7.2, cpuMode: host-model, diskBus: sata, graphics: none, bridge: { mgmt: br0 } }
`;
    const loaded = parsePipeline(text, 'p.yaml', {});
    expect(loaded.diagnostics).toEqual([]);
    const [inst] = expandInstances(loaded.pipeline!);
    expect(inst!.settings).toEqual({
      configuration: 'large',
      domainType: 'qemu',
      machine: 'pc-q35-7.2',
      cpuMode: 'host-model',
      diskBus: 'sata',
      graphics: 'none',
      firmware: 'efi',
      nicModel: { E1000: 'e1000' },
      network: { mgmt: 'default-net' },
      bridge: { mgmt: 'br0' },
    });
  });

  it('refuses an out-of-range value with its location', () => {
    const loaded = parsePipeline('version: 1\npackages: { app: { path: a } }\ndefaults: { firmware: coreboot }\n', 'p.yaml', {});
    expect(loaded.diagnostics.map((d) => [d.line, d.message])).toEqual([[3, expect.stringContaining('firmware')]]);
  });
});

describe('plan/apply render option flags', () => {
  it('replace the pipeline defaults (plan --offline --firmware efi --configuration …)', async () => {
    const { main } = await import('../../src/cli/main.js');
    let out = '';
    let err = '';
    const io = { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, env: {}, cwd: process.cwd() };
    expect(await main(['plan', 'examples/provision/pipeline.yaml', '--offline', '--json', '--firmware', 'efi'], io)).toBe(0);
    const vms = (JSON.parse(out) as { hosts: Array<{ vms: Array<{ firmware: string }> }> }).hosts.flatMap((h) => h.vms);
    expect(vms.length).toBeGreaterThan(0);
    expect(vms.every((v) => v.firmware === 'efi')).toBe(true);
    out = '';
    expect(await main(['plan', 'examples/provision/pipeline.yaml', '--offline', '--configuration', 'nope'], io)).toBe(2);
    expect(err).toMatch(/unknown configuration 'nope'/);
  });
});

describe('shared network mappings in a pipeline', () => {
  const io = () => {
    const o = { out: '', err: '' };
    return { o, io: { stdout: { write: (s: string) => (o.out += s) }, stderr: { write: (s: string) => (o.err += s) }, env: {}, cwd: process.cwd() } };
  };

  it('apply per package: a default mapping of a network only some packages have is fine', async () => {
    const { main } = await import('../../src/cli/main.js');
    const { o, io: cliIo } = io();
    expect(await main(['plan', 'examples/provision/pipeline.yaml', '--offline', '--network', 'backend=lab-backend'], cliIo)).toBe(0);
    expect(o.err).not.toMatch(/error/);
  });

  it('refuse a name no package has, listing the packages\u2019 networks', async () => {
    const { main } = await import('../../src/cli/main.js');
    const { o, io: cliIo } = io();
    expect(await main(['plan', 'examples/provision/pipeline.yaml', '--offline', '--bridge', 'backnd=br0'], cliIo)).toBe(1);
    expect(o.err).toContain("defaults.bridge: no package has an OVF network 'backnd'; their networks: backend, frontend");
  });
});
