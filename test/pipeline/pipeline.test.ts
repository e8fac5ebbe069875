import { describe, expect, it } from 'vitest';
import { expandInstances } from '../../src/pipeline/expand.js';
import { parsePipeline } from '../../src/pipeline/load.js';
import { placeVms, shardHosts } from '../../src/pipeline/placement.js';
import { preparePipeline } from '../../src/pipeline/run.js';

const BASE = `version: 1
packages:
  web: { path: ../../examples/secure-web }
inventory:
  hosts:
    a: { address: "\${env:HOST_A}", capacity: { memoryMiB: 1024 } }
tenants:
  t1:
    deployments:
      - package: web
        count: 2
        vars: { ip: 10.0.0.5 }
`;

describe('pipeline file', () => {
  it('interpolates ${env:NAME} and ${env:NAME:-default}, and keeps template macros', () => {
    const r = parsePipeline(BASE.replace('{ ip: 10.0.0.5 }', '{ ip: 10.0.0.5, note: "${keep}", d: "${env:NOPE:-fallback}" }'), 'p.yaml', { HOST_A: 'ssh://root@127.0.0.1:2222' });
    expect(r.diagnostics).toEqual([]);
    expect(r.pipeline!.inventory!.hosts!['a']!.address).toBe('ssh://root@127.0.0.1:2222');
    expect(r.pipeline!.tenants!['t1']!.deployments[0]!.vars).toMatchObject({ note: '${keep}', d: 'fallback' });
    expect(r.pipeline!.inventory!.hosts!['a']!.capacity!.memoryMiB).toBe(1024);
  });

  it('locates a missing environment variable and schema violations, naming the rule', () => {
    const missing = parsePipeline(BASE, 'p.yaml', {});
    expect(missing.diagnostics).toMatchObject([{ ruleId: 'pipeline-file', line: 6, message: expect.stringMatching(/HOST_A is not set/) }]);
    const bad = parsePipeline(BASE.replace('count: 2', 'count: -1').replace('version: 1', 'version: 1\nbogus: true'), 'p.yaml', { HOST_A: 'x' });
    expect(bad.pipeline).toBeUndefined();
    expect(bad.diagnostics.map((d) => [d.line, d.message])).toEqual(
      expect.arrayContaining([
        [2, expect.stringMatching(/bogus/)],
        [12, expect.stringMatching(/count: must be >= 1/)],
      ]),
    );
  });

  it('expands count and names into instances with their vars', () => {
    const r = parsePipeline(BASE, 'p.yaml', { HOST_A: 'x' });
    const inst = expandInstances(r.pipeline!);
    expect(inst.map((i) => i.instance)).toEqual(['web-1', 'web-2']);
    expect(inst[0]!.vars.tenants.get('t1')!.vars.get('ip')!.value).toBe('10.0.0.5');
  });

  it('takes diskMode in defaults and per deployment (the deployment wins), and refuses any other value at its line', () => {
    const text = `version: 1
packages:
  web: { path: ../../examples/secure-web }
inventory:
  hosts:
    a: { address: x }
defaults: { diskMode: backing }
tenants:
  t1:
    deployments:
      - package: web
        names: [a]
        diskMode: convert
      - package: web
        names: [b]
`;
    const r = parsePipeline(text, 'p.yaml', {});
    expect(r.diagnostics).toEqual([]);
    expect(expandInstances(r.pipeline!).map((i) => [i.instance, i.diskMode])).toEqual([
      ['a', 'convert'],
      ['b', 'backing'],
    ]);
    const bad = parsePipeline(text.replace('diskMode: convert', 'diskMode: thin'), 'p.yaml', {});
    expect(bad.pipeline).toBeUndefined();
    expect(bad.diagnostics).toMatchObject([{ ruleId: 'pipeline-file', line: 13, message: expect.stringMatching(/diskMode: must be one of 'convert', 'backing'/) }]);
  });

  it('refuses two deployments that would give domains the same name', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(process.cwd(), 'test/pipeline/.tmp-'));
    const file = join(dir, 'p.yaml');
    const dep = '      - package: web\n        vars: { ip: 10.0.0.5, bridge: br0, admin_password: pw }\n';
    writeFileSync(file, BASE.replace('../../examples', '../../../examples').replace(/      - package: web\n[\s\S]*$/, dep + dep));
    const r = await preparePipeline({ file, env: { HOST_A: 'ssh://x' } });
    const { rmSync } = await import('node:fs');
    rmSync(dir, { recursive: true, force: true });
    expect(r.diagnostics.map((d) => d.message)).toEqual(expect.arrayContaining([expect.stringMatching(/domain name t1-web is used twice/)]));
  });

  it('locates pipeline-level problems at their YAML node: file, line and column, never 0:0', async () => {
    const { writeFileSync, mkdtempSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(process.cwd(), 'test/pipeline/.tmp-'));
    const file = join(dir, 'p.yaml');
    const text = BASE.replace('../../examples', '../../../examples')
      .replace('capacity: { memoryMiB: 1024 } }', 'capacity: { memoryMiB: 1024 }, storage: /srv/other }')
      .replace('      - package: web\n        count: 2', '      - package: nope\n        count: 2');
    writeFileSync(file, text);
    const r = await preparePipeline({ file, env: { HOST_A: 'ssh://x' } });
    rmSync(dir, { recursive: true, force: true });
    const own = r.diagnostics.filter((d) => d.ruleId === 'pipeline-file');
    expect(own.map((d) => [d.locator, d.file, d.line])).toEqual([
      ['inventory.hosts.a.storage', file, 6],
      // One per instance (count: 2), at the deployment's `package:` line.
      ['tenants.t1', file, 10],
      ['tenants.t1', file, 10],
    ]);
    expect(own.every((d) => d.line > 0 && d.column > 0)).toBe(true);
  });
});

