/** `hosts probe`: a host's capabilities, as data. Read-only. */
import { execBatch } from './batch.js';
import type { Transport } from './transport.js';

export interface HostProbe {
  host: string;
  error?: string;
  libvirtVersion?: string;
  qemuImgVersion?: string;
  kvm: boolean;
  freeBytes?: number;
  bridges: string[];
  networks: string[];
  filters: string[];
  lldpad: boolean;
}

export async function probeHost(host: string, connect: (h: string) => Promise<Transport>, uri: string, storage: string): Promise<HostProbe> {
  const p: HostProbe = { host, kvm: false, bridges: [], networks: [], filters: [], lldpad: false };
  let t: Transport;
  try {
    t = await connect(host);
  } catch (e) {
    return { ...p, error: (e as Error).message };
  }
  try {
    // One round trip; the queries are independent, so they run 8 at a time.
    const virsh = (...args: string[]) => ({ argv: ['virsh', '-c', uri, ...args] });
    const [version, qemuImg, kvm, df, bridges, networks, filters, lldpad] = await execBatch(
      t,
      [
        virsh('version'),
        { argv: ['qemu-img', '--version'] },
        { argv: ['test', '-c', '/dev/kvm'] },
        // The storage root may not exist yet: the free space of its nearest existing ancestor.
        { argv: ['sh', '-c', 'd=$1; while :; do df -P -B1 -- "$d" 2>/dev/null && exit 0; [ "$d" = / ] && exit 1; d=$(dirname -- "$d"); done', 'ovfpipe-df', storage] },
        { argv: ['ip', '-o', 'link', 'show', 'type', 'bridge'] },
        virsh('net-list', '--all', '--name'),
        virsh('nwfilter-list'),
        { argv: ['sh', '-c', 'command -v lldpad || command -v lldptool'] },
      ],
      { timeoutMs: 60_000, parallel: 8 },
    );
    p.libvirtVersion = /Using library: libvirt ([\d.]+)/.exec(version!.output)?.[1];
    p.qemuImgVersion = /version ([\d.]+)/.exec(qemuImg!.output)?.[1];
    p.kvm = kvm!.code === 0;
    const free = df!.code === 0 ? /^Filesystem.*\n(.*)/m.exec(df!.output)?.[1]?.split(/\s+/)[3] : undefined;
    if (free) p.freeBytes = Number(free);
    p.bridges = bridges!.output.split('\n').map((l) => /^\d+:\s+([^:@]+)/.exec(l)?.[1]).filter((x): x is string => !!x);
    p.networks = networks!.output.split('\n').map((s) => s.trim()).filter(Boolean);
    p.filters = filters!.output.split('\n').slice(2).map((l) => l.trim().split(/\s+/)[1]).filter((x): x is string => !!x);
    p.lldpad = lldpad!.code === 0;
    return p;
  } catch (e) {
    return { ...p, error: (e as Error).message };
  } finally {
    await t.close().catch(() => undefined);
  }
}
