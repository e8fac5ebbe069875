/**
 * Huge images over cut links, real sshd and libvirtd: an upload cut at about
 * half (the sshd killed) is resumed by the next run, which sends only the
 * rest; SIGINT to the CLI mid-upload exits 130 with the report written and no
 * half-defined domain, and the next run converges (resuming the upload).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy } from '../../src/deploy/deploy.js';
import { hostConnector } from '../../src/deploy/connect.js';
import { PARTIAL_MARKER } from '../../src/deploy/ssh/put.js';
import { parseVarsYaml } from '../../src/macros/vars.js';
import { renderOptions } from '../../src/render/options.js';
import { testDomainType } from '../helpers/domain-type.js';
import { requireLibvirt, run } from './services.js';
import { requireSshd, startSshds, type SshdCluster } from './sshd.js';

const live = requireSshd('resumable deploy test') && requireLibvirt('resumable deploy test');
const tenant = `res${process.pid}`;
const storage = `/var/lib/ovfpipe-e2e/resume-${tenant}`;
const work = mkdtempSync(join(tmpdir(), 'ovfpipe-e2e-resume-'));
const pkg = join(work, 'big');
const MiB = 1 << 20;
let cluster: SshdCluster | undefined;
let vmdkSha = '';
let vmdkSize = 0;

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path, { highWaterMark: MiB })) h.update(c as Buffer);
  return h.digest('hex');
}

beforeAll(async () => {
  if (!live) return;
  cluster = await startSshds(1, { plainShell: true });
  // A 256 MiB streamOptimized vmdk of random data (as deploy-interrupted.test.ts builds its package).
  mkdirSync(pkg);
  const raw = join(work, 'disk.raw');
  run('sh', ['-c', `head -c ${256 * MiB} /dev/urandom > ${raw}`]);
  run('qemu-img', ['convert', '-f', 'raw', '-O', 'vmdk', '-o', 'subformat=streamOptimized', raw, join(pkg, 'web-disk1.vmdk')]);
  vmdkSize = statSync(join(pkg, 'web-disk1.vmdk')).size;
  const ovf = readFileSync('examples/web-appliance/web-appliance.ovf', 'utf8').replace('ovf:size="131072"', `ovf:size="${vmdkSize}"`).replace('ovf:capacity="64"', 'ovf:capacity="256"');
  writeFileSync(join(pkg, 'big.ovf'), ovf);
  vmdkSha = await sha256File(join(pkg, 'web-disk1.vmdk'));
  const ovfSha = createHash('sha256')
    .update(readFileSync(join(pkg, 'big.ovf')))
    .digest('hex');
  writeFileSync(join(pkg, 'big.mf'), `SHA256(big.ovf)= ${ovfSha}\nSHA256(web-disk1.vmdk)= ${vmdkSha}\n`);
  writeFileSync(join(work, 'vars.yaml'), 'ip: 10.0.0.5\nadmin_password: x\n');
}, 180_000);

afterAll(async () => {
  for (const name of [`${tenant}-web`, `${tenant}s-web`]) run('virsh', ['-c', 'qemu:///system', 'undefine', name], { allowFail: true });
  await cluster?.stopAll();
  rmSync(work, { recursive: true, force: true });
  rmSync(storage, { recursive: true, force: true });
  rmSync(`${storage}-sig`, { recursive: true, force: true });
  for (const m of ['convert', 'backing']) rmSync(`${storage}-${m}`, { recursive: true, force: true });
  for (const m of ['c', 'b', 't']) run('virsh', ['-c', 'qemu:///system', 'undefine', `${tenant}${m}-web`], { allowFail: true });
});

/** The NIC's OVF network "frontend" is mapped to a libvirt network of this run's own (no name shared with other runs on the libvirtd). */
const netName = `ovfpipe-res-${process.pid}`;
const withNetwork = { ...renderOptions({ domainType: testDomainType() }), networkMap: { frontend: { mode: 'network' as const, source: netName } } };
function withFrontend<T>(body: () => Promise<T>): Promise<T> {
  const netXml = join(work, 'net.xml');
  writeFileSync(netXml, `<network><name>${netName}</name><bridge name='ovfres${process.pid % 100000}'/></network>`);
  run('virsh', ['-c', 'qemu:///system', 'net-define', netXml]);
  return body().finally(() => {
    run('virsh', ['-c', 'qemu:///system', 'net-undefine', netName], { allowFail: true });
  });
}

