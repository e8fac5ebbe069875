/**
 * Pure checks of how a package is laid out, shared by `verifyPackage` and
 * the package lint rules: which members the References stand for (chunked
 * files), whether the manifest covers exactly the right files, and the OVA
 * member order of DSP0243 §5.3.
 */
import { formatMessage } from '../diagnostics/rule.js';
import type { ManifestEntry } from './manifest.js';
import { dirOf, normaliseMemberName, resolveHref } from './names.js';
import type { MemberInfo } from './reader.js';

/** What verify and the rules need of a References/File (DSP0243 §7.1). */
export interface FileReference {
  href: string;
  size?: number;
  compression?: string;
  chunkSize?: number;
}

export interface ExpandedReference<R extends FileReference = FileReference> {
  ref: R;
  /** Member names that store the file: one, or the chunks `href.000000000`, `href.000000001`… */
  members: string[];
  chunked: boolean;
  /** True when ovf:size can be compared with the member size (neither compressed nor chunked). */
  sizeComparable: boolean;
}

/**
 * Maps each reference to the member names it needs. External URLs (and
 * hrefs that would leave the package, unless `allowOutside`: then they name
 * the files the reader admitted) are left out: they are not members.
 */
export function expandReferences<R extends FileReference>(refs: readonly R[], descriptorName: string, memberNames: ReadonlySet<string>, allowOutside = false): ExpandedReference<R>[] {
  const out: ExpandedReference<R>[] = [];
  for (const ref of refs) {
    const base = resolveHref(descriptorName, ref.href, allowOutside);
    if (base === undefined) continue;
    const chunked = ref.chunkSize !== undefined && ref.chunkSize > 0;
    const compressed = ref.compression !== undefined && ref.compression !== '' && ref.compression !== 'identity';
    out.push({ ref, members: chunked ? chunkNames(base, ref, memberNames) : [base], chunked, sizeComparable: !chunked && !compressed && ref.size !== undefined });
  }
  return out;
}

/** DSP0243 §7.1 (chunkSize): chunk k of a file is stored as `href.` plus k as nine decimal digits. */
function chunkNames(base: string, ref: FileReference, memberNames: ReadonlySet<string>): string[] {
  const pattern = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.[0-9]{9}$`);
  const present = [...memberNames].filter((n) => pattern.test(n)).sort();
  const compressed = ref.compression !== undefined && ref.compression !== '' && ref.compression !== 'identity';
  const expectedCount = ref.size !== undefined && !compressed ? Math.ceil(ref.size / ref.chunkSize!) : present.length || 1;
  const names = new Set(present);
  for (let k = 0; k < Math.max(expectedCount, 1); k++) names.add(`${base}.${String(k).padStart(9, '0')}`);
  return [...names].sort();
}

/**
 * Resolves a manifest entry name to a member name: entries are relative to
 * the manifest's directory. With `allowOutside`, an entry that climbs out
 * (`../disks/a.vmdk`) resolves as its References href does; it names a
 * member only when the reader admitted that file.
 */
export function manifestMemberName(manifestName: string, entryName: string, allowOutside = false): string | undefined {
  try {
    return normaliseMemberName(dirOf(manifestName) + entryName, entryName);
  } catch {
    return allowOutside ? resolveHref(manifestName, entryName, true) : undefined;
  }
}

export interface ManifestCoverage {
  /** Descriptor or referenced members present in the package but not in the manifest. */
  unlisted: string[];
  /** Manifest entries that name no member. */
  unknown: ManifestEntry[];
}

/** DSP0243 §5.1: the manifest lists the descriptor and every file in References, and nothing that is not there. */
export function checkManifestCoverage(entries: readonly ManifestEntry[], manifestName: string, required: readonly string[], memberNames: ReadonlySet<string>, allowOutside = false): ManifestCoverage {
  const listed = new Set<string>();
  const unknown: ManifestEntry[] = [];
  for (const e of entries) {
    const name = manifestMemberName(manifestName, e.name, allowOutside);
    if (name !== undefined && memberNames.has(name)) listed.add(name);
    else unknown.push(e);
  }
  const unlisted = [...new Set(required)].filter((n) => memberNames.has(n) && !listed.has(n));
  return { unlisted, unknown };
}

export interface OrderInput {
  members: readonly MemberInfo[];
  descriptorName: string;
  manifestName?: string;
  certificateName?: string;
  /** Referenced member names in References order (chunks expanded). */
  referenced: readonly string[];
}

/** The messages of the OVA order check, by code (the lint rule ova-member-order uses them as its templates). */
export const OVA_ORDER_MESSAGES = {
  'descriptor-not-first': 'descriptor "{{descriptor}}" is member {{position}}, but it must be the first member (DSP0243 §5.3)',
  'companions-misplaced': '{{companions}} must come right after the descriptor or together at the end of the archive, in that order (DSP0243 §5.3); found at member {{positions}}',
  'references-order': '"{{member}}" comes after "{{after}}" in the archive but before it in References; files must follow References order (DSP0243 §5.3)',
} as const;

export type OrderProblemCode = keyof typeof OVA_ORDER_MESSAGES;

export interface OrderProblem {
  code: OrderProblemCode;
  /** The values of the code's message. */
  data: Record<string, string | number>;
  /** The rendered message. */
  message: string;
  /** The member the problem is about. */
  member: string;
}

/**
 * DSP0243 §5.3 OVA order: the descriptor first; the manifest and
 * certificate either right after it or both at the very end; the referenced
 * files in References order. Returns one entry per problem.
 */
export function checkOvaOrder(input: OrderInput): OrderProblem[] {
  const problems: OrderProblem[] = [];
  const problem = (code: OrderProblemCode, member: string, data: Record<string, string | number>) => problems.push({ code, member, data, message: formatMessage(OVA_ORDER_MESSAGES[code], data) });
  const pos = new Map(input.members.map((m, i) => [m.name, i]));
  const descPos = pos.get(input.descriptorName);
  if (descPos !== undefined && descPos !== 0) problem('descriptor-not-first', input.descriptorName, { descriptor: input.descriptorName, position: descPos + 1 });
  const companions = [input.manifestName, input.certificateName].filter((n): n is string => n !== undefined && pos.has(n));
  if (companions.length > 0) {
    const at = companions.map((n) => pos.get(n)!);
    const head = at.every((p, i) => p === i + 1);
    const tail = at.every((p, i) => p === input.members.length - companions.length + i);
    if (!head && !tail) problem('companions-misplaced', companions[0]!, { companions: companions.map((n) => `"${n}"`).join(' and '), positions: at.map((p) => p + 1).join(', ') });
  }
  const refIndex = new Map(input.referenced.map((n, i) => [n, i]));
  let maxSeen: { name: string; ref: number } | undefined;
  for (const m of input.members) {
    const r = refIndex.get(m.name);
    if (r === undefined) continue;
    if (maxSeen && r < maxSeen.ref) problem('references-order', m.name, { member: m.name, after: maxSeen.name });
    else maxSeen = { name: m.name, ref: r };
  }
  return problems;
}
