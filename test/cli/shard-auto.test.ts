/**
 * `--shard auto`: the shard comes from the CI engine people already run. GitLab CI's `parallel:` sets
 * CI_NODE_INDEX (1-based) and CI_NODE_TOTAL; a Kubernetes Indexed Job sets JOB_COMPLETION_INDEX (0-based) and
 * the Job passes its completions as OVFPIPE_SHARD_COUNT. Each test runs `plan --offline --shard auto` as every
 * shard of the engine would and checks that the shards are disjoint and together cover every host.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseShard } from '../../src/cli/shard.js';
import { isOvfpipeError } from '../../src/diagnostics/errors.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'ovfpipe-shard-auto-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HOSTS = ['h1', 'h2', 'h3', 'h4', 'h5'];
const pipeline = join(dir, 'pipeline.yaml');
writeFileSync(
  pipeline,
  [
    'version: 1',
    `packages: { web: { path: ${JSON.stringify(resolve('examples/secure-web'))} } }`,
    'inventory:',
    '  hosts:',
    ...HOSTS.map((h) => `    ${h}: { address: "ssh://root@${h}.example.net" }`),
    'defaults: { vars: { bridge: br0, admin_password: { value: x, secret: true } } }',
    'tenants:',
    // One VM per host: placement fills the least loaded host first.
    ...HOSTS.map((h, i) => `  t${i}: { deployments: [ { package: web, names: [www], vars: { ip: 192.0.2.${10 + i} } } ] }`),
    'stages: [lint, verify, render, deploy]',
    '',
  ].join('\n'),
);

async function hostsOfShard(env: Record<string, string>): Promise<string[]> {
  const r = await runCli(['plan', pipeline, '--offline', '--json', '--shard', 'auto'], { env });
  expect(r.err).not.toMatch(/error/i);
  expect(r.code).toBe(0);
  return (JSON.parse(r.out) as { hosts: Array<{ host: string }> }).hosts.map((h) => h.host);
}

function expectPartition(shards: string[][]): void {
  const all = shards.flat();
  expect(new Set(all).size).toBe(all.length); // disjoint
  expect([...all].sort()).toEqual(HOSTS); // together every host
  for (const s of shards) expect(s.length).toBeGreaterThan(0);
}

describe('--shard auto', () => {
  it('under GitLab CI parallel: 3 (CI_NODE_INDEX 1..3, CI_NODE_TOTAL 3): disjoint shards covering every host', async () => {
    const shards: string[][] = [];
    for (const i of [1, 2, 3]) shards.push(await hostsOfShard({ CI_NODE_INDEX: String(i), CI_NODE_TOTAL: '3' }));
    expectPartition(shards);
  });

  it('under a Kubernetes Indexed Job of 2 completions (JOB_COMPLETION_INDEX 0..1, OVFPIPE_SHARD_COUNT 2): the same', async () => {
    const shards: string[][] = [];
    for (const i of [0, 1]) shards.push(await hostsOfShard({ JOB_COMPLETION_INDEX: String(i), OVFPIPE_SHARD_COUNT: '2' }));
    expectPartition(shards);
    // Index 0 of the Job is shard 1/2: the same hosts as --shard 1/2.
    const explicit = await runCli(['plan', pipeline, '--offline', '--json', '--shard', '1/2']);
    expect((JSON.parse(explicit.out) as { hosts: Array<{ host: string }> }).hosts.map((h) => h.host)).toEqual(shards[0]);
  });

  it('without any of those variables is a usage error (exit 2) that says what to set', async () => {
    const r = await runCli(['plan', pipeline, '--offline', '--shard', 'auto'], { env: { PATH: '/usr/bin' } });
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain('CI_NODE_INDEX');
    expect(r.err).toContain('JOB_COMPLETION_INDEX');
    expect(r.err).toContain('OVFPIPE_SHARD_COUNT');
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  const usage = (env: Record<string, string>): string => {
    try {
      parseShard('auto', env);
    } catch (e) {
      if (isOvfpipeError(e) && e.code === 'OVFPIPE_USAGE') return e.message;
      throw e;
    }
    throw new Error('accepted');
  };

  it('refuses inconsistent or partial variables, naming them', () => {
    expect(usage({ CI_NODE_INDEX: '4', CI_NODE_TOTAL: '3' })).toContain("CI_NODE_INDEX='4'");
    expect(usage({ CI_NODE_INDEX: '0', CI_NODE_TOTAL: '3' })).toContain('1 <= CI_NODE_INDEX');
    expect(usage({ CI_NODE_INDEX: '1' })).toContain("CI_NODE_TOTAL=''");
    expect(usage({ JOB_COMPLETION_INDEX: '0' })).toContain('OVFPIPE_SHARD_COUNT is not');
    expect(usage({ JOB_COMPLETION_INDEX: '2', OVFPIPE_SHARD_COUNT: '2' })).toContain('0 <= JOB_COMPLETION_INDEX < OVFPIPE_SHARD_COUNT');
    expect(usage({ JOB_COMPLETION_INDEX: ' 1', OVFPIPE_SHARD_COUNT: '2' })).toContain("JOB_COMPLETION_INDEX=' 1'");
  });

  it('maps each engine to the same 1-based i/n as --shard', () => {
    expect(parseShard('auto', { CI_NODE_INDEX: '2', CI_NODE_TOTAL: '4' })).toEqual({ index: 2, count: 4 });
    expect(parseShard('auto', { JOB_COMPLETION_INDEX: '3', OVFPIPE_SHARD_COUNT: '4' })).toEqual({ index: 4, count: 4 });
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
  });
});
