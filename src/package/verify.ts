/**
 * `verify`: one streaming pass over every member computes each digest the
 * manifest asks for (and SHA-256 always), then sizes, manifest coverage,
 * OVA order (DSP0243 §5.3) and the signature (§5.1) are checked. Memory
 * stays flat: members are streamed in 1 MiB chunks straight into
 * node:crypto hashes, never buffered. A tar OVA is read in archive order, so
 * the disk reads sequentially; a gzip OVA is decompressed once.
 *
 * The manifest is `<stem>.mf` and the certificate `<stem>.cert`, named
 * after the descriptor (DSP0243 §5.1). Any other `.mf` (virt-v2v writes one
 * per disk) is an ordinary member, but the digests it gives for members are
 * checked too.
 *
 * Problems carry these rule ids: manifest-format, manifest-complete,
 * manifest-digest, reference-file-present, member-size, ova-member-order,
 * certificate-signature, certificate-trust, package-descriptor, member-read.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { diagnostic, hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import { OvfpipeError } from '../diagnostics/errors.js';
import { verifyManifestSignature, type CertificateReport, type TrustOptions } from './certificate.js';
import { checkManifestCoverage, checkOvaOrder, expandReferences, manifestMemberName, type FileReference } from './layout.js';
import { NODE_HASH, parseManifest, type DigestAlgorithm, type ManifestEntry } from './manifest.js';
import { extensionOf, findCompanion } from './names.js';
import { readRange } from './file-range-stream.js';
import type { MemberInfo, MemberRange, PackageKind, PackageReader } from './reader.js';

export type FileStatus = 'ok' | 'mismatch' | 'missing' | 'size-mismatch' | 'unlisted';

/** One file of the package: the descriptor, a References file (or chunk), or a manifest entry. */
export interface VerifiedFile {
  name: string;
  /** Bytes actually read; absent when the member is missing. */
  size?: number;
  /** ovf:size from References, when it applies to this member. */
  expectedSize?: number;
  /** Hex digests computed, by algorithm (SHA256 always). */
  digests: Partial<Record<DigestAlgorithm, string>>;
  manifestDigest?: { algorithm: DigestAlgorithm; digest: string };
  status: FileStatus;
}

export interface VerifyReport {
  ok: boolean;
  kind: PackageKind;
  descriptor: string | undefined;
  files: VerifiedFile[];
  manifest: { name?: string; entries: number; unlisted: string[]; unknown: string[]; problems: Diagnostic[] };
  signature?: Omit<CertificateReport, 'problems'>;
  order: { ok: boolean; problems: string[] };
  problems: Diagnostic[];
}

export interface VerifyOptions {
  /** Largest manifest or certificate read into memory (default 1 MiB). */
  maxSmallBytes?: number;
  /** Clock for the certificate validity window. */
  now?: Date;
  /** The descriptor to verify, when the reader could not pick one (several `.ovf` at the top). */
  descriptorName?: string;
  /** References files outside the package's folder were admitted (`--allow-outside-refs`): check them as members. */
  allowOutside?: boolean;
  /** Trust anchors and pinned fingerprints for the signer; with either, an untrusted signer (or no signature) is an error. */
  trust?: TrustOptions;
}

interface Context {
  reader: PackageReader;
  problems: Diagnostic[];
  manifestName?: string;
  certificateName?: string;
  manifestBytes?: Buffer;
  /** Manifest entries by the member name they resolve to. */
  entries: Map<string, ManifestEntry>;
  /** Every parsed entry, including names that resolve to no member (for coverage). */
  allEntries: ManifestEntry[];
  /** Entries of the other `.mf` members, by the member they name. */
  otherEntries: Map<string, Array<{ manifest: string; entry: ManifestEntry }>>;
  allowOutside: boolean;
}