describe('pipeline stages', () => {
  it('run as a table: lint, verify and deploy only when the pipeline lists them', async () => {
    const { PIPELINE_STAGES, selectedStages } = await import('../../src/pipeline/stages.js');
    const p = parsePipeline(BASE, 'p.yaml', { HOST_A: 'x' }).pipeline!;
    expect(PIPELINE_STAGES.map((s) => s.name)).toEqual(['lint', 'verify', 'open', 'storage', 'mappings', 'vars', 'render', 'names', 'catalog', 'placement', 'deploy', 'shard']);
    expect(selectedStages(p).map((s) => s.name)).toEqual(PIPELINE_STAGES.map((s) => s.name));
    expect(selectedStages({ ...p, stages: ['verify', 'render'] }).map((s) => s.name)).toEqual(['verify', 'open', 'storage', 'mappings', 'vars', 'render', 'names', 'catalog', 'placement', 'shard']);
  });
});

describe('a signal during the local stages', () => {
  it('starts no later stage and touches no host: the report is empty and says what stopped it', async () => {
    const { runPipeline } = await import('../../src/pipeline/run.js');
    const controller = new AbortController();
    controller.abort('SIGINT');
    const lines: string[] = [];
    // The example's hosts (kvm-a/kvm-b.example.net) do not exist: reaching the deploy stage would fail on them.
    const r = await runPipeline({ file: 'examples/provision/pipeline.yaml', env: {}, dryRun: false, signal: controller.signal, log: (l) => lines.push(l) });
    expect(r.report).toMatchObject({ vms: [], hosts: [], bytesUploaded: 0, interrupted: 'SIGINT' });
    expect(lines).toEqual(['interrupted (SIGINT) before the lint stage: nothing deployed']);
  });
});

