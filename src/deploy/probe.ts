/** `hosts probe`: a host's capabilities, as data. Read-only. */
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
    const ex = (argv: string[]) => t.exec(argv, { allowFailure: true });
    p.libvirtVersion = /Using library: libvirt ([\d.]+)/.exec((await ex(['virsh', '-c', uri, 'version'])).stdout)?.[1];
    p.qemuImgVersion = /version ([\d.]+)/.exec((await ex(['qemu-img', '--version'])).stdout)?.[1];
    p.kvm = (await ex(['test', '-c', '/dev/kvm'])).code === 0;
    // The storage root may not exist yet: report the free space of its nearest existing ancestor.
    for (let dir = storage; dir; dir = dir === '/' ? '' : dir.replace(/\/[^/]*$/, '') || '/') {
      const df = await ex(['df', '-P', '-B1', '--', dir]);
      const free = df.code === 0 ? df.stdout.trim().split('\n')[1]?.split(/\s+/)[3] : undefined;
      if (free) {
        p.freeBytes = Number(free);
        break;
      }
    }
    p.bridges = (await ex(['ip', '-o', 'link', 'show', 'type', 'bridge'])).stdout.split('\n').map((l) => /^\d+:\s+([^:@]+)/.exec(l)?.[1]).filter((x): x is string => !!x);
    p.networks = (await ex(['virsh', '-c', uri, 'net-list', '--all', '--name'])).stdout.split('\n').map((s) => s.trim()).filter(Boolean);
    p.filters = (await ex(['virsh', '-c', uri, 'nwfilter-list'])).stdout.split('\n').slice(2).map((l) => l.trim().split(/\s+/)[1]).filter((x): x is string => !!x);
    p.lldpad = (await ex(['sh', '-c', 'command -v lldpad || command -v lldptool'])).code === 0;
    return p;
  } catch (e) {
    return { ...p, error: (e as Error).message };
  } finally {
    await t.close().catch(() => undefined);
  }
}
