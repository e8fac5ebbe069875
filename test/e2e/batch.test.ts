/**
 * execBatch against a real sshd: several commands in one exec, their outputs
 * and exit codes kept apart exactly, in order and in parallel, with argv words
 * that a shell would otherwise interpret, and batches too long for one
 * request split into several.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { execBatch, type BatchCommand } from '../../src/deploy/batch.js';
import { connectSsh, type SshTransport } from '../../src/deploy/ssh/ssh-transport.js';
import { type SshdCluster, startSshds } from './sshd.js';

const cluster: SshdCluster | undefined = await startSshds(1);

describe.skipIf(!cluster)('execBatch over a real sshd', () => {
  let t: SshTransport | undefined;
  const transport = async () => (t ??= await connectSsh(cluster!.target(0)));
  afterAll(async () => {
    await t?.close();
    await cluster?.stopAll();
  });

  const canary = () => join(cluster!.root, 'pwned');
  const commands = (): BatchCommand[] => [
    { argv: ['printf', '%s', 'no trailing newline'] },
    { argv: ['printf', ''] },
    { argv: ['sh', '-c', 'echo out; echo err >&2; exit 3'] },
    { argv: ['sh', '-c', 'echo out; echo err >&2; exit 4'], stderr: 'merge' },
    { argv: ['echo', `$(touch ${canary()}); \`touch ${canary()}\` 'q' "d" \n ovfpipe-0 0`] },
    { argv: ['no-such-command-ovfpipe'] },
    { argv: ['printf', 'two\n\nlines\n'] },
  ];
  const expected = [
    { code: 0, output: 'no trailing newline' },
    { code: 0, output: '' },
    { code: 3, output: 'out\n' },
    { code: 4, output: 'out\nerr\n' },
    { code: 0, output: `$(touch ${canary()}); \`touch ${canary()}\` 'q' "d" \n ovfpipe-0 0\n` },
    { code: 127, output: '' },
    { code: 0, output: 'two\n\nlines\n' },
  ];

  it("keeps each command's output and exit code apart, in order, and never lets a shell read the words", async () => {
    expect(await execBatch(await transport(), commands())).toEqual(expected);
    expect(existsSync(canary())).toBe(false);
  });

  it('gives the same results when the commands run 4 at a time', async () => {
    const many = [...commands(), ...commands(), { argv: ['sh', '-c', 'sleep 0.2; echo slow'] }, { argv: ['echo', 'fast'] }];
    const r = await execBatch(await transport(), many, { parallel: 4 });
    expect(r).toEqual([...expected, ...expected, { code: 0, output: 'slow\n' }, { code: 0, output: 'fast\n' }]);
    expect(existsSync(canary())).toBe(false);
  });

  it('splits a batch longer than one exec request may be, and keeps the order', async () => {
    const long = Array.from({ length: 2000 }, (_, i) => ({ argv: ['echo', `item-${i}-${'x'.repeat(20)}`] }));
    const r = await execBatch(await transport(), long);
    expect(r).toHaveLength(2000);
    expect(r.every((x, i) => x.code === 0 && x.output === `item-${i}-${'x'.repeat(20)}\n`)).toBe(true);
  });
});
