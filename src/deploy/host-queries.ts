/**
 * The read-only questions deploy, destroy and `hosts probe` ask a host, as
 * batch commands (batch.ts), and the parsers of their answers: one place for
 * each, so facts and probe cannot drift apart.
 */
import { parseFilterList } from '../netsec/nwfilter/identity.js';
import type { BatchCommand } from './batch.js';

export const virshCommand = (uri: string, ...args: string[]): BatchCommand => ({ argv: ['virsh', '-c', uri, ...args] });

/** Exit 0 when the VDP daemon (or its client) is installed. */
export const LLDPAD_QUERY: BatchCommand = { argv: ['sh', '-c', 'command -v lldpad || command -v lldptool'] };

/** `virsh version`: the libvirt library version. */
export const libvirtLibraryVersion = (out: string): string | undefined => /Using library: libvirt ([\d.]+)/.exec(out)?.[1];

/** `qemu-img --version`. */
export const qemuImgVersion = (out: string): string | undefined => /version ([\d.]+)/.exec(out)?.[1];

/** `virsh nwfilter-list`: the filter names (the one parser of that table is netsec/nwfilter/identity.ts). */
export function nwfilterNames(out: string): string[] {
  return [...parseFilterList(out).keys()];
}

/** `virsh … --name` lists: one name per line. */
export const nameList = (out: string): string[] =>
  out
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);

/** `df -P -B1` (possibly after other output): the available bytes of the filesystem row. */
export function dfAvailableBytes(out: string): number | undefined {
  const free = /^Filesystem.*\n(.*)/m.exec(out)?.[1]?.split(/\s+/)[3];
  return free ? Number(free) : undefined;
}
