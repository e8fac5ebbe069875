/**
 * Generated macro values (PRODUCT.md §4, source 5): deterministic, so that a
 * re-run of the same pipeline produces the same MACs and UUIDs and changes
 * nothing on the hosts.
 *
 * Names (the macro names that resolve to a generated value when no other
 * source sets them):
 * - `mac`         per NIC: `52:54:00:xx:xx:xx`, the low three bytes from
 *                 SHA-256 of the NIC's identity. 52:54:00 is the prefix QEMU
 *                 and libvirt use for guest NICs; its first octet 0x52 has the
 *                 multicast bit (0x01) clear and the locally-administered bit
 *                 (0x02) set (IEEE 802 §8.2), so every generated MAC is a
 *                 unicast, locally administered address.
 * - `vm_uuid`     per VM: UUIDv5(OVFPIPE_UUID_NAMESPACE, "tenant/vm").
 * - `instanceid`  per NIC: UUIDv5(ns, "tenant/vm/nic"), the 802.1Qbg VSI
 *                 instance id (libvirt would otherwise pick a random one at
 *                 every define, netdev_vport_profile_conf.c).
 * - `interfaceid` per NIC: UUIDv5(ns, "tenant/vm/nic#interfaceid"), for
 *                 openvswitch and midonet ports (midonet requires one).
 *
 * Names are joined with '/', each part with '%' and '/' percent-encoded so
 * that ("a/b", "c") and ("a", "b/c") never collide; names without those
 * characters hash exactly as "tenant/vm".
 *
 * Only 24 bits of a MAC are free, so two NICs can collide (about 7% odds
 * among 1,500 NICs). `findMacCollisions` finds them so the pipeline can
 * refuse the run; pin one of the two with a `mac` value in the vars file.
 */
import { createHash } from 'node:crypto';

/**
 * ovfpipe's UUIDv5 namespace: UUIDv5(NameSpace_URL, "https://ovfpipe.dev/ns/generated/1")
 * (RFC 4122 Appendix C), fixed forever: changing it would change every generated id.
 */
export const OVFPIPE_UUID_NAMESPACE = '11870d23-76c3-55b5-9664-727b8d0229ec';

/** RFC 4122 Appendix C name space for URLs. */
export const UUID_NAMESPACE_URL = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';

/** Names the generator can produce; the first three are those of PRODUCT.md §4. */
export const GENERATED_MACRO_NAMES = ['mac', 'vm_uuid', 'instanceid', 'interfaceid'] as const;
export type GeneratedMacroName = (typeof GENERATED_MACRO_NAMES)[number];

export function isGeneratedMacroName(name: string): name is GeneratedMacroName {
  return (GENERATED_MACRO_NAMES as readonly string[]).includes(name);
}

function uuidBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`not a UUID: ${uuid}`);
  return Buffer.from(hex, 'hex');
}

function formatUuid(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * Name-based UUID, version 5 (RFC 4122 §4.3): SHA-1 over the namespace's 16
 * bytes followed by the name in UTF-8; the first 16 bytes of the digest, with
 * the version (0101) in the high nibble of octet 6 and the RFC 4122 variant
 * (10) in the top bits of octet 8. node:crypto only offers random v4 UUIDs.
 */
export function uuidV5(namespace: string, name: string): string {
  const digest = createHash('sha1').update(uuidBytes(namespace)).update(name, 'utf8').digest();
  const b = digest.subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  return formatUuid(b);
}

function encodePart(part: string): string {
  return part.replace(/%/g, '%25').replace(/\//g, '%2F');
}

/** The unambiguous identity string "tenant/vm[/nic]". */
export function identityName(tenant: string, vm: string, nic?: string): string {
  return [tenant, vm, ...(nic === undefined ? [] : [nic])].map(encodePart).join('/');
}

export function generateVmUuid(tenant: string, vm: string): string {
  return uuidV5(OVFPIPE_UUID_NAMESPACE, identityName(tenant, vm));
}

export function generateInstanceId(tenant: string, vm: string, nic: string): string {
  return uuidV5(OVFPIPE_UUID_NAMESPACE, identityName(tenant, vm, nic));
}

export function generateInterfaceId(tenant: string, vm: string, nic: string): string {
  return uuidV5(OVFPIPE_UUID_NAMESPACE, `${identityName(tenant, vm, nic)}#interfaceid`);
}

/** `52:54:00:xx:xx:xx`, the last three octets from SHA-256("mac:" + identity). */
export function generateMac(tenant: string, vm: string, nic: string): string {
  const digest = createHash('sha256')
    .update(`mac:${identityName(tenant, vm, nic)}`, 'utf8')
    .digest();
  const tail = [...digest.subarray(0, 3)].map((b) => b.toString(16).padStart(2, '0'));
  return ['52', '54', '00', ...tail].join(':');
}

export interface GenerationContext {
  tenant: string;
  vm: string;
  nic?: string;
}

export type GeneratedValue = { ok: true; value: string } | { ok: false; reason: string };

/** The generated value of `name` for this tenant/VM/NIC, or why there is none (e.g. a per-NIC value without a NIC). */
export function generateValue(name: GeneratedMacroName, ctx: GenerationContext): GeneratedValue {
  if (name === 'vm_uuid') return { ok: true, value: generateVmUuid(ctx.tenant, ctx.vm) };
  if (ctx.nic === undefined) return { ok: false, reason: `a generated ${name} is per NIC, and this use has no NIC` };
  if (name === 'mac') return { ok: true, value: generateMac(ctx.tenant, ctx.vm, ctx.nic) };
  if (name === 'instanceid') return { ok: true, value: generateInstanceId(ctx.tenant, ctx.vm, ctx.nic) };
  return { ok: true, value: generateInterfaceId(ctx.tenant, ctx.vm, ctx.nic) };
}

export interface NicMac {
  tenant: string;
  vm: string;
  nic: string;
  mac: string;
}

/** Groups of NICs that share a MAC (compared case-insensitively); empty when all are distinct. */
export function findMacCollisions(nics: readonly NicMac[]): NicMac[][] {
  const byMac = new Map<string, NicMac[]>();
  for (const n of nics) {
    const key = n.mac.toLowerCase();
    byMac.set(key, [...(byMac.get(key) ?? []), n]);
  }
  return [...byMac.values()].filter((group) => group.length > 1);
}
