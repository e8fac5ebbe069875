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
 * hundreds of VMs costs one exec, not several per VM. What creating or
 * starting VMs asks of the hypervisor is another round trip
 * (gatherHypervisor), which deploy makes only when its plan changes
 * something: a no-op apply spends no hypervisor probe (issue 19).
 */
export async function gatherFacts(t: Transport, q: FactsQuery): Promise<HostFacts> {
  const f = emptyHostFacts(q.storageRoot);
  const virsh = (...args: string[]) => virshCommand(q.connectUri, ...args);
  const commands: BatchCommand[] = [
    { ...virsh('version'), stderr: 'merge' },
    // mkdir before df (df needs the root); exit 3 says mkdir failed. (ls below may run first: then the store was empty.)
    { argv: ['sh', '-c', 'mkdir -p -- "$1/images" "$1/vms" || exit 3; df -P -B1 -- "$1"', 'ovfpipe-storage', q.storageRoot], stderr: 'merge' },
    { argv: ['ls', '-1A', '--', `${q.storageRoot}/images`] },
    LLDPAD_QUERY,
  ];
  const fixed = commands.length;
  // One process per 500 paths (not one each): it prints the index of each one that exists.
  const groups: string[][] = [];
  for (let i = 0; i < q.paths.length; i += 500) groups.push(q.paths.slice(i, i + 500));
  for (const g of groups) commands.push({ argv: ['sh', '-c', 'i=0; for p do if [ -e "$p" ]; then echo "$i"; fi; i=$((i+1)); done', 'ovfpipe-exists', ...g] });
  // The lists, and every filter and domain read, in a few virsh processes (50 queries each, one libvirt connection), not one each.
  const lists = [['nwfilter-list'], ['list', '--state-running', '--name'], ['net-list', '--all', '--name']];
  const reads = virshMulti(q.connectUri, [...lists, ...q.filters.map((name) => ['nwfilter-dumpxml', '--', name]), ...q.domains.map((name) => ['dumpxml', '--inactive', '--', name])]);
  commands.push(...reads.commands);
  for (const l of q.links) commands.push({ argv: ['ip', 'link', 'show', 'dev', l] });
  // Read-only queries that do not depend on each other: up to 8 at once (each virsh call pays its own libvirtd connection).
  const r = await execBatch(t, commands, { timeoutMs: 120_000 + 2_000 * (commands.length - fixed), parallel: 8 });
  const [version, storage, ls, lldpad] = r as [BatchResult, BatchResult, BatchResult, BatchResult];
  let next = fixed;
  const take = (n: number) => r.slice(next, (next += n));

  if (version.code !== 0) f.problems.push(`virsh cannot reach ${q.connectUri}: ${firstLine(version.output) || `exit ${version.code}`}`);
  f.virshVersion = libvirtLibraryVersion(version.output);
  f.libvirtVersion = /Running hypervisor: .*?([\d.]+)/.exec(version.output)?.[1] ?? f.virshVersion;
  if (storage.code === 3) f.problems.push(`cannot create the storage root ${q.storageRoot}: ${firstLine(storage.output)}`);
  if (storage.code === 0) f.freeBytes = dfAvailableBytes(storage.output);
  for (const n of ls.output.split('\n')) if (n) f.images.add(n);
  f.lldpad = q.needVdp && lldpad.code === 0;

  take(groups.length).forEach((x, g) => {
    for (const line of x.output.split('\n')) if (/^\d+$/.test(line) && groups[g]![Number(line)] !== undefined) f.existing.add(groups[g]![Number(line)]!);
  });
  const answers = reads.answers(take(reads.commands.length));
  const [filterList, running, networks] = answers as [BatchResult, BatchResult, BatchResult];
  for (const name of nwfilterNames(filterList.output)) f.filterNames.add(name);
  const up = new Set(nameList(running.output));
  const nets = new Set(nameList(networks.output));
  answers.slice(lists.length, lists.length + q.filters.length).forEach((x, i) => {
    const name = q.filters[i]!;
    if (x.code === 0 && f.filterNames.has(name)) f.filters.set(name, x.output);
  });
  answers.slice(lists.length + q.filters.length).forEach((x, i) => {
    const name = q.domains[i]!;
    if (x.code === 0) f.domains.set(name, { xml: x.output, running: up.has(name) });
  });
  take(q.links.length).forEach((x, i) => x.code === 0 && f.links.add(q.links[i]!));
  for (const n of q.networks) if (nets.has(n)) f.networks.add(n);
  return f;
}