const defined = (name: string) => run('virsh', ['-c', 'qemu:///system', 'dominfo', name], { allowFail: true }).status === 0;

describe.skipIf(!live)('resuming a cut upload', () => {
  it('a connection cut at about half of a 256 MiB upload: the next run resumes it and sends at most 60%', async () => {
    const request = () => ({
      pkg,
      tenant,
      // A flat vars file belongs to the tenant it is read for (vars-key refuses a tenant it does not name).
      vars: parseVarsYaml('ip: 10.0.0.5\nadmin_password: x\n', { tenant }).vars,
      hosts: [`ssh://root@127.0.0.1:${cluster!.hosts[0]!.port}`],
      connect: hostConnector({ identity: cluster!.clientKey, knownHosts: cluster!.knownHostsFile, retries: 0 }),
      connectUri: 'qemu:///system',
      storageRoot: storage,
      options: withNetwork,
    });
    await withFrontend(async () => {
      let cut = false;
      let sent = 0;
      const first = await deploy({
        ...request(),
        onBytes: (_host, n) => {
          sent += n;
          if (!cut && sent >= vmdkSize / 2) {
            cut = true;
            void cluster!.stop(0);
          }
        },
      });
      expect(cut).toBe(true);
      expect(first.report.vms).toMatchObject([{ name: `${tenant}-web`, status: 'failed' }]);
      expect(defined(`${tenant}-web`)).toBe(false);
      const left = readdirSync(`${storage}/images`);
      expect(left).toEqual([`${vmdkSha}.qcow2${PARTIAL_MARKER}${vmdkSha}`]);
      const kept = statSync(`${storage}/images/${left[0]}`).size;
      // The cut run reports what it sent, too.
      expect(first.report.bytesUploaded).toBeGreaterThanOrEqual(kept);

      await cluster!.start(0);
      const second = await deploy(request());
      expect(second.report.vms).toMatchObject([{ name: `${tenant}-web`, status: 'created' }]);
      const resumed = second.report.hosts[0]!.resumed;
      expect(resumed).toEqual([{ href: 'web-disk1.vmdk', resumedAt: expect.any(Number) }]);
      expect(resumed![0]!.resumedAt).toBeGreaterThan(0);
      expect(resumed![0]!.resumedAt).toBeLessThanOrEqual(kept);
      expect(second.report.bytesUploaded).toBeLessThanOrEqual(0.6 * vmdkSize);
      // The store holds the conversion of the whole vmdk, under the vmdk's sha256, and nothing else.
      expect(readdirSync(`${storage}/images`)).toEqual([`${vmdkSha}.qcow2`]);
      expect(run('qemu-img', ['compare', '-q', '-f', 'raw', '-F', 'qcow2', join(work, 'disk.raw'), `${storage}/images/${vmdkSha}.qcow2`]).status).toBe(0);
      console.log(
        `256 MiB image (${vmdkSize} bytes vmdk): cut after ${sent} bytes sent, partial ${kept} bytes; resumed at ${resumed![0]!.resumedAt}, ` +
          `second run sent ${second.report.bytesUploaded} bytes (${((100 * second.report.bytesUploaded) / vmdkSize).toFixed(1)}%)`,
      );
    });
  }, 300_000);

  it('SIGINT to the CLI mid-upload: exit 130, report written, no half-defined domain; the next run converges', async () => {
    const store = `${storage}-sig`;
    const name = `${tenant}s-web`;
    const report = join(work, 'sigint-report.json');
    const cli = (reportFile: string) =>
      spawn(
        process.execPath,
        [
          'dist/cli/bin.js',
          'deploy',
          pkg,
          '--host',
          `ssh://root@127.0.0.1:${cluster!.hosts[0]!.port}`,
          '--identity',
          cluster!.clientKey,
          '--known-hosts',
          cluster!.knownHostsFile,
          '--tenant',
          `${tenant}s`,
          '--vars',
          join(work, 'vars.yaml'),
          '--storage',
          store,
          '--domain-type',
          testDomainType(),
          '--network',
          `frontend=${netName}`,
          '--report',
          reportFile,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
    const finished = (child: ReturnType<typeof cli>) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        let stderr = '';
        child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
        child.stdout!.resume();
        child.once('close', (code) => resolve({ code, stderr }));
      });
    await withFrontend(async () => {
      const child = cli(report);
      const done = finished(child);
      // Interrupt once the host has received some of the image (its partial grows in the store).
      let signalled = false;
      for (let i = 0; i < 3000 && !signalled && child.exitCode === null; i++) {
        const dir = `${store}/images`;
        const part = existsSync(dir) ? readdirSync(dir).find((f) => f.includes(PARTIAL_MARKER)) : undefined;
        if (part && statSync(join(dir, part)).size >= 16 * MiB) {
          child.kill('SIGINT');
          signalled = true;
        } else await new Promise((r) => setTimeout(r, 10));
      }
      const first = await done;
      expect(signalled).toBe(true);
      expect(first.code).toBe(130);
      expect(first.stderr).toMatch(/SIGINT: stopping/);
      const written = JSON.parse(readFileSync(report, 'utf8')) as { interrupted?: string; vms: Array<{ name: string; status: string; error?: string }> };
      expect(written.interrupted).toBe('SIGINT');
      expect(written.vms).toMatchObject([{ name, status: 'failed' }]);
      expect(defined(name)).toBe(false);
      expect(readdirSync(`${store}/images`).filter((f) => !f.includes(PARTIAL_MARKER))).toEqual([]);
      // Nothing half-made is left for the VM either (its OVF environment ISO was removed).
      expect(existsSync(`${store}/vms/${name}`) ? readdirSync(`${store}/vms/${name}`) : []).toEqual([]);

      const again = await finished(cli(join(work, 'again-report.json')));
      expect(again.code).toBe(0);
      const second = JSON.parse(readFileSync(join(work, 'again-report.json'), 'utf8')) as { vms: Array<{ name: string; status: string }>; hosts: Array<{ resumed?: Array<{ resumedAt: number }> }> };
      expect(second.vms).toMatchObject([{ name, status: 'created' }]);
      expect(second.hosts[0]!.resumed?.[0]?.resumedAt).toBeGreaterThan(0);
      expect(defined(name)).toBe(true);
      expect(readdirSync(`${store}/images`)).toEqual([`${vmdkSha}.qcow2`]);
      console.log(`SIGINT run: exit ${first.code}; next run resumed at ${second.hosts[0]!.resumed?.[0]?.resumedAt} bytes`);
    });
  }, 300_000);

  it('SIGTERM mid-upload exits 143 with the report; a second signal exits at once', async () => {
    const store = `${storage}-term`;
    const report = join(work, 'sigterm-report.json');
    const start = () =>
      spawn(
        process.execPath,
        [
          'dist/cli/bin.js',
          'deploy',
          pkg,
          '--host',
          `ssh://root@127.0.0.1:${cluster!.hosts[0]!.port}`,
          '--identity',
          cluster!.clientKey,
          '--known-hosts',
          cluster!.knownHostsFile,
          '--tenant',
          `${tenant}t`,
          '--vars',
          join(work, 'vars.yaml'),
          '--storage',
          store,
          '--domain-type',
          testDomainType(),
          '--network',
          `frontend=${netName}`,
          '--report',
          report,
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
    const partialSize = () => {
      const dir = `${store}/images`;
      const part = existsSync(dir) ? readdirSync(dir).find((f) => f.includes(PARTIAL_MARKER)) : undefined;
      return part ? statSync(join(dir, part)).size : 0;
    };
    const partialGrown = async (child: ReturnType<typeof start>, beyond = 0) => {
      for (let i = 0; i < 3000 && child.exitCode === null; i++) {
        if (partialSize() >= beyond + 16 * MiB) return true;
        await new Promise((r) => setTimeout(r, 10));
      }
      return false;
    };
    const exit = (child: ReturnType<typeof start>, onStderr?: (s: string) => void) =>
      new Promise<number | null>((resolve) => {
        let err = '';
        child.stderr!.on('data', (d: Buffer) => {
          err += d.toString();
          onStderr?.(err);
        });
        child.once('close', (code) => resolve(code));
      });
    try {
      await withFrontend(async () => {
        const once = start();
        const onceDone = exit(once);
        expect(await partialGrown(once)).toBe(true);
        once.kill('SIGTERM');
        expect(await onceDone).toBe(143);
        expect((JSON.parse(readFileSync(report, 'utf8')) as { interrupted?: string }).interrupted).toBe('SIGTERM');
        expect(defined(`${tenant}t-web`)).toBe(false);

        rmSync(report, { force: true });
        const before = partialSize();
        const twice = start();
        let again = false;
        const twiceDone = exit(twice, (err) => {
          // The second signal once the first was acknowledged: exit at once, whatever is in flight.
          if (!again && /SIGTERM: stopping/.test(err)) {
            again = true;
            twice.kill('SIGTERM');
          }
        });
        // The partial is resumed: signal once the upload has grown it again.
        expect(await partialGrown(twice, before)).toBe(true);
        twice.kill('SIGTERM');
        expect(await twiceDone).toBe(143);
        expect(again).toBe(true);
        expect(defined(`${tenant}t-web`)).toBe(false);
      });
    } finally {
      rmSync(store, { recursive: true, force: true });
    }
  }, 300_000);

  it('--disk-mode backing: the overlay sits on the verified upload itself, nothing converted (timed against convert in the same run)', async () => {
    const seconds: Record<string, number> = {};
    await withFrontend(async () => {
      for (const [mode, t] of [
        ['convert', 'c'],
        ['backing', 'b'],
      ] as const) {
        const started = Date.now();
        const r = await deploy({
          pkg,
          tenant: `${tenant}${t}`,
          vars: parseVarsYaml('ip: 10.0.0.5\nadmin_password: x\n', { tenant: `${tenant}${t}` }).vars,
          hosts: [`ssh://root@127.0.0.1:${cluster!.hosts[0]!.port}`],
          connect: hostConnector({ identity: cluster!.clientKey, knownHosts: cluster!.knownHostsFile, retries: 0 }),
          connectUri: 'qemu:///system',
          storageRoot: `${storage}-${mode}`,
          options: withNetwork,
          diskMode: mode,
        });
        seconds[mode] = (Date.now() - started) / 1000;
        expect(r.report.vms).toMatchObject([{ name: `${tenant}${t}-web`, status: 'created' }]);
        expect(defined(`${tenant}${t}-web`)).toBe(true);
      }
    });
    expect(readdirSync(`${storage}-convert/images`)).toEqual([`${vmdkSha}.qcow2`]);
    expect(readdirSync(`${storage}-backing/images`)).toEqual([`${vmdkSha}.vmdk`]);
    const overlay = readdirSync(`${storage}-backing/vms/${tenant}b-web`).find((f) => f.endsWith('.qcow2'))!;
    const info = JSON.parse(run('qemu-img', ['info', '--output=json', '-U', join(`${storage}-backing/vms/${tenant}b-web`, overlay)]).stdout) as {
      'backing-filename'?: string;
      'backing-filename-format'?: string;
    };
    expect(info['backing-filename']).toBe(`${storage}-backing/images/${vmdkSha}.vmdk`);
    expect(info['backing-filename-format']).toBe('vmdk');
    // The VM sees the same disk either way.
    expect(run('qemu-img', ['compare', '-q', '-U', '-f', 'raw', '-F', 'qcow2', join(work, 'disk.raw'), join(`${storage}-backing/vms/${tenant}b-web`, overlay)]).status).toBe(0);
    console.log(`256 MiB image, one host, same run: deploy --disk-mode convert ${seconds['convert']!.toFixed(2)} s, backing ${seconds['backing']!.toFixed(2)} s (shared machine: noisy)`);
  }, 300_000);
});
