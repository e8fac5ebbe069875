/**
 * Recorded host facts: what `gatherFacts` returned from a real libvirtd (via
 * a real sshd), saved as JSON by test/e2e/record-host-facts.test.ts, and the
 * desired state rendered with them. planHost and the step compiler are pure:
 * their tests read these files and need no host.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FactsQuery, HostFacts } from '../../src/deploy/facts.js';
import type { DiskPlanEntry } from '../../src/render/disk-plan.js';
import type { ScopedFilter } from '../../src/render/filters.js';
import type { RenderedVm } from '../../src/render/render-package.js';

export const FIXTURES = join(import.meta.dirname, 'fixtures');

export interface Desired {
  filters: ScopedFilter[];
  vms: RenderedVm[];
  disks: DiskPlanEntry[];
}

/** Sets and Maps as tagged JSON, sorted, so a re-recording diffs cleanly. */
function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Set) return { $set: [...value].sort() };
  if (value instanceof Map) return { $map: [...value.entries()].sort(([a], [b]) => String(a).localeCompare(String(b))) };
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && '$set' in value) return new Set((value as { $set: unknown[] }).$set);
  if (value && typeof value === 'object' && '$map' in value) return new Map((value as { $map: Array<[unknown, unknown]> }).$map);
  return value;
}

export function saveFixture(name: string, data: unknown): void {
  writeFileSync(join(FIXTURES, name), `${JSON.stringify(data, replacer, 2)}\n`);
}

export function loadFacts(name: string): HostFacts {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'), reviver) as HostFacts;
}

export function loadDesired(name: string): Desired {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'), reviver) as Desired;
}

/** The question deploy asks a host about these VMs (deploy.ts factsQuery). */
export function factsQueryFor(desired: Desired, connectUri: string, storageRoot: string, start: boolean): FactsQuery {
  const nics = desired.vms.flatMap((v) => v.nics);
  return {
    connectUri,
    storageRoot,
    domains: desired.vms.map((v) => v.name),
    filters: desired.filters.map((f) => f.name),
    paths: desired.disks.map((d) => d.overlayPath),
    links: [...new Set(nics.filter((n) => n.mode !== 'network').map((n) => n.source))],
    networks: [...new Set(nics.filter((n) => n.mode === 'network').map((n) => n.source))],
    needVdp: start && nics.some((n) => n.virtualport?.type === '802.1Qbg' || n.virtualport?.type === '802.1Qbh'),
  };
}
