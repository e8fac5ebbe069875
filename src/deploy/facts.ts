/**
 * What is on a host, gathered over one Transport (PRODUCT.md §7
 * "Preflight"): tool versions, free space, the images already in the
 * content-addressed store, the networks the profiles need, and the domains
 * and filters that could clash with ours. Only reads.
 */
import { OvfpipeError } from '../diagnostics/errors.js';
import { type BatchCommand, type BatchResult, execBatch } from './batch.js';
import {
  capabilityKey,
  deviceHelpCommand,
  type DomainNeeds,
  domcapabilitiesCommand,
  emulatorFor,
  type HostCapabilities,
  KVM_DEVICE_QUERY,
  parseDeviceNames,
  parseDomCapabilities,
} from './capabilities.js';
import { dfAvailableBytes, libvirtLibraryVersion, LLDPAD_QUERY, nameList, nwfilterNames, qemuImgVersion, virshCommand } from './host-queries.js';
import type { Transport } from './transport.js';
import { virshMulti } from './audit/virsh-multi.js';

export interface HostFacts {
  virshVersion?: string;
  libvirtVersion?: string;
  qemuImgVersion?: string;
  storageRoot: string;
  freeBytes?: number;
  /** File names in <storage>/images. */
  images: Set<string>;
  /** Existing paths among those asked about (overlays, ISOs). */
  existing: Set<string>;
  /** Domain name → its inactive XML, for the names asked about that exist. */
  domains: Map<string, { xml: string; running: boolean }>;
  /** Every filter name on the host. */
  filterNames: Set<string>;
  /** Filter name → dumpxml, for the names asked about that exist. */
  filters: Map<string, string>;
  /** Link names asked about that exist (bridges, devices). */
  links: Set<string>;
  /** libvirt networks asked about that exist. */
  networks: Set<string>;
  lldpad: boolean;
  /** What the hypervisor offers for the domains asked about (capabilities.ts). */
  capabilities: HostCapabilities;
  problems: string[];
}

export interface FactsQuery {
  connectUri: string;
  storageRoot: string;
  domains: string[];
  filters: string[];
  paths: string[];
  links: string[];
  networks: string[];
  needVdp: boolean;
  /** What the rendered domains need of the hypervisor: one domcapabilities query per distinct kind. */
  needs?: DomainNeeds[];
}

/** Facts of a host where nothing was found yet: the start of gatherFacts, and of recorded facts in tests. */
export function emptyHostFacts(storageRoot: string): HostFacts {
  return {
    storageRoot,
    images: new Set(),
    existing: new Set(),
    domains: new Map(),
    filterNames: new Set(),
    filters: new Map(),
    links: new Set(),
    networks: new Set(),
    lldpad: false,
    capabilities: { domains: new Map(), devices: new Map(), kvmDevice: false },
    problems: [],
  };
}

/**
 * All of it in one round trip (execBatch, 8 queries at a time): a host with
 * hundreds of VMs costs one exec, not several per VM.
 */
