/**
 * libvirt's built-in filters (src/nwfilter/xml/*.xml, installed by
 * libvirt-daemon-system; the reference copies are in
 * shared/corpus/libvirt/builtin-filters/). A package may reference these
 * without embedding them (PRODUCT.md §3), and render references them rather
 * than redefining them (§6). For each: its chain and the filters it
 * references, so the filterref graph can follow them.
 */
export interface BuiltinFilter {
  name: string;
  /** The `chain` attribute as shipped ('root' when absent). */
  chain: string;
  references: readonly string[];
}

const B = (name: string, chain: string, ...references: string[]): BuiltinFilter => ({ name, chain, references });

export const BUILTIN_FILTERS: readonly BuiltinFilter[] = [
  B('allow-arp', 'arp'),
  B('allow-dhcp', 'ipv4'),
  B('allow-dhcp-server', 'ipv4'),
  B('allow-dhcpv6', 'ipv6'),
  B('allow-dhcpv6-server', 'ipv6'),
  B('allow-incoming-ipv4', 'ipv4'),
  B('allow-incoming-ipv6', 'ipv6'),
  B('allow-ipv4', 'ipv4'),
  B('allow-ipv6', 'ipv6'),
  B('clean-traffic', 'root', 'no-mac-spoofing', 'no-ip-spoofing', 'allow-incoming-ipv4', 'no-arp-spoofing', 'no-other-l2-traffic', 'qemu-announce-self'),
  B('clean-traffic-gateway', 'root', 'no-mac-spoofing', 'no-ip-spoofing', 'no-arp-spoofing', 'no-other-l2-traffic', 'qemu-announce-self-rarp'),
  B('no-arp-ip-spoofing', 'arp-ip'),
  B('no-arp-mac-spoofing', 'arp-mac'),
  B('no-arp-spoofing', 'root', 'no-arp-mac-spoofing', 'no-arp-ip-spoofing'),
  B('no-ip-multicast', 'ipv4'),
  B('no-ip-spoofing', 'ipv4-ip'),
  B('no-ipv6-multicast', 'ipv6'),
  B('no-ipv6-spoofing', 'ipv6-ip'),
  B('no-mac-broadcast', 'ipv4'),
  B('no-mac-spoofing', 'mac'),
  B('no-other-l2-traffic', 'root'),
  B('no-other-rarp-traffic', 'rarp'),
  B('qemu-announce-self', 'root', 'qemu-announce-self-rarp', 'no-other-rarp-traffic'),
  B('qemu-announce-self-rarp', 'rarp'),
];

const BY_NAME: ReadonlyMap<string, BuiltinFilter> = new Map(BUILTIN_FILTERS.map((f) => [f.name, f]));

export const BUILTIN_FILTER_NAMES: readonly string[] = BUILTIN_FILTERS.map((f) => f.name);

export function isBuiltinFilter(name: string): boolean {
  return BY_NAME.has(name);
}

export function builtinFilter(name: string): BuiltinFilter | undefined {
  return BY_NAME.get(name);
}
