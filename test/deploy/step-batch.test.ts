/**
 * Batches of many VMs' steps (step-batch.ts), run by the local bash through
 * the step runner (the same argv an sshd would run), and the parsers of the
 * definition session and of virsh-session.ts on outputs shaped as virsh 9.0
 * prints them (test/e2e/deploy-batch.test.ts runs both on a real libvirtd).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { isoPayload } from '../../src/deploy/apply-vms.js';
import { defineSessionStep, groupsStep, parseDefineSession, parseGroups } from '../../src/deploy/step-batch.js';
import { runSteps } from '../../src/deploy/step-runner.js';
import { ISO_KEPT, isoWriteStep, type RemoteStep } from '../../src/deploy/steps.js';
import type { ExecOptions, ExecResult, Transport } from '../../src/deploy/transport.js';
import { virshSession } from '../../src/deploy/virsh-session.js';

const dir = mkdtempSync(join(tmpdir(), 'ovfpipe-step-batch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function localExec(log: string[][] = []): Pick<Transport, 'exec'> {
  return {
    exec: async (argv: readonly string[], opts?: ExecOptions): Promise<ExecResult> => {
      log.push([...argv]);
      const r = spawnSync(argv[0]!, argv.slice(1), { input: opts?.stdin ?? '', encoding: 'utf8', timeout: opts?.timeoutMs });
      return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    },
  };
}

const step = (id: string, argv: string[]): RemoteStep => ({ id, argv, timeoutMs: 10_000 });
const B = 'ovfpipe-0123456789abcdef0123456789abcdef';

describe('groupsStep', () => {
  it('runs one sequence per VM in one exec, each stopping at its own first failure, and reads every result back by its ids', async () => {
    const groups = [
      [step('vm-dir', ['true']), step('overlay:a b.qcow2', ['printf', 'made a'])],
      [step('vm-dir', ['true']), step('overlay:c.qcow2', ['sh', '-c', 'echo no space >&2; exit 3']), step('overlay:d.qcow2', ['echo', 'never'])],
      [step('iso', ['printf', '%s', `${B} G 0\n`])], // a step printing a frame line with another boundary changes nothing
    ];
    const log: string[][] = [];
    const [r] = await runSteps(localExec(log), [groupsStep({ id: 'prepare', groups, parallel: 2, boundary: B })], { name: 'ovfpipe-prepare', stopOnFailure: true });
    expect(log).toHaveLength(1);
    expect(r!.code).toBe(0);
    const parsed = parseGroups(r!.output, B, groups);
    expect(parsed.map((g) => g.results.map((x) => [x.id, x.code, x.output]))).toEqual([
      [
        ['vm-dir', 0, ''],
        ['overlay:a b.qcow2', 0, 'made a'],
      ],
      [
        ['vm-dir', 0, ''],
        ['overlay:c.qcow2', 3, 'no space\n'],
      ],
      [['iso', 0, `${B} G 0\n`]],
    ]);
    expect(parsed[1]!.durations.map((d) => [d.id, d.failed])).toEqual([
      ['vm-dir', false],
      ['overlay:c.qcow2', true],
    ]);
  });

  it('refuses a step that reads stdin (it cannot run beside the others)', () => {
    expect(() => groupsStep({ id: 'x', groups: [[{ ...step('define', ['cat']), input: 'x' }]], parallel: 1, boundary: B })).toThrow(/reads stdin/);
  });

  it('gives a sequence with no frame no results, and marks a step its sequence never reached after a success', () => {
    const groups = [[step('a', ['true']), step('b', ['true'])], [step('c', ['true'])]];
    const out = `${B} G 0\n${B} 0 a\n\n${B} 0 0 12\n`;
    const parsed = parseGroups(out, B, groups);
    expect(parsed[0]!.results.map((x) => [x.id, x.code, x.interrupted ?? false])).toEqual([
      ['a', 0, false],
      ['b', -1, true],
    ]);
    expect(parsed[1]!.results).toEqual([]);
  });
});

describe('the OVF environment ISO step', () => {
  it('writes the image from its compressed argv word, mode 0600, and keeps an identical one without rewriting it', async () => {
    const xml = `<?xml version="1.0"?><Environment>${'<Property oe:key="k" oe:value="v"/>'.repeat(20)}</Environment>`;
    const iso = isoPayload(xml);
    expect(iso.gzipBase64.length).toBeLessThan(2048);
    const bytes = gunzipSync(Buffer.from(iso.gzipBase64, 'base64'));
    expect(bytes.length).toBe(26 * 2048);
    const path = join(dir, 'env.iso');
    const first = await runSteps(localExec(), [isoWriteStep(path, iso)], { name: 'x', stopOnFailure: true });
    expect(first[0]).toMatchObject({ code: 0, output: '' });
    expect(readFileSync(path).equals(bytes)).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const again = await runSteps(localExec(), [isoWriteStep(path, iso)], { name: 'x', stopOnFailure: true });
    expect(again[0]!.output).toContain(ISO_KEPT);
  });

  it('replaces an ISO whose contents differ (through a temporary name), and leaves a file it did not write when its own write fails', async () => {
    const path = join(dir, 'replace.iso');
    writeFileSync(path, 'an older environment');
    const iso = isoPayload('<Environment a="1"/>');
    const [r] = await runSteps(localExec(), [isoWriteStep(path, iso)], { name: 'x', stopOnFailure: true });
    expect(r).toMatchObject({ code: 0 });
    expect(readFileSync(path).equals(gunzipSync(Buffer.from(iso.gzipBase64, 'base64')))).toBe(true);
    const other = join(dir, 'other.iso');
    writeFileSync(other, 'not ours');
    const [bad] = await runSteps(localExec(), [isoWriteStep(other, { ...iso, gzipBase64: iso.gzipBase64.slice(0, 120) })], { name: 'x', stopOnFailure: true });
    expect(bad!.code).toBe(1);
    expect(readFileSync(other, 'utf8')).toBe('not ours');
    expect(spawnSync('ls', ['-A', dir], { encoding: 'utf8' }).stdout).not.toMatch(/ovfpipe-iso/);
  });

  it('makes the VM directory itself when asked (one step instead of two), and not otherwise', async () => {
    const iso = isoPayload('<Environment/>');
    const made = join(dir, 'vms', 'a', 'ovf-env.iso');
    const [r] = await runSteps(localExec(), [isoWriteStep(made, iso, true)], { name: 'x', stopOnFailure: true });
    expect(r).toMatchObject({ code: 0 });
    expect(statSync(made).size).toBe(26 * 2048);
    const absent = join(dir, 'vms', 'b', 'ovf-env.iso');
    const [r2] = await runSteps(localExec(), [isoWriteStep(absent, iso)], { name: 'x', stopOnFailure: true });
    expect(r2!.code).not.toBe(0);
    expect(spawnSync('ls', ['-A', join(dir, 'vms')], { encoding: 'utf8' }).stdout.trim()).toBe('a');
  });

  it('refuses data that does not decompress whole (damaged or cut), and leaves no file', async () => {
    const iso = isoPayload('<Environment/>');
    const gz = Buffer.from(iso.gzipBase64, 'base64');
    const flipped = Buffer.from(gz);
    flipped[flipped.length - 6]! ^= 0xff; // inside the CRC-32 trailer
    for (const [name, word] of [
      ['crc.iso', flipped.toString('base64')],
      ['cut.iso', gz.subarray(0, gz.length - 40).toString('base64')],
      ['b64.iso', `${iso.gzipBase64.slice(0, 100)}!!!not base64!!!`],
    ] as const) {
      const [r] = await runSteps(localExec(), [isoWriteStep(join(dir, name), { ...iso, gzipBase64: word })], { name: 'x', stopOnFailure: true });
      expect(r!.code, name).toBe(1);
      expect(r!.output).toMatch(/did not decompress whole/);
      expect(spawnSync('ls', ['-A', dir], { encoding: 'utf8' }).stdout).not.toMatch(new RegExp(`${name.replace('.', '\\.')}|ovfpipe-iso`));
    }
  });
});

describe('the definition session', () => {
  it('sends the documents on stdin, their byte lengths as argv words', () => {
    const s = defineSessionStep(
      'qemu:///system',
      [
        { name: 'a', xml: '<domain>é</domain>' },
        { name: 'b', xml: '<domain/>' },
      ],
      B,
    );
    expect(s.argv.slice(-2)).toEqual(['19', '9']);
    expect(s.input).toBe('<domain>é</domain><domain/>');
  });

  it("reads each definition's result from its frame: virsh's success line, or its error lines", () => {
    const out = [
      `${B} 0`,
      "Domain 'web' defined from /tmp/tmp.x/0.xml",
      '',
      `${B} 1`,
      'error: Failed to define domain from /tmp/tmp.x/1.xml',
      "error: XML error: Invalid value for attribute 'unit' in element 'memory': 'bogus'.",
      '',
      `${B} 2`,
      "Domain 'db' defined from /tmp/tmp.x/2.xml",
      '',
    ].join('\n');
    const r = parseDefineSession(out, B, ['web', 'bad', 'db', 'lost']);
    expect(r.map((x) => x.code)).toEqual([0, 1, 0, -1]);
    expect(r[1]!.output).toMatch(/bogus/);
    expect(r[3]!.interrupted).toBe(true);
  });

  it('defines filters the same way, with --validate, each known by its name', () => {
    const s = defineSessionStep('qemu:///system', [{ name: 't-web', xml: '<filter/>' }], B, 'filter');
    expect(s.argv).toContain('nwfilter-define --validate');
    const out = [`${B} 0`, 'Network filter t-web defined from /tmp/tmp.x/0.xml', '', `${B} 1`, 'error: Failed to define filter from /tmp/tmp.x/1.xml', 'error: XML error: bad priority', ''].join('\n');
    expect(parseDefineSession(out, B, ['t-web', 't-db'], 'filter').map((x) => [x.id, x.code])).toEqual([
      ['filter:t-web', 0],
      ['filter:t-db', 1],
    ]);
  });

  it('gives every definition what virsh printed when it framed nothing (no connection)', () => {
    const r = parseDefineSession('error: failed to connect to the hypervisor\n', B, ['a', 'b']);
    expect(r.map((x) => [x.code, x.output])).toEqual([
      [-1, 'error: failed to connect to the hypervisor'],
      [-1, 'error: failed to connect to the hypervisor'],
    ]);
  });
});

describe('virshSession', () => {
  it('runs safe names in one virsh process and a name virsh would parse differently as argv words, in order', () => {
    const s = virshSession('qemu:///system', [
      { commands: [['undefine', '--', 'a']], success: "Domain 'a' has been undefined" },
      { commands: [['undefine', '--', 'x;y']], success: "Domain 'x;y' has been undefined" },
      { commands: [['nwfilter-undefine', '--', 'f']], success: 'Network filter f undefined' },
    ]);
    expect(s.commands.map((c) => c.argv.slice(0, 3))).toEqual([
      ['env', 'LC_ALL=C', 'virsh'],
      ['env', 'LC_ALL=C', 'bash'],
      ['env', 'LC_ALL=C', 'virsh'],
    ]);
    expect(s.commands[1]!.argv.slice(-3)).toEqual(['undefine', '--', 'x;y']);
    expect(s.commands[1]!.argv[4]).not.toContain('x;y');
  });

  it("reads each item's success from virsh's own line; an expected failure before it does not count", () => {
    const items = [
      {
        commands: [
          ['destroy', '--', 'a'],
          ['undefine', '--nvram', '--', 'a'],
        ],
        success: "Domain 'a' has been undefined",
      },
      { commands: [['nwfilter-undefine', '--', 'f']], success: 'Network filter f undefined' },
    ];
    const s = virshSession('qemu:///system', items);
    const boundary = /echo (ovfpipe-[0-9a-f]+) 0/.exec(s.commands[0]!.argv[5]!)![1]!;
    const output = [
      `${boundary} 0`,
      "error: Failed to destroy domain 'a'",
      'error: Requested operation is not valid: domain is not running',
      '',
      "Domain 'a' has been undefined",
      '',
      `${boundary} 1`,
      'error: Failed to undefine filter f',
      'error: Requested operation is not valid: nwfilter is in use',
      '',
    ].join('\n');
    expect(s.results([{ code: 0, output }]).map((r) => r.ok)).toEqual([true, false]);
  });
});