describe('placement', () => {
  const hosts = [
    { name: 'h1', group: 'g1', memoryMiB: 1024, vcpus: 4 },
    { name: 'h2', group: 'g1', memoryMiB: 1024, vcpus: 4 },
    { name: 'h3', group: 'g2', memoryMiB: 4096, vcpus: 8 },
  ];
  const vm = (key: string, extra = {}) => ({ key, memoryMiB: 512, vcpus: 1, ...extra });

  it('spreads VMs across hosts, deterministically', () => {
    const a = placeVms(
      ['a', 'b', 'c', 'd'].map((k) => vm(k)),
      hosts,
    );
    const b = placeVms(
      ['a', 'b', 'c', 'd'].map((k) => vm(k)),
      hosts,
    );
    expect([...a.byVm]).toEqual([...b.byVm]);
    expect(new Set(a.byVm.values()).size).toBe(3);
  });

  it("honours explicit hosts and groups, and the catalog groups that offer a VM's profiles", () => {
    const p = placeVms([vm('x', { host: 'h2' }), vm('y', { group: 'g2' }), vm('z', { groups: ['g2'] })], hosts);
    expect(Object.fromEntries(p.byVm)).toEqual({ x: 'h2', y: 'h3', z: 'h3' });
  });

  it('respects capacity and says why a VM cannot be placed', () => {
    const p = placeVms([vm('a', { memoryMiB: 900, group: 'g1' }), vm('b', { memoryMiB: 900, group: 'g1' }), vm('c', { memoryMiB: 900, group: 'g1' })], hosts);
    expect(p.byVm.size).toBe(2);
    expect(p.problems).toEqual([expect.stringMatching(/^c: no host has room for it/)]);
  });

  it('gives shards disjoint host sets that cover all hosts', () => {
    const names = ['d', 'a', 'c', 'b', 'e'];
    const s1 = shardHosts(names, { index: 1, count: 2 });
    const s2 = shardHosts(names, { index: 2, count: 2 });
    expect([...s1, ...s2].sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect([...s1].filter((h) => s2.has(h))).toEqual([]);
  });
});

describe('ready pipelines', () => {
  it('the image-release gate passes on the shipped examples without touching a host', async () => {
    const { runPipeline } = await import('../../src/pipeline/run.js');
    const r = await runPipeline({ file: 'pipeline/image-release.yaml', dryRun: false, env: {} });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(r.report.vms).toEqual([]);
  });

  it('the provisioning template and the example pipeline are valid pipeline files', async () => {
    const { loadPipeline } = await import('../../src/pipeline/load.js');
    const env = { OVFPIPE_IDENTITY: 'k', OVFPIPE_KNOWN_HOSTS: 'kh', OVFPIPE_HOST_1: 'ssh://a', OVFPIPE_HOST_2: 'ssh://b', OVFPIPE_ADMIN_PASSWORD: 'x' };
    for (const f of ['pipeline/tenant-provisioning.yaml', 'examples/provision/pipeline.yaml']) expect((await loadPipeline(f, env)).diagnostics, f).toEqual([]);
  });
});

describe('destroy prepares names only', () => {
  it('skips lint and verify: a package whose image no longer matches its manifest still names what to remove', async () => {
    const { cpSync, writeFileSync, appendFileSync, mkdtempSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(process.cwd(), 'test/pipeline/.tmp-'));
    try {
      cpSync('examples/secure-web', join(dir, 'secure-web'), { recursive: true });
      // The image changed after the package was made (and after its VMs were applied): verify fails on its digest.
      appendFileSync(join(dir, 'secure-web', 'web-disk1.vmdk'), Buffer.from('tampered'));
      const file = join(dir, 'p.yaml');
      writeFileSync(file, BASE.replace('../../examples/secure-web', './secure-web').replace('vars: { ip: 10.0.0.5 }', 'vars: { ip: 10.0.0.5, bridge: br0, admin_password: pw }'));
      const full = await preparePipeline({ file, env: { HOST_A: 'ssh://x' } });
      expect(full.diagnostics.some((d) => d.severity === 'error' && /sha256|digest/i.test(d.message))).toBe(true);
      const names = await preparePipeline({ file, env: { HOST_A: 'ssh://x' }, namesOnly: true });
      expect(names.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect('units' in names && [...names.units.values()].flat().flatMap((u) => u.vms.map((v) => v.name))).toEqual(['t1-web-1', 't1-web-2']);
      expect(names.checks.map((c) => c.stage)).not.toContain('verify');
      if ('close' in names) await names.close();
      if ('close' in full) await full.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
