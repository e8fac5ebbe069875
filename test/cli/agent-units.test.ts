// The parts of `ovfpipe agent` that need no host: the connection pool's reuse rules, the socket's
// directory check, and the protocol's line reader (test/e2e/agent.test.ts runs the agent itself).
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dirProblem, makePrivateDir } from '../../src/actions/agent-io.js';
import { lineReader } from '../../src/cli/agent-socket.js';
import { ConnectionPool, poolKey } from '../../src/deploy/connection-pool.js';
import type { Transport, TransportUsage } from '../../src/deploy/transport.js';

const tmp = mkdtempSync(join(tmpdir(), 'ovfpipe-agent-units-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A transport that counts what it is asked; `alive` and usage as a real one reports them. */
function fake(label: string): Transport & { alive: boolean; closed: number; use: TransportUsage } {
  const t = {
    label,
    alive: true,
    closed: 0,
    use: { sessions: 1, steps: 0 },
    exec: async () => {
      t.use.steps++;
      return { code: 0, stdout: '', stderr: '' };
    },
    put: async () => ({ bytes: 0, sha256: '', remoteSha256: '' }),
    close: async () => {
      t.closed++;
    },
    usage: () => ({ ...t.use }),
  };
  return t;
}

describe('the connection pool', () => {
  const kh = join(tmp, 'known_hosts');
  writeFileSync(kh, '[127.0.0.1]:2222 ssh-ed25519 AAAA\n');
  const target = { host: '127.0.0.1', port: 2222, user: 'root', knownHostsFile: kh };

  it('lends one connection to runs with the same settings, each with its own usage, and closes it only at the end', async () => {
    const pool = new ConnectionPool();
    let opened = 0;
    const conn = fake('a');
    const open = async () => {
      opened++;
      return conn;
    };
    const one = await pool.lease(target, open);
    await one.exec(['true']);
    await one.close();
    const two = await pool.lease({ ...target }, open);
    await two.exec(['true']);
    await two.exec(['true']);
    expect(opened).toBe(1);
    expect(two.usage?.()).toEqual({ sessions: 0, steps: 2 });
    await two.close();
    expect(conn.closed).toBe(0);
    await pool.closeAll();
    expect(conn.closed).toBe(1);
  });

  it('opens a new connection when the settings, known_hosts contents or identity differ, or the old one died', async () => {
    const pool = new ConnectionPool();
    const made: ReturnType<typeof fake>[] = [];
    const open = async () => {
      const t = fake(`c${made.length}`);
      made.push(t);
      return t;
    };
    await (await pool.lease(target, open)).close();
    await (await pool.lease({ ...target, fingerprint: 'SHA256:x' }, open)).close();
    expect(made.length).toBe(2);
    writeFileSync(kh, '[127.0.0.1]:2222 ssh-ed25519 BBBB\n');
    await (await pool.lease(target, open)).close();
    expect(made.length).toBe(3);
    made[2]!.alive = false;
    await (await pool.lease(target, open)).close();
    expect(made.length).toBe(4);
    expect(made[2]!.closed).toBe(1);
    // Two runs asking at once share one opening.
    const key = join(tmp, 'id');
    writeFileSync(key, 'k1');
    const [x, y] = await Promise.all([pool.lease({ ...target, identity: key }, open), pool.lease({ ...target, identity: key }, open)]);
    expect(made.length).toBe(5);
    expect(x.label).toBe(y.label);
    writeFileSync(key, 'k2');
    expect(poolKey({ ...target, identity: key })).not.toBe(poolKey({ ...target, identity: join(tmp, 'other') }));
    await pool.closeAll();
  });
});

describe("the agent's directory", () => {
  it('must be a directory of this user that no one else may enter', () => {
    const dir = join(tmp, 'agent');
    expect(makePrivateDir(dir)).toBeUndefined();
    chmodSync(dir, 0o755);
    expect(dirProblem(dir)).toMatch(/open to other users \(mode 755; it must be 700\)/);
    expect(dirProblem(join(tmp, 'missing'))).toMatch(/does not exist/);
    writeFileSync(join(tmp, 'file'), '');
    expect(dirProblem(join(tmp, 'file'))).toMatch(/not a directory/);
  });
});

describe("the protocol's line reader", () => {
  it('reads messages split across chunks and several in one, and refuses a line that grows without end', () => {
    const got: unknown[] = [];
    const bad: string[] = [];
    const read = lineReader(
      (m) => got.push(m),
      (l) => bad.push(l),
      64,
    );
    read('{"t":"out","d":"a"}\n{"t":"ou');
    read('t","d":"b"}\n');
    read('not json\n');
    read('x'.repeat(100));
    read('\n{"t":"exit","code":0}\n');
    expect(got).toEqual([
      { t: 'out', d: 'a' },
      { t: 'out', d: 'b' },
      { t: 'exit', code: 0 },
    ]);
    expect(bad.length).toBe(2);
    expect(bad[1]).toMatch(/a line over 64 characters/);
  });
});