export async function gatherFacts(t: Transport, q: FactsQuery): Promise<HostFacts> {
  const f = emptyHostFacts(q.storageRoot);
  const virsh = (...args: string[]) => virshCommand(q.connectUri, ...args);
  const commands: BatchCommand[] = [
    { ...virsh('version'), stderr: 'merge' },
    { argv: ['qemu-img', '--version'], stderr: 'merge' },
    // mkdir before df (df needs the root); exit 3 says mkdir failed. (ls below may run first: then the store was empty.)
    { argv: ['sh', '-c', 'mkdir -p -- "$1/images" "$1/vms" || exit 3; df -P -B1 -- "$1"', 'ovfpipe-storage', q.storageRoot], stderr: 'merge' },
    { argv: ['ls', '-1A', '--', `${q.storageRoot}/images`] },
    virsh('nwfilter-list'),
    virsh('list', '--state-running', '--name'),
    virsh('net-list', '--all', '--name'),
    LLDPAD_QUERY,
    KVM_DEVICE_QUERY,
  ];
  const fixed = commands.length;
  const kinds = [...new Map((q.needs ?? []).map((n) => [capabilityKey(n), n])).values()];
  const emulators = [...new Set(kinds.filter((n) => n.nicModels.length > 0).map(emulatorFor))];
  for (const n of kinds) commands.push(domcapabilitiesCommand(q.connectUri, n));
  for (const e of emulators) commands.push(deviceHelpCommand(e));
  // One process per 500 paths (not one each): it prints the index of each one that exists.
  const groups: string[][] = [];
  for (let i = 0; i < q.paths.length; i += 500) groups.push(q.paths.slice(i, i + 500));
  for (const g of groups) commands.push({ argv: ['sh', '-c', 'i=0; for p do if [ -e "$p" ]; then echo "$i"; fi; i=$((i+1)); done', 'ovfpipe-exists', ...g] });
  // Every filter and domain read in a few virsh processes (50 queries each, one libvirt connection), not one each.
  const reads = virshMulti(q.connectUri, [...q.filters.map((name) => ['nwfilter-dumpxml', '--', name]), ...q.domains.map((name) => ['dumpxml', '--inactive', '--', name])]);
  commands.push(...reads.commands);
  for (const l of q.links) commands.push({ argv: ['ip', 'link', 'show', 'dev', l] });
  // Read-only queries that do not depend on each other: up to 8 at once (each virsh call pays its own libvirtd connection).
  const r = await execBatch(t, commands, { timeoutMs: 120_000 + 2_000 * (commands.length - fixed), parallel: 8 });
  const [version, qemuImg, storage, ls, filterList, running, networks, lldpad, kvm] = r as [
    BatchResult,
    BatchResult,
    BatchResult,
    BatchResult,
    BatchResult,
    BatchResult,
    BatchResult,
    BatchResult,
    BatchResult,
  ];
  let next = fixed;
  const take = (n: number) => r.slice(next, (next += n));

  if (version.code !== 0) f.problems.push(`virsh cannot reach ${q.connectUri}: ${firstLine(version.output) || `exit ${version.code}`}`);
  f.virshVersion = libvirtLibraryVersion(version.output);
  f.libvirtVersion = /Running hypervisor: .*?([\d.]+)/.exec(version.output)?.[1] ?? f.virshVersion;
  if (qemuImg.code !== 0) f.problems.push('qemu-img is not installed (apt install qemu-utils)');
  f.qemuImgVersion = qemuImgVersion(qemuImg.output);
  if (storage.code === 3) f.problems.push(`cannot create the storage root ${q.storageRoot}: ${firstLine(storage.output)}`);
  if (storage.code === 0) f.freeBytes = dfAvailableBytes(storage.output);
  for (const n of ls.output.split('\n')) if (n) f.images.add(n);
  for (const name of nwfilterNames(filterList.output)) f.filterNames.add(name);
  const up = new Set(nameList(running.output));
  const nets = new Set(nameList(networks.output));
  f.lldpad = q.needVdp && lldpad.code === 0;
  f.capabilities.kvmDevice = kvm.code === 0;
  take(kinds.length).forEach((x, i) => f.capabilities.domains.set(capabilityKey(kinds[i]!), parseDomCapabilities(x.code, x.output)));
  take(emulators.length).forEach((x, i) => f.capabilities.devices.set(emulators[i]!, parseDeviceNames(x.code, x.output)));

  take(groups.length).forEach((x, g) => {
    for (const line of x.output.split('\n')) if (/^\d+$/.test(line) && groups[g]![Number(line)] !== undefined) f.existing.add(groups[g]![Number(line)]!);
  });
  const answers = reads.answers(take(reads.commands.length));
  answers.slice(0, q.filters.length).forEach((x, i) => {
    const name = q.filters[i]!;
    if (x.code === 0 && f.filterNames.has(name)) f.filters.set(name, x.output);
  });
  answers.slice(q.filters.length).forEach((x, i) => {
    const name = q.domains[i]!;
    if (x.code === 0) f.domains.set(name, { xml: x.output, running: up.has(name) });
  });
  take(q.links.length).forEach((x, i) => x.code === 0 && f.links.add(q.links[i]!));
  for (const n of q.networks) if (nets.has(n)) f.networks.add(n);
  return f;
}

function firstLine(s: string): string {
  return s.trim().split('\n')[0] ?? '';
}

export function requireOk(f: HostFacts, host: string): void {
  if (f.problems.length > 0) throw new OvfpipeError('OVFPIPE_REMOTE', `${host}: ${f.problems.join('; ')}`, { where: host });
}