/** Verifies a package against its manifest, References and certificate. Package problems are returned, not thrown. */
export async function verifyPackage(reader: PackageReader, refs: readonly FileReference[], options: VerifyOptions = {}): Promise<VerifyReport> {
  const maxSmall = options.maxSmallBytes ?? 1 << 20;
  const names = new Set(reader.list().map((m) => m.name));
  const descriptor = options.descriptorName ?? reader.descriptorName;
  const ctx: Context = {
    reader,
    problems: [],
    manifestName: findCompanion([...names], descriptor, 'mf'),
    certificateName: findCompanion([...names], descriptor, 'cert'),
    entries: new Map(),
    allEntries: [],
    otherEntries: new Map(),
    allowOutside: options.allowOutside ?? false,
  };
  if (descriptor === undefined) ctx.problems.push(diagnostic('package-descriptor', 'error', 'package has no single .ovf descriptor at its top level'));
  const manifestProblems = await loadManifest(ctx, maxSmall);
  await loadOtherManifests(ctx, maxSmall);
  const expanded = descriptor === undefined ? [] : expandReferences(refs, descriptor, names, ctx.allowOutside);
  const referenced = expanded.flatMap((e) => e.members);
  const expectedSize = new Map(expanded.filter((e) => e.sizeComparable).map((e) => [e.members[0]!, e.ref.size!]));
  // Only the package's own files are read: members nothing names (say, the rest of a
  // Downloads folder around a bare descriptor) are left to the unreferenced-member rule.
  const wanted = new Set([...(descriptor ? [descriptor] : []), ...referenced, ...ctx.entries.keys(), ...ctx.otherEntries.keys()]);
  const hashed = await hashMembers(ctx, wanted);
  const files = buildFiles(ctx, hashed, expectedSize);
  for (const e of expanded)
    for (const m of e.members) if (!names.has(m)) ctx.problems.push(diagnostic('reference-file-present', 'error', `"${m}" is in References (${e.ref.href}) but not in the package`, {}, m));
  const coverage = ctx.manifestName
    ? checkManifestCoverage(ctx.allEntries, ctx.manifestName, descriptor ? [descriptor, ...referenced] : referenced, names, ctx.allowOutside)
    : { unlisted: [], unknown: [] };
  reportCoverage(ctx, coverage.unlisted, coverage.unknown);
  const order = checkOrder(ctx, descriptor, referenced);
  const signature = await checkSignature(ctx, maxSmall, options.now, options.trust);
  return {
    ok: !hasErrors(ctx.problems),
    kind: reader.kind,
    descriptor,
    files,
    manifest: {
      name: ctx.manifestName,
      entries: ctx.allEntries.length,
      unlisted: coverage.unlisted,
      unknown: coverage.unknown.map((e) => e.name),
      problems: manifestProblems,
    },
    ...(signature ? { signature } : {}),
    order,
    problems: ctx.problems,
  };
}

async function loadManifest(ctx: Context, maxSmall: number): Promise<Diagnostic[]> {
  if (!ctx.manifestName) {
    ctx.problems.push(diagnostic('manifest-complete', 'warning', 'package has no manifest (.mf); digests cannot be checked'));
    return [];
  }
  const file = ctx.manifestName;
  try {
    ctx.manifestBytes = await ctx.reader.readSmall(file, maxSmall);
  } catch (e) {
    const d = diagnostic('manifest-format', 'error', `cannot read manifest: ${(e as Error).message}`, { file });
    ctx.problems.push(d);
    return [d];
  }
  const parsed = parseManifest(ctx.manifestBytes.toString('utf8'));
  const diags = parsed.problems.map((p) => diagnostic('manifest-format', p.severity, p.message, { file, line: p.line }, '', p));
  ctx.problems.push(...diags);
  ctx.allEntries = parsed.entries;
  for (const e of parsed.entries) {
    const member = manifestMemberName(file, e.name, ctx.allowOutside);
    if (member !== undefined) ctx.entries.set(member, e);
  }
  return diags;
}

/**
 * The other `.mf` members are not the package manifest; their lines that
 * name members are checked all the same. Lines that do not parse, or name
 * nothing in the package, are not this package's business.
 */
async function loadOtherManifests(ctx: Context, maxSmall: number): Promise<void> {
  for (const m of ctx.reader.list()) {
    if (m.name === ctx.manifestName || extensionOf(m.name) !== 'mf' || m.size > maxSmall) continue;
    let text: string;
    try {
      text = (await ctx.reader.readSmall(m.name, maxSmall)).toString('utf8');
    } catch {
      continue;
    }
    for (const entry of parseManifest(text).entries) {
      const member = manifestMemberName(m.name, entry.name);
      if (member === undefined || !ctx.reader.has(member)) continue;
      const list = ctx.otherEntries.get(member) ?? [];
      list.push({ manifest: m.name, entry });
      ctx.otherEntries.set(member, list);
    }
  }
}

/** Every digest the manifests ask of a member, and SHA-256 always. */
function algorithmsFor(ctx: Context, name: string): Set<DigestAlgorithm> {
  const out = new Set<DigestAlgorithm>(['SHA256']);
  const entry = ctx.entries.get(name);
  if (entry) out.add(entry.algorithm);
  for (const o of ctx.otherEntries.get(name) ?? []) out.add(o.entry.algorithm);
  return out;
}

