/**
 * `netsec sync` against two real OpenSSH servers on loopback and the real
 * local libvirtd. No mocks.
 *
 * Both pretend hosts share ONE libvirtd, so whatever the source holds, the
 * target holds too. To emulate a target that lacks (or differs in) a filter,
 * the tree is read on host A over SSH while the filters exist, then the
 * shared libvirtd is changed, then that tree is synced onto host B over SSH
 * (readFilterTree / syncFilterTree: exactly the two halves the CLI runs back
 * to back). The CLI itself is run end to end for what one libvirtd can show:
 * a converged target (all unchanged), the local source, the JSON output and
 * the exit codes. `--migrate` cannot run here; its argv builder and the plan are
 * unit-tested in test/netsec/sync-plan.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { hostConnector } from '../../src/deploy/connect.js';
import type { Transport } from '../../src/deploy/transport.js';
import { readFilterTree, syncFilterTree } from '../../src/deploy/nwfilter-sync.js';
import { filterUuid, sameFilter } from '../../src/netsec/nwfilter/identity.js';
import type { FilterTree } from '../../src/netsec/sync-plan.js';
import { LIBVIRT_URI, requireLibvirt, run, virsh } from './services.js';
import { requireSshd, startSshds, type SshdCluster } from './sshd.js';

const live = requireSshd('netsec sync end-to-end tests') && requireLibvirt('netsec sync end-to-end tests');
const tag = `sync${process.pid}`;
const A = `${tag}-a`;
const B = `${tag}-b`;
const DOMAIN = `${tag}-vm`;
const C = `${tag}-c`;
const RUNNING = `${tag}-run`;
const bridge = `osy${process.pid % 100000}`;
const work = mkdtempSync(join(tmpdir(), 'ovfpipe-e2e-sync-'));
let cluster: SshdCluster | undefined;
const made: Array<() => void> = [];
const original = new Map<string, { uuid: string; xml: string }>();

const filterB = (extra = '') =>
  `<filter name='${B}' chain='root'>\n  <filterref filter='clean-traffic'/>\n  <rule action='accept' direction='in' priority='500'><tcp dstportstart='22'/></rule>${extra}\n</filter>\n`;
const filterA = `<filter name='${A}' chain='root'>\n  <filterref filter='${B}'/>\n  <rule action='accept' direction='in' priority='510'><tcp dstportstart='443'/></rule>\n</filter>\n`;
const domainXml = `<domain type='qemu'>
  <name>${DOMAIN}</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
    <interface type='network'>
      <source network='default'/>
      <filterref filter='${A}'><parameter name='IP' value='10.0.0.5'/></filterref>
    </interface>
  </devices>
</domain>
`;

function defineFilter(xml: string): void {
  const path = join(work, `f-${Math.random().toString(36).slice(2)}.xml`);
  writeFileSync(path, xml);
  virsh('nwfilter-define', '--validate', path);
}
const dumpFilter = (name: string) => virsh('nwfilter-dumpxml', '--', name).stdout;
const uuidOnHost = (name: string) => filterUuid(dumpFilter(name));
const hasFilter = (name: string) => run('virsh', ['-c', LIBVIRT_URI, 'nwfilter-dumpxml', '--', name], { allowFail: true }).status === 0;

function host(i: number): string {
  return `ssh://root@127.0.0.1:${cluster!.hosts[i]!.port}`;
}
const connect = (i: number): Promise<Transport> => hostConnector({ identity: cluster!.clientKey, knownHosts: cluster!.knownHostsFile })(host(i));

const cli = runCli;
const syncArgs = (...extra: string[]) => ['netsec', 'sync', '--to', host(1), '--identity', cluster!.clientKey, '--known-hosts', cluster!.knownHostsFile, ...extra];
const statuses = (filters: Array<{ name: string; status: string }>) => Object.fromEntries(filters.map((f) => [f.name, f.status]));

beforeAll(async () => {
  if (!live) return;
  cluster = await startSshds(2);
  defineFilter(filterB());
  defineFilter(filterA);
  const path = join(work, 'domain.xml');
  writeFileSync(path, domainXml);
  virsh('define', path);
  for (const name of [A, B]) original.set(name, { uuid: uuidOnHost(name)!, xml: dumpFilter(name) });
});

afterAll(async () => {
  if (live) {
    for (const d of [DOMAIN, RUNNING]) {
      run('virsh', ['-c', LIBVIRT_URI, 'destroy', d], { allowFail: true });
      run('virsh', ['-c', LIBVIRT_URI, 'undefine', d], { allowFail: true });
    }
    for (const name of [A, B, C]) run('virsh', ['-c', LIBVIRT_URI, 'nwfilter-undefine', name], { allowFail: true });
    for (const step of made.reverse()) step();
  }
  await cluster?.stopAll();
  rmSync(work, { recursive: true, force: true });
});

// Generous: these machines also run benchmarks; each virsh over SSH costs a session and a shell.
describe.skipIf(!live).sequential('netsec sync over SSH with a real libvirtd', { timeout: 180_000 }, () => {
  let tree: FilterTree;

  it("reads the domain's filter tree on host A, referenced before referencing", async () => {
    const a = await connect(0);
    try {
      tree = await readFilterTree(a, LIBVIRT_URI, DOMAIN);
    } finally {
      await a.close();
    }
    expect(tree.roots).toEqual([A]);
    expect(tree.unreadable).toEqual([]);
    const names = tree.filters.map((f) => f.name);
    expect(names.slice(-3)).toEqual(['clean-traffic', B, A]);
    // clean-traffic's own references (built-ins) come before it, each once.
    for (const ref of ['no-mac-spoofing', 'no-ip-spoofing', 'no-arp-spoofing', 'no-arp-mac-spoofing', 'qemu-announce-self']) expect(names.indexOf(ref)).toBeLessThan(names.indexOf('clean-traffic'));
    expect(new Set(names).size).toBe(names.length);
    expect(tree.filters.filter((f) => !f.builtin).map((f) => [f.name, f.uuid])).toEqual([
      [B, original.get(B)!.uuid],
      [A, original.get(A)!.uuid],
    ]);
  });

  it("defines what the target lacks (b, then a) with the source's uuids; built-ins only checked", async () => {
    // Emulate "host B lacks the filters": the domain is shut off, so they are unused and can go.
    expect(virsh('domstate', DOMAIN).stdout.trim()).toBe('shut off');
    virsh('nwfilter-undefine', A);
    virsh('nwfilter-undefine', B);
    expect(hasFilter(A) || hasFilter(B)).toBe(false);

    const b = await connect(1);
    const out = await syncFilterTree(tree, b, LIBVIRT_URI).finally(() => b.close());
    const mine = out.filter((f) => !f.builtin);
    expect(mine.map((f) => [f.name, f.status])).toEqual([
      [B, 'defined'],
      [A, 'defined'],
    ]);
    expect(out.find((f) => f.name === 'clean-traffic')).toMatchObject({ status: 'builtin', builtin: true });
    expect(out.filter((f) => f.builtin).every((f) => f.status === 'builtin')).toBe(true);
    for (const name of [A, B]) {
      expect(uuidOnHost(name)).toBe(original.get(name)!.uuid);
      expect(sameFilter(dumpFilter(name), original.get(name)!.xml)).toBe(true);
    }
  });

  it('CLI: a second sync (A → B over SSH) reports everything unchanged, exit 0', async () => {
    const r = await cli(syncArgs('--from', host(0), DOMAIN));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`^  unchanged +${B}$`, 'm'));
    expect(r.out).toMatch(new RegExp(`^  unchanged +${A}$`, 'm'));
    expect(r.out).toMatch(/^ {2}builtin +clean-traffic$/m);
    expect(r.out).toMatch(/^synced: /m);
    expect(r.out.indexOf(B)).toBeLessThan(r.out.lastIndexOf(A));
  });

  it('CLI: the local libvirt as source, --json', async () => {
    const r = await cli(syncArgs(DOMAIN, '--json'));
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ domain: DOMAIN, ok: true, source: `local ${LIBVIRT_URI}` });
    expect(statuses(j.filters)).toMatchObject({ [A]: 'unchanged', [B]: 'unchanged', 'clean-traffic': 'builtin' });
    expect(j.filters.find((f: { name: string }) => f.name === A).uuid).toBe(original.get(A)!.uuid);
  });

  it('updates a filter whose content differs on the target (same uuid)', async () => {
    defineFilter(filterB(`<rule action='drop' direction='out' priority='600'><udp dstportstart='53'/></rule>`).replace("chain='root'>", `chain='root'><uuid>${original.get(B)!.uuid}</uuid>`));
    expect(sameFilter(dumpFilter(B), original.get(B)!.xml)).toBe(false);
    const b = await connect(1);
    const out = await syncFilterTree(tree, b, LIBVIRT_URI).finally(() => b.close());
    expect(statuses(out)).toMatchObject({ [B]: 'updated', [A]: 'unchanged' });
    expect(uuidOnHost(B)).toBe(original.get(B)!.uuid);
    expect(sameFilter(dumpFilter(B), original.get(B)!.xml)).toBe(true);
  });

  it('refuses a foreign filter with the same name and another uuid, and then changes nothing', async () => {
    virsh('nwfilter-undefine', A);
    defineFilter(`<filter name='${A}' chain='root'><rule action='drop' direction='inout' priority='500'><all/></rule></filter>`);
    const foreignUuid = uuidOnHost(A)!;
    expect(foreignUuid).not.toBe(original.get(A)!.uuid);
    const foreign = dumpFilter(A);
    // b differs too: it would be updated, but a refusal blocks every change.
    defineFilter(filterB(`<rule action='drop' direction='out' priority='600'><udp dstportstart='53'/></rule>`).replace("chain='root'>", `chain='root'><uuid>${original.get(B)!.uuid}</uuid>`));
    const changedB = dumpFilter(B);

    const b = await connect(1);
    const out = await syncFilterTree(tree, b, LIBVIRT_URI).finally(() => b.close());
    expect(statuses(out)).toMatchObject({ [B]: 'skipped', [A]: 'refused' });
    expect(out.find((f) => f.name === A)!.reason).toContain(foreignUuid);
    expect(dumpFilter(A)).toBe(foreign);
    expect(dumpFilter(B)).toBe(changedB);
  });

  it('CLI: exit 1 when the domain is missing or a host key is unknown; exit 2 for usage', async () => {
    const missing = await cli(syncArgs('--from', host(0), `${tag}-nosuchdomain`));
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/cannot read domain/);
    const empty = join(work, 'empty_known_hosts');
    writeFileSync(empty, '');
    const unknown = await cli([...syncArgs(DOMAIN), '--known-hosts', empty]);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/OVFPIPE_HOSTKEY_UNKNOWN/);
    expect((await cli(['netsec', 'sync', DOMAIN])).code).toBe(2);
    expect((await cli(syncArgs(DOMAIN, '--migrate-uri', 'qemu+ssh://x/system'))).code).toBe(2);
    expect((await cli(syncArgs(DOMAIN, '--migrate', '--to-connect', 'qemu+tls://x/system'))).code).toBe(2);
  });

  it("--force replaces the foreign filter (unused) and restores the source's uuid", async () => {
    const b = await connect(1);
    const out = await syncFilterTree(tree, b, LIBVIRT_URI, { force: true }).finally(() => b.close());
    expect(statuses(out)).toMatchObject({ [B]: 'updated', [A]: 'replaced' });
    for (const name of [A, B]) {
      expect(uuidOnHost(name)).toBe(original.get(name)!.uuid);
      expect(sameFilter(dumpFilter(name), original.get(name)!.xml)).toBe(true);
    }
  });

  it('--force cannot replace a foreign filter that a running domain uses: refused, and left as it was', async () => {
    if (run('ip', ['link', 'show', bridge], { allowFail: true }).status !== 0) {
      run('ip', ['link', 'add', bridge, 'type', 'bridge']);
      made.push(() => run('ip', ['link', 'del', bridge], { allowFail: true }));
      run('ip', ['link', 'set', bridge, 'up']);
    }
    defineFilter(`<filter name='${C}' chain='root'><filterref filter='clean-traffic'/></filter>`);
    const path = join(work, 'running.xml');
    writeFileSync(
      path,
      domainXml
        .replace(DOMAIN, RUNNING)
        .replace(`<interface type='network'>\n      <source network='default'/>`, `<interface type='bridge'>\n      <source bridge='${bridge}'/>`)
        .replace(`filter='${A}'`, `filter='${C}'`),
    );
    virsh('define', path);
    const a = await connect(0);
    const runTree = await readFilterTree(a, LIBVIRT_URI, RUNNING).finally(() => a.close());
    expect(runTree.filters.filter((f) => !f.builtin).map((f) => f.name)).toEqual([C]);

    // The target's C is someone else's, and a running domain uses it.
    virsh('nwfilter-undefine', C);
    defineFilter(`<filter name='${C}' chain='root'><filterref filter='no-mac-spoofing'/></filter>`);
    const foreign = dumpFilter(C);
    virsh('start', RUNNING);
    expect(virsh('domstate', RUNNING).stdout.trim()).toBe('running');

    const b = await connect(1);
    const out = await syncFilterTree(runTree, b, LIBVIRT_URI, { force: true }).finally(() => b.close());
    const c = out.find((f) => f.name === C)!;
    expect(c.status).toBe('refused');
    expect(c.reason).toMatch(/--force cannot replace it/);
    expect(dumpFilter(C)).toBe(foreign);
    expect(virsh('domstate', RUNNING).stdout.trim()).toBe('running');
    virsh('destroy', RUNNING);
  });
});
