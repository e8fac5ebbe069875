/**
 * Placement (PRODUCT.md §8): explicit (a VM or deployment names a host or a
 * group) or automatic — only hosts with room for the VM's memory and vCPUs
 * (inventory capacity), and, with a profile catalog, only hosts whose group
 * offers the VM's port profiles; among those, the least loaded (fewest VMs,
 * then most free memory, then name). Deterministic for the same inputs.
 */
export interface PlacementHost {
  name: string;
  group?: string;
  memoryMiB?: number;
  vcpus?: number;
}

export interface PlacementVm {
  key: string;
  memoryMiB: number;
  vcpus: number;
  host?: string;
  group?: string;
  /** Groups that offer every profile this VM needs (undefined: any group). */
  groups?: readonly string[];
}

export interface Placement {
  byVm: Map<string, string>;
  problems: string[];
}

export function placeVms(vms: readonly PlacementVm[], hosts: readonly PlacementHost[]): Placement {
  const load = new Map(hosts.map((h) => [h.name, { vms: 0, memory: 0, vcpus: 0 }]));
  const out: Placement = { byVm: new Map(), problems: [] };
  for (const vm of vms) {
    const candidates = hosts.filter(
      (h) => (vm.host === undefined || h.name === vm.host) && (vm.group === undefined || h.group === vm.group) && (vm.groups === undefined || (h.group !== undefined && vm.groups.includes(h.group))),
    );
    if (vm.host !== undefined && candidates.length === 0) {
      out.problems.push(`${vm.key}: host '${vm.host}' is not in the inventory${vm.group ? ` group '${vm.group}'` : ''}`);
      continue;
    }
    const fitting = candidates.filter((h) => {
      const l = load.get(h.name)!;
      return (h.memoryMiB === undefined || l.memory + vm.memoryMiB <= h.memoryMiB) && (h.vcpus === undefined || l.vcpus + vm.vcpus <= h.vcpus);
    });
    if (fitting.length === 0) {
      out.problems.push(`${vm.key}: no host ${candidates.length ? 'has room for it' : 'matches its placement hints and profiles'} (${vm.memoryMiB} MiB, ${vm.vcpus} vCPU)`);
      continue;
    }
    const free = (h: PlacementHost) => (h.memoryMiB ?? Number.MAX_SAFE_INTEGER) - load.get(h.name)!.memory;
    fitting.sort((a, b) => load.get(a.name)!.vms - load.get(b.name)!.vms || free(b) - free(a) || a.name.localeCompare(b.name));
    const chosen = fitting[0]!;
    const l = load.get(chosen.name)!;
    l.vms++;
    l.memory += vm.memoryMiB;
    l.vcpus += vm.vcpus;
    out.byVm.set(vm.key, chosen.name);
  }
  return out;
}

/** `--shard i/n`: host names (sorted) whose index is i-1 modulo n. Disjoint across shards. */
export function shardHosts(names: readonly string[], shard: { index: number; count: number } | undefined): Set<string> {
  const sorted = [...names].sort();
  return new Set(shard ? sorted.filter((_, i) => i % shard.count === shard.index - 1) : sorted);
}