interface Hashed {
  member: MemberInfo;
  size: number;
  digests: Partial<Record<DigestAlgorithm, string>>;
}

/** One pass in container order over the wanted members (the manifest and certificate were read already). */
async function hashMembers(ctx: Context, wanted: ReadonlySet<string>): Promise<Hashed[]> {
  const skip = (name: string): boolean => !wanted.has(name) || name === ctx.manifestName || name === ctx.certificateName;
  const out: Hashed[] = [];
  const visit = async (member: MemberInfo, data: Readable): Promise<void> => {
    if (skip(member.name)) return void (await drain(data));
    try {
      out.push({ member, ...(await hashStream(data, algorithmsFor(ctx, member.name))) });
    } catch (e) {
      failed(e, member.name);
    }
  };
  const failed = (e: unknown, where: string | undefined): void => {
    if (!(e instanceof OvfpipeError)) throw e;
    ctx.problems.push(diagnostic('member-read', 'error', e.message, { file: e.where ?? where }, e.where ?? where ?? ''));
  };
  if (ctx.reader.walk && ctx.reader.kind === 'ova-gzip') {
    // One decompression pass; a corrupt stream ends the walk, since nothing after it can be read.
    await ctx.reader.walk(visit).catch((e: unknown) => failed(e, undefined));
    return out;
  }
  for (const m of ctx.reader.list()) {
    if (skip(m.name)) continue;
    if (ctx.reader.openRange && m.size > 0) {
      // A stored member (tar, directory): read by range, no stream (readRange).
      try {
        out.push({ member: m, ...(await hashRange(await ctx.reader.openRange(m.name), m.name, algorithmsFor(ctx, m.name))) });
      } catch (e) {
        failed(e, m.name);
      }
      continue;
    }
    let data: Readable;
    try {
      data = await ctx.reader.open(m.name);
    } catch (e) {
      failed(e, m.name);
      continue;
    }
    await visit(m, data);
  }
  return out;
}

/** Streams a member once through every requested hash. */
export async function hashStream(data: Readable, algorithms: ReadonlySet<DigestAlgorithm>): Promise<{ size: number; digests: Partial<Record<DigestAlgorithm, string>> }> {
  const hashes = [...algorithms].map((a) => [a, createHash(NODE_HASH[a])] as const);
  let size = 0;
  for await (const chunk of data) {
    size += (chunk as Buffer).length;
    for (const [, h] of hashes) h.update(chunk as Buffer);
  }
  const digests: Partial<Record<DigestAlgorithm, string>> = {};
  for (const [a, h] of hashes) digests[a] = h.digest('hex');
  return { size, digests };
}

/** hashStream for a member read by range (one pass, reused buffers, reads overlapping the hashing). */
async function hashRange(range: MemberRange, where: string, algorithms: ReadonlySet<DigestAlgorithm>): Promise<{ size: number; digests: Partial<Record<DigestAlgorithm, string>> }> {
  const hashes = [...algorithms].map((a) => [a, createHash(NODE_HASH[a])] as const);
  const size = await readRange(range, where, (chunk) => {
    for (const [, h] of hashes) h.update(chunk);
  });
  const digests: Partial<Record<DigestAlgorithm, string>> = {};
  for (const [a, h] of hashes) digests[a] = h.digest('hex');
  return { size, digests };
}

async function drain(data: Readable): Promise<void> {
  for await (const _ of data) {
    // discard
  }
}

function buildFiles(ctx: Context, hashed: readonly Hashed[], expectedSize: Map<string, number>): VerifiedFile[] {
  const files: VerifiedFile[] = [];
  for (const h of hashed) {
    const name = h.member.name;
    const entry = ctx.entries.get(name);
    const file: VerifiedFile = { name, size: h.size, digests: h.digests, status: 'ok' };
    if (expectedSize.has(name)) file.expectedSize = expectedSize.get(name);
    if (entry) file.manifestDigest = { algorithm: entry.algorithm, digest: entry.digest };
    file.status = statusOf(ctx, file, h, entry);
    files.push(file);
  }
  for (const [name, entry] of ctx.entries) if (!ctx.reader.has(name)) files.push({ name, digests: {}, manifestDigest: { algorithm: entry.algorithm, digest: entry.digest }, status: 'missing' });
  return files;
}

