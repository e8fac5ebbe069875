/**
 * A web-appliance package whose disk is `mib` MiB of random data as a
 * streamOptimized vmdk (random, so it neither compresses nor converts
 * quickly): big enough to interrupt an upload mid-stream. Built with the real
 * qemu-img, as deploy-resume.test.ts does.
 */
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './services.js';

export interface BigPackage {
  /** The package directory (big.ovf, big.mf, web-disk1.vmdk). */
  dir: string;
  /** The raw disk the vmdk holds, for `qemu-img compare`. */
  raw: string;
  vmdkSha256: string;
  vmdkSize: number;
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(c as Buffer);
  return h.digest('hex');
}

export async function bigWebPackage(work: string, mib: number): Promise<BigPackage> {
  const dir = join(work, 'big');
  mkdirSync(dir);
  const raw = join(work, 'disk.raw');
  run('sh', ['-c', `head -c ${mib * 2 ** 20} /dev/urandom > "$1"`, 'sh', raw]);
  run('qemu-img', ['convert', '-f', 'raw', '-O', 'vmdk', '-o', 'subformat=streamOptimized', raw, join(dir, 'web-disk1.vmdk')]);
  const vmdkSize = statSync(join(dir, 'web-disk1.vmdk')).size;
  const ovf = readFileSync('examples/web-appliance/web-appliance.ovf', 'utf8').replace('ovf:size="131072"', `ovf:size="${vmdkSize}"`).replace('ovf:capacity="64"', `ovf:capacity="${mib}"`);
  writeFileSync(join(dir, 'big.ovf'), ovf);
  const vmdkSha256 = await sha256File(join(dir, 'web-disk1.vmdk'));
  const ovfSha = createHash('sha256').update(ovf).digest('hex');
  writeFileSync(join(dir, 'big.mf'), `SHA256(big.ovf)= ${ovfSha}\nSHA256(web-disk1.vmdk)= ${vmdkSha256}\n`);
  return { dir, raw, vmdkSha256, vmdkSize };
}
