/**
 * How a defined filter is recognised on a host: its `<uuid>`, its content
 * compared through libvirt's own formatting, and the `virsh nwfilter-list`
 * table. One place for each, used by deploy's plan, destroy and netsec sync.
 */
import { parseXml } from '../../xml/parse.js';
import { normalizeFilter } from './normalize.js';

/** The `<uuid>` of a filter document. */
export function filterUuid(xml: string): string | undefined {
  const r = parseXml(xml);
  if (!r.ok) return undefined;
  return (
    r.root.children
      .find((c) => c.local === 'uuid')
      ?.text.trim()
      .toLowerCase() || undefined
  );
}

/** Both sides through libvirt's own formatting (normalize.ts), so layout differences vanish. */
export function sameFilter(a: string, b: string): boolean {
  const norm = (x: string) => {
    const r = parseXml(x);
    if (!r.ok) return x;
    const n = normalizeFilter(r.root, { uuid: () => '' });
    return n.ok ? n.xml : x;
  };
  return norm(a) === norm(b);
}

/** `virsh nwfilter-list` rows: ` UUID   Name`. */
export function parseFilterList(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\s+(\S+)\s*$/.exec(line);
    if (m) out.set(m[2]!, m[1]!.toLowerCase());
  }
  return out;
}