/** What creating or starting VMs asks of the host: qemu-img, /dev/kvm, and libvirt's answer for each kind of domain. */
export interface HypervisorFacts {
  qemuImgVersion?: string;
  capabilities: HostCapabilities;
  problems: string[];
}

function capabilityCommands(connectUri: string, needs: readonly DomainNeeds[]): { commands: BatchCommand[]; read(r: BatchResult[]): HypervisorFacts } {
  const kinds = [...new Map(needs.map((n) => [capabilityKey(n), n])).values()];
  const emulators = [...new Set(kinds.filter((n) => n.nicModels.length > 0).map(emulatorFor))];
  const commands: BatchCommand[] = [
    { argv: ['qemu-img', '--version'], stderr: 'merge' },
    KVM_DEVICE_QUERY,
    ...kinds.map((n) => domcapabilitiesCommand(connectUri, n)),
    ...emulators.map((e) => deviceHelpCommand(e)),
  ];
  return {
    commands,
    read(r) {
      const [qemuImg, kvm] = r as [BatchResult, BatchResult];
      const out: HypervisorFacts = { qemuImgVersion: qemuImgVersion(qemuImg.output), capabilities: { domains: new Map(), devices: new Map(), kvmDevice: kvm.code === 0 }, problems: [] };
      if (qemuImg.code !== 0) out.problems.push('qemu-img is not installed (apt install qemu-utils)');
      kinds.forEach((n, i) => out.capabilities.domains.set(capabilityKey(n), parseDomCapabilities(r[2 + i]!.code, r[2 + i]!.output)));
      emulators.forEach((e, i) => out.capabilities.devices.set(e, parseDeviceNames(r[2 + kinds.length + i]!.code, r[2 + kinds.length + i]!.output)));
      return out;
    },
  };
}

/**
 * The second round trip of deploy's preflight: what the VMs the plan creates,
 * updates or starts need of the hypervisor. A host where every VM is
 * unchanged is never asked (a no-op apply pays no probe).
 */
export async function gatherHypervisor(t: Transport, connectUri: string, needs: readonly DomainNeeds[]): Promise<HypervisorFacts> {
  const probe = capabilityCommands(connectUri, needs);
  // Runs sharing a connection (ovfpipe agent) reuse an answer without problems for HYPERVISOR_MEMO_MS.
  const key = `hypervisor\0${connectUri}\0${JSON.stringify(probe.commands.map((c) => c.argv))}`;
  const kept = t.memo?.get(key);
  if (kept && Date.now() - kept.at < HYPERVISOR_MEMO_MS) return kept.value as HypervisorFacts;
  const h = probe.read(await execBatch(t, probe.commands, { timeoutMs: 120_000 + 2_000 * probe.commands.length, parallel: 8 }));
  const clean = h.problems.length === 0 && [...h.capabilities.domains.values()].every((d) => d.ok);
  if (t.memo && clean) t.memo.set(key, { at: Date.now(), value: h });
  return h;
}

/** How long runs on one kept connection (ovfpipe agent) trust a hypervisor probe without problems. */
export const HYPERVISOR_MEMO_MS = 60_000;

/** Adds a hypervisor probe's answers to a host's facts. */
export function mergeCapabilities(f: HostFacts, h: HypervisorFacts): void {
  f.qemuImgVersion = h.qemuImgVersion;
  f.capabilities = h.capabilities;
  f.problems.push(...h.problems);
}

function firstLine(s: string): string {
  return s.trim().split('\n')[0] ?? '';
}

export function requireOk(f: HostFacts, host: string): void {
  if (f.problems.length > 0) throw new OvfpipeError('OVFPIPE_REMOTE', `${host}: ${f.problems.join('; ')}`, { where: host });
}
