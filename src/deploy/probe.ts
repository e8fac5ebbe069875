/** `hosts probe`: a host's capabilities, as data. Read-only. */
import { execBatch } from './batch.js';
import { dfAvailableBytes, libvirtLibraryVersion, LLDPAD_QUERY, nameList, nwfilterNames, qemuImgVersion, virshCommand } from './host-queries.js';
import type { Transport } from './transport.js';
import { deviceHelpCommand, domcapabilitiesCommand, nicModelsOf, parseDomCapabilities, parseGuestArch } from './capabilities.js';

/** What the hypervisor offers for x86_64 guests (the arch render writes). */
export interface HypervisorCapabilities {
  arch: string;
  emulator?: string;
  /** libvirt domain types that work: 'kvm' only where KVM is usable. */
  domainTypes: string[];
  /** Machine type aliases and what they stand for, e.g. q35 → pc-q35-7.2. */
  machineAliases: Record<string, string>;
  machines: string[];
  /** For the default machine (q35) and the best domain type. */
  firmware: string[];
  secureBoot: boolean;
  diskBuses: string[];
  nicModels: string[];
}

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
  capabilities?: HypervisorCapabilities;
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
    const virsh = (...args: string[]) => virshCommand(uri, ...args);
    const arch = 'x86_64';
    const [version, qemuImg, kvm, df, bridges, networks, filters, lldpad, caps, kvmCaps, tcgCaps, devices] = await execBatch(
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
        LLDPAD_QUERY,
        virsh('capabilities'),
        domcapabilitiesCommand(uri, { domainType: 'kvm', arch, machine: 'q35' }),
        domcapabilitiesCommand(uri, { domainType: 'qemu', arch, machine: 'q35' }),
        deviceHelpCommand(`qemu-system-${arch}`),
      ],
      { timeoutMs: 60_000, parallel: 8 },
    );
    p.libvirtVersion = libvirtLibraryVersion(version!.output);
    p.qemuImgVersion = qemuImgVersion(qemuImg!.output);
    p.kvm = kvm!.code === 0;
    if (df!.code === 0) p.freeBytes = dfAvailableBytes(df!.output);
    p.bridges = bridges!.output
      .split('\n')
      .map((l) => /^\d+:\s+([^:@]+)/.exec(l)?.[1])
      .filter((x): x is string => !!x);
    p.networks = nameList(networks!.output);
    p.filters = nwfilterNames(filters!.output);
    p.lldpad = lldpad!.code === 0;
    const guest = parseGuestArch(caps!.output, arch);
    const kvmDc = parseDomCapabilities(kvmCaps!.code, kvmCaps!.output);
    const tcgDc = parseDomCapabilities(tcgCaps!.code, tcgCaps!.output);
    const best = kvmDc.ok ? kvmDc : tcgDc;
    if (guest)
      p.capabilities = {
        arch,
        emulator: guest.emulator,
        // libvirt lists kvm in capabilities when /dev/kvm exists; domcapabilities says whether QEMU can use it.
        domainTypes: guest.domainTypes.filter((t) => t !== 'kvm' || kvmDc.ok),
        machineAliases: guest.aliases,
        machines: guest.machines,
        firmware: best.ok ? best.firmware : [],
        secureBoot: best.ok && best.secureBoot,
        diskBuses: best.ok ? best.diskBuses : [],
        nicModels: devices!.code === 0 ? nicModelsOf(devices!.output) : [],
      };
    return p;
  } catch (e) {
    return { ...p, error: (e as Error).message };
  } finally {
    await t.close().catch(() => undefined);
  }
}
