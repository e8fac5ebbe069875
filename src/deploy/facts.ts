/**
 * What is on a host, gathered over one Transport (PRODUCT.md §7
 * "Preflight"): tool versions, free space, the images already in the
 * content-addressed store, the networks the profiles need, and the domains
 * and filters that could clash with ours. Only reads.
 */
import { OvfpipeError } from '../errors.js';
import type { Transport } from './transport.js';

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

export async function gatherFacts(t: Transport, q: FactsQuery): Promise<HostFacts> {
  const virsh = (...args: string[]) => t.exec(['virsh', '-c', q.connectUri, ...args], { allowFailure: true });
  const f: HostFacts = { storageRoot: q.storageRoot, images: new Set(), existing: new Set(), domains: new Map(), filterNames: new Set(), filters: new Map(), links: new Set(), networks: new Set(), lldpad: false, problems: [] };
  const v = await virsh('version');
  if (v.code !== 0) f.problems.push(`virsh cannot reach ${q.connectUri}: ${firstLine(v.stderr || v.stdout) || `exit ${v.code}`}`);
  f.virshVersion = /Using library: libvirt ([\d.]+)/.exec(v.stdout)?.[1];
  f.libvirtVersion = /Running hypervisor: .*?([\d.]+)/.exec(v.stdout)?.[1] ?? f.virshVersion;
  const qi = await t.exec(['qemu-img', '--version'], { allowFailure: true });
  if (qi.code !== 0) f.problems.push('qemu-img is not installed (apt install qemu-utils)');
  f.qemuImgVersion = /version ([\d.]+)/.exec(qi.stdout)?.[1];
  const mk = await t.exec(['mkdir', '-p', '--', `${q.storageRoot}/images`, `${q.storageRoot}/vms`], { allowFailure: true });
  if (mk.code !== 0) f.problems.push(`cannot create the storage root ${q.storageRoot}: ${firstLine(mk.stderr)}`);
  const df = await t.exec(['df', '-P', '-B1', '--', q.storageRoot], { allowFailure: true });
  const dfCols = df.stdout.trim().split('\n')[1]?.split(/\s+/);
  if (dfCols?.[3]) f.freeBytes = Number(dfCols[3]);
  const ls = await t.exec(['ls', '-1A', '--', `${q.storageRoot}/images`], { allowFailure: true });
  for (const n of ls.stdout.split('\n')) if (n) f.images.add(n);
  for (const p of q.paths) if ((await t.exec(['test', '-e', p], { allowFailure: true })).code === 0) f.existing.add(p);
  const names = await virsh('nwfilter-list');
  for (const line of names.stdout.split('\n').slice(2)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length >= 2) f.filterNames.add(cols[1]!);
  }
  for (const name of q.filters) if (f.filterNames.has(name)) f.filters.set(name, (await virsh('nwfilter-dumpxml', name)).stdout);
  for (const name of q.domains) {
    const x = await virsh('dumpxml', '--inactive', '--', name);
    if (x.code !== 0) continue;
    const st = await virsh('domstate', '--', name);
    f.domains.set(name, { xml: x.stdout, running: st.stdout.trim() === 'running' });
  }
  for (const l of q.links) if ((await t.exec(['ip', 'link', 'show', 'dev', l], { allowFailure: true })).code === 0) f.links.add(l);
  for (const n of q.networks) if ((await virsh('net-info', '--', n)).code === 0) f.networks.add(n);
  if (q.needVdp) f.lldpad = (await t.exec(['sh', '-c', 'command -v lldpad || command -v lldptool'], { allowFailure: true })).code === 0;
  return f;
}

function firstLine(s: string): string {
  return s.trim().split('\n')[0] ?? '';
}

export function requireOk(f: HostFacts, host: string): void {
  if (f.problems.length > 0) throw new OvfpipeError('OVFPIPE_REMOTE', `${host}: ${f.problems.join('; ')}`, { where: host });
}
