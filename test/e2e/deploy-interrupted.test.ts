/**
 * The sshd dies mid-upload: the run reports the VM failed, the store never
 * holds a half-written image under its content address, and the next run
 * completes the job. Real sshd, real libvirtd.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy } from '../../src/deploy/deploy.js';
import { hostConnector } from '../../src/deploy/connect.js';
import { parseVarsYaml } from '../../src/macros/vars.js';
import { renderOptions } from '../../src/render/options.js';
import { requireLibvirt, run } from './services.js';
import { requireSshd, startSshds, type SshdCluster } from './sshd.js';

const live = requireSshd('interrupted deploy test') && requireLibvirt('interrupted deploy test');
const tenant = `cut${process.pid}`;
const netName = `ovfpipe-cut-${process.pid}`;
const storage = `/var/lib/ovfpipe-e2e/cut-${tenant}`;
const work = mkdtempSync(join(tmpdir(), 'ovfpipe-e2e-cut-'));
const pkg = join(work, 'big');
let cluster: SshdCluster | undefined;

beforeAll(async () => {
  if (!live) return;
  cluster = await startSshds(1, { plainShell: true });
  // A 192 MiB streamOptimized vmdk of random data: big enough to cut mid-stream.
  mkdirSync(pkg);
  const raw = join(work, 'disk.raw');
  run('sh', ['-c', `head -c ${192 * 2 ** 20} /dev/urandom > ${raw}`]);
  run('qemu-img', ['convert', '-f', 'raw', '-O', 'vmdk', '-o', 'subformat=streamOptimized', raw, join(pkg, 'web-disk1.vmdk')]);
  const size = statSync(join(pkg, 'web-disk1.vmdk')).size;
  const ovf = readFileSync('examples/web-appliance/web-appliance.ovf', 'utf8').replace('ovf:size="131072"', `ovf:size="${size}"`).replace('ovf:capacity="64"', 'ovf:capacity="192"');
  writeFileSync(join(pkg, 'big.ovf'), ovf);
  const sha = (f: string) =>
    createHash('sha256')
      .update(readFileSync(join(pkg, f)))
      .digest('hex');
  writeFileSync(join(pkg, 'big.mf'), `SHA256(big.ovf)= ${sha('big.ovf')}\nSHA256(web-disk1.vmdk)= ${sha('web-disk1.vmdk')}\n`);
}, 120_000);

afterAll(async () => {
  run('virsh', ['-c', 'qemu:///system', 'undefine', `${tenant}-web`], { allowFail: true });
  await cluster?.stopAll();
  rmSync(work, { recursive: true, force: true });
  rmSync(storage, { recursive: true, force: true });
});

describe.skipIf(!live)('an upload cut by a dying sshd', () => {
  it('fails the VM, leaves no half image under its content address, and the next run completes', async () => {
    const request = () => ({
      pkg,
      tenant,
      // A flat vars file belongs to the tenant it is read for (vars-key refuses a tenant it does not name).
      vars: parseVarsYaml('ip: 10.0.0.5\nadmin_password: x\n', { tenant }).vars,
      hosts: [`ssh://root@127.0.0.1:${cluster!.hosts[0]!.port}`],
      connect: hostConnector({ identity: cluster!.clientKey, knownHosts: cluster!.knownHostsFile, retries: 0 }),
      connectUri: 'qemu:///system',
      storageRoot: storage,
      // The NIC's OVF network "frontend" is mapped to a libvirt network of this run's own (no name shared with other runs).
      options: { ...renderOptions({ domainType: 'qemu' as const }), networkMap: { frontend: { mode: 'network' as const, source: netName } } },
    });
    const netXml = join(work, 'net.xml');
    writeFileSync(netXml, `<network><name>${netName}</name><bridge name='ovfcut${process.pid % 100000}'/></network>`);
    run('virsh', ['-c', 'qemu:///system', 'net-define', netXml]);
    try {
      let cut = false;
      let sent = 0;
      const first = await deploy({
        ...request(),
        onBytes: (_host, n) => {
          sent += n;
          if (!cut && sent > 16 * 2 ** 20) {
            cut = true;
            void cluster!.stop(0);
          }
        },
      });
      expect(cut).toBe(true);
      expect(first.report.vms).toMatchObject([{ name: `${tenant}-web`, status: 'failed' }]);
      const stored = run('ls', ['-1', `${storage}/images`])
        .stdout.split('\n')
        .filter(Boolean);
      // Only temporary names, never <sha256>.qcow2 half-written.
      expect(stored.every((f) => f.includes('.ovfpipe-tmp-') || f.includes('.ovfpipe-part-'))).toBe(true);

      await cluster!.start(0);
      const second = await deploy(request());
      expect(second.report.vms).toMatchObject([{ name: `${tenant}-web`, status: 'created' }]);
      const images = run('ls', ['-1', `${storage}/images`])
        .stdout.split('\n')
        .filter((f) => f && !f.includes('.ovfpipe-tmp-') && !f.includes('.ovfpipe-part-'));
      // The store holds the conversion only, named by the sha256 of the vmdk the package carries,
      // and its contents are exactly the disk the vmdk describes.
      const vmdkSha = createHash('sha256')
        .update(readFileSync(join(pkg, 'web-disk1.vmdk')))
        .digest('hex');
      expect(images).toEqual([`${vmdkSha}.qcow2`]);
      expect(run('qemu-img', ['compare', '-q', '-f', 'raw', '-F', 'qcow2', join(work, 'disk.raw'), `${storage}/images/${vmdkSha}.qcow2`]).status).toBe(0);

      // A store entry is not trusted blindly: a raw image left under the member's name (as older
      // versions kept it) that is a vmdk descriptor naming a host file is refused, not converted.
      const storage2 = `${storage}-planted`;
      mkdirSync(`${storage2}/images`, { recursive: true });
      writeFileSync(
        `${storage2}/images/${vmdkSha}.vmdk`,
        `# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType="monolithicFlat"\nRW 256 FLAT "${join(work, 'disk.raw')}" 0\n`,
      );
      try {
        const planted = await deploy({ ...request(), storageRoot: storage2 });
        expect(planted.report.vms).toMatchObject([{ name: `${tenant}-web`, status: 'failed', error: expect.stringMatching(/not a single sparse extent.*refused/) }]);
        // No image was sent; only the OVF environment ISO, prepared while the image was placed,
        // and removed again with the failed VM.
        expect(planted.report.bytesUploaded).toBeLessThan(1 << 20);
        expect(readdirSync(`${storage2}/images`)).toEqual([`${vmdkSha}.vmdk`]);
        expect(readdirSync(`${storage2}/vms/${tenant}-web`)).toEqual([]);
      } finally {
        rmSync(storage2, { recursive: true, force: true });
      }
    } finally {
      run('virsh', ['-c', 'qemu:///system', 'net-undefine', netName], { allowFail: true });
    }
  });
});