function statusOf(ctx: Context, file: VerifiedFile, h: Hashed, entry: ManifestEntry | undefined): FileStatus {
  const at = { file: file.name };
  let status: FileStatus = 'ok';
  if (h.size !== h.member.size) {
    ctx.problems.push(diagnostic('member-size', 'error', `"${file.name}": the container declares ${h.member.size} bytes but ${h.size} were read`, at, file.name));
    status = 'size-mismatch';
  }
  if (file.expectedSize !== undefined && file.expectedSize !== h.size) {
    ctx.problems.push(diagnostic('member-size', 'error', `"${file.name}" is ${h.size} bytes but References says ovf:size="${file.expectedSize}"`, at, file.name));
    status = 'size-mismatch';
  }
  for (const { manifest, entry: other } of ctx.otherEntries.get(file.name) ?? [])
    if (h.digests[other.algorithm] !== other.digest) {
      ctx.problems.push(
        diagnostic(
          'manifest-digest',
          'error',
          `${other.algorithm} of "${file.name}" is ${h.digests[other.algorithm]}, ${manifest} says ${other.digest}`,
          { file: manifest, line: other.line },
          file.name,
        ),
      );
      status = 'mismatch';
    }
  if (entry && h.digests[entry.algorithm] !== entry.digest) {
    const where = ctx.manifestName ? { file: ctx.manifestName, line: entry.line } : at;
    ctx.problems.push(diagnostic('manifest-digest', 'error', `${entry.algorithm} of "${file.name}" is ${h.digests[entry.algorithm]}, manifest says ${entry.digest}`, where, file.name));
    return 'mismatch';
  }
  if (status !== 'ok') return status;
  // Whether an unlisted member is an error (descriptor, References files) is decided in reportCoverage.
  return entry ? 'ok' : 'unlisted';
}

function reportCoverage(ctx: Context, unlisted: readonly string[], unknown: readonly ManifestEntry[]): void {
  const file = ctx.manifestName;
  for (const n of unlisted) ctx.problems.push(diagnostic('manifest-complete', 'error', `"${n}" is not listed in the manifest`, { file }, n));
  for (const e of unknown) ctx.problems.push(diagnostic('manifest-complete', 'error', `manifest lists "${e.name}", which is not in the package`, { file, line: e.line }, e.name));
}

function checkOrder(ctx: Context, descriptor: string | undefined, referenced: readonly string[]): VerifyReport['order'] {
  if ((ctx.reader.kind !== 'ova' && ctx.reader.kind !== 'ova-gzip') || descriptor === undefined) return { ok: true, problems: [] };
  const problems = checkOvaOrder({ members: ctx.reader.list(), descriptorName: descriptor, manifestName: ctx.manifestName, certificateName: ctx.certificateName, referenced });
  // Descriptor-first is what lets an importer stream an OVA; the rest is conformance only.
  for (const p of problems) ctx.problems.push(diagnostic('ova-member-order', p.code === 'descriptor-not-first' ? 'error' : 'warning', p.message, { file: p.member }, p.member));
  return { ok: problems.length === 0, problems: problems.map((p) => p.message) };
}

async function checkSignature(ctx: Context, maxSmall: number, now: Date | undefined, trust: TrustOptions | undefined): Promise<VerifyReport['signature']> {
  const trustAsked = (trust?.anchors?.length ?? 0) > 0 || (trust?.pins?.length ?? 0) > 0;
  if (!ctx.certificateName) {
    if (trustAsked) ctx.problems.push(diagnostic('certificate-trust', 'error', 'package is not signed (no certificate), but --trust or --signer asks for a trusted signer'));
    return undefined;
  }
  const file = ctx.certificateName;
  if (!ctx.manifestBytes) {
    ctx.problems.push(diagnostic('certificate-signature', 'error', 'package has a certificate but no readable manifest to check it against', { file }));
    return undefined;
  }
  let text: string;
  try {
    text = (await ctx.reader.readSmall(file, maxSmall)).toString('utf8');
  } catch (e) {
    ctx.problems.push(diagnostic('certificate-signature', 'error', `cannot read certificate: ${(e as Error).message}`, { file }));
    return undefined;
  }
  const baseName = ctx.manifestName!.slice(ctx.manifestName!.lastIndexOf('/') + 1);
  const { problems, ...report } = verifyManifestSignature(text, ctx.manifestBytes, { manifestName: baseName, now, trust });
  if (!report.valid) ctx.problems.push(diagnostic('certificate-signature', 'error', `signature is not valid: ${problems.join('; ')}`, { file }));
  else for (const p of problems) ctx.problems.push(diagnostic('certificate-signature', 'warning', p, { file }));
  if (report.trust?.status === 'untrusted') ctx.problems.push(diagnostic('certificate-trust', 'error', report.trust.message, { file }));
  return report;
}
