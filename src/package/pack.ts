/**
 * `pack` (PRODUCT.md §9): writes a package as an OVA in DSP0243 §5.3 order
 * (descriptor, manifest, certificate, then the References files in
 * References order), with a fresh manifest (§5.1) and, on request, an
 * ovftool-style signature. Output is reproducible: the same inputs give the
 * same bytes whatever the files' mtimes and owners (see tar-writer.ts).
 *
 * Two streaming passes, memory flat: the manifest precedes the disks in the
 * archive, so the first pass hashes every member and the second writes the
 * archive, hashing again so that a file changed in between fails the pack
 * instead of shipping under a stale digest.
 *
 * References sizes are filled in or checked: a File without ovf:size gets
 * the real size, spliced into the descriptor text so every other byte stays
 * as written; a wrong one is refused unless `fixSizes` (DSP0243 §7.1).
 */
import { createHash } from 'node:crypto';
import { OvfpipeError } from '../diagnostics/errors.js';
import type { Envelope, FileRef } from '../ovf/model.js';
import { parseDescriptor } from '../ovf/parser.js';
import { attrAny, type XmlElement } from '../xml/element.js';
import { decodeXmlBytes, DEFAULT_XML_LIMITS } from '../xml/parse.js';
import { signManifest } from './certificate.js';
import { formatManifestLine, NODE_HASH, type DigestAlgorithm } from './manifest.js';
import { posix } from 'node:path';
import { classifyHref, dirOf, findCompanion, resolveHref } from './names.js';
import { openPackage } from './open.js';
import type { PackageReader } from './reader.js';
import { ensureOutputFree, writeFileAtomically, writeTar, type TarEntry } from './tar-writer.js';
import { hashStream } from './verify.js';

export interface PackOptions {
  /** The OVA to write. */
  output: string;
  /** Manifest digest algorithm (default SHA256). */
  digest?: DigestAlgorithm;
  /** Signs the manifest into a `.cert` (ovftool layout): the private key and its X.509 certificate, both PEM text. */
  sign?: { key: string; certificate: string };
  /** Replace `output` when it exists (default: refuse). */
  force?: boolean;
  /** Write the real size over a wrong ovf:size instead of refusing the package. */
  fixSizes?: boolean;
  /** Modification time of every member, in seconds since the epoch (default 0; the CLI passes SOURCE_DATE_EPOCH). */
  mtime?: number;
  /**
   * Pack References files outside the package's folder (`--allow-outside-refs`):
   * each is stored under its own file name, and its ovf:href rewritten to
   * that name. Without it such a package is refused.
   */
  allowOutsideRefs?: boolean;
}

export interface PackedMember {
  name: string;
  size: number;
  /** Hex digest with the manifest's algorithm. */
  digest: string;
}

/** An ovf:size written into the descriptor. */
export interface SizeChange {
  id: string;
  href: string;
  /** The ovf:size text it replaced; absent when the File had none. */
  previous?: string;
  size: number;
}

export interface PackResult {
  output: string;
  digest: DigestAlgorithm;
  descriptor: string;
  manifest: string;
  certificate?: string;
  /** Archive members in archive order. */
  members: PackedMember[];
  sizes: SizeChange[];
  /** Things left as they were, e.g. external References and sizes of compressed files. */
  notes: string[];
  /** What the user should know before shipping the OVA, e.g. that the input's signature was dropped. */
  warnings: string[];
}

export interface PackProblem {
  code: 'descriptor' | 'missing-file' | 'size-mismatch' | 'bad-href' | 'outside-file' | 'duplicate-member' | 'chunk-layout';
  message: string;
}

/** The package cannot be packed as it is; `problems` lists every reason found. */
export class PackRefusedError extends OvfpipeError {
  constructor(
    input: string,
    readonly problems: PackProblem[],
  ) {
    super('OVFPIPE_PACKAGE', `cannot pack ${input}:${problems.map((p) => `\n  ${p.message}`).join('')}`, { where: input });
    this.name = 'PackRefusedError';
  }
}

interface PlannedMember {
  /** Name in the input package. */
  source: string;
  /** Name in the OVA: relative to the descriptor, as References and the manifest name it. */
  name: string;
  size: number;
}

interface Plan {
  /** Descriptor name in the OVA. */
  descriptor: string;
  /** The descriptor name without `.ovf`: the manifest and certificate are named after it. */
  stem: string;
  descriptorBytes: Buffer;
  members: PlannedMember[];
  /** Sizes to write, with the File each belongs to. */
  sizeEdits: Array<{ ref: FileRef; change: SizeChange }>;
  /** Hrefs to write: an outside file packed under its own name. */
  hrefEdits: Array<{ ref: FileRef; href: string }>;
  notes: string[];
  warnings: string[];
}

/**
 * Packs a package (a directory, a `.ovf` inside one, or any other form
 * `openPackage` reads) into a reproducible OVA.
 *
 * @throws PackRefusedError (`OVFPIPE_PACKAGE`) for a package that cannot be packed: unreadable descriptor, missing or
 *   misplaced References files, a wrong ovf:size.
 * @throws OvfpipeError `OVFPIPE_USAGE` when the output exists and `force` is not set; `OVFPIPE_CERT` for an unusable key
 *   or certificate; `OVFPIPE_IO` when a file cannot be read or written, or changes while it is packed.
 */
export async function packPackage(input: string, options: PackOptions): Promise<PackResult> {
  const algorithm = options.digest ?? 'SHA256';
  await ensureOutputFree(options.output, options.force ?? false);
  // A key that does not match its certificate fails now, not after hashing the disks.
  if (options.sign) signManifest(Buffer.from('probe'), options.sign.key, options.sign.certificate, algorithm, 'probe.mf');
  const reader = await openPackage(input);
  try {
    const plan = await planPack(reader, input, options.fixSizes ?? false, options.allowOutsideRefs ?? false);
    if (!options.sign) signatureDropped(reader, plan);
    const digests = await hashMembers(reader, plan.members, algorithm);
    const files = plan.members.map((m, i) => ({ name: m.name, size: m.size, digest: digests[i]! }));
    const head = companionFiles(plan, files, algorithm, options.sign);
    const entries: TarEntry[] = [
      ...head.map((h) => ({ name: h.name, size: h.size, body: h.bytes })),
      ...plan.members.map((m, i) => ({ name: m.name, size: m.size, body: async () => rehashed(reader, m, algorithm, digests[i]!) })),
    ];
    await writeFileAtomically(options.output, options.force ?? false, (out) => writeTar(out, entries, { mtime: options.mtime ?? 0 }));
    return {
      output: options.output,
      digest: algorithm,
      descriptor: plan.descriptor,
      manifest: head[1]!.name,
      ...(head[2] ? { certificate: head[2].name } : {}),
      members: [...head.map(({ name, size, digest }) => ({ name, size, digest })), ...files],
      sizes: plan.sizeEdits.map((e) => e.change),
      notes: plan.notes,
      warnings: plan.warnings,
    };
  } finally {
    await reader.close();
  }
}

/** The members that precede the files: descriptor, manifest (DSP0243 §5.1, in archive order) and, when signing, the certificate. */
function companionFiles(plan: Plan, files: readonly PackedMember[], algorithm: DigestAlgorithm, sign: PackOptions['sign']): Array<PackedMember & { bytes: Buffer }> {
  const member = (name: string, bytes: Buffer) => ({ name, size: bytes.length, digest: createHash(NODE_HASH[algorithm]).update(bytes).digest('hex'), bytes });
  const descriptor = member(plan.descriptor, plan.descriptorBytes);
  const manifestName = `${plan.stem}.mf`;
  const manifest = member(manifestName, Buffer.from([descriptor, ...files].map((m) => formatManifestLine(algorithm, m.name, m.digest)).join('')));
  if (!sign) return [descriptor, manifest];
  return [descriptor, manifest, member(`${plan.stem}.cert`, Buffer.from(signManifest(manifest.bytes, sign.key, sign.certificate, algorithm, manifestName)))];
}

/** pack writes a new manifest, so a signature the input carried no longer applies: say so unless the OVA is signed anew. */
function signatureDropped(reader: PackageReader, plan: Plan): void {
  const names = reader.list().map((m) => m.name);
  const cert = findCompanion(names, reader.descriptorName, 'cert');
  if (cert !== undefined) plan.warnings.push(`the input is signed (${cert}), but the OVA is not: pack writes a new manifest and drops the old signature; pass --sign and --cert to sign it`);
}

async function planPack(reader: PackageReader, input: string, fixSizes: boolean, allowOutside: boolean): Promise<Plan> {
  const source = reader.descriptorName;
  if (source === undefined) throw new PackRefusedError(input, [{ code: 'descriptor', message: 'package holds no single .ovf descriptor at its top level' }]);
  const bytes = await reader.readSmall(source, DEFAULT_XML_LIMITS.maxBytes);
  const parsed = parseDescriptor(bytes, source);
  if (!parsed.envelope)
    throw new PackRefusedError(
      input,
      parsed.diagnostics.map((d) => ({ code: 'descriptor', message: `${d.file ?? source}:${d.line}:${d.column}: ${d.message}` })),
    );
  const envelope = parsed.envelope;
  const outside = new Map((await reader.admitReferences?.(envelope.references, { allowOutside }))?.map((o) => [o.index, o]));
  // DSP0243 §5.1: the descriptor is `.ovf`; one opened by content under another name gets that extension in the OVA.
  const found = source.slice(dirOf(source).length);
  const descriptor = /\.ovf$/i.test(found) ? found : `${found.replace(/\.[^.]*$/, '')}.ovf`;
  const stem = descriptor.slice(0, -'.ovf'.length);
  const sizes = new Map(reader.list().map((m) => [m.name, m.size]));
  const taken = new Set([descriptor, `${stem}.mf`, `${stem}.cert`]);
  const problems: PackProblem[] = [];
  const plan: Plan = { descriptor, stem, descriptorBytes: bytes, members: [], sizeEdits: [], hrefEdits: [], notes: [], warnings: [] };
  for (const [index, ref] of envelope.references.entries()) {
    const label = `File '${ref.id || ref.href}' (${ref.href})`;
    const target = classifyHref(source, ref.href);
    if (target.kind === 'external') {
      plan.notes.push(`${label} is an external URL; it is not packed`);
      continue;
    }
    const out = outside.get(index);
    if (out && !out.admitted) {
      problems.push({ code: 'outside-file', message: `${label}: the file is outside the package's folder (${out.name}); pass --allow-outside-refs to pack a copy under its own name` });
      continue;
    }
    // An href that climbs out is stored under its own file name, and the href rewritten to it.
    const climbsOut = target.kind === 'outside';
    const members = referencedMembers(ref, source, sizes, label, problems, allowOutside);
    if (members === undefined) continue;
    if (climbsOut) plan.hrefEdits.push({ ref, href: posix.basename(target.name) });
    for (const m of members) {
      const name = climbsOut ? posix.basename(m) : m.slice(dirOf(source).length);
      if (taken.has(name))
        problems.push({ code: 'duplicate-member', message: `${label}: member "${name}" is already in the OVA (referenced twice, or named like the descriptor, manifest or certificate)` });
      taken.add(name);
      plan.members.push({ source: m, name, size: sizes.get(m)! });
    }
    checkSize(
      ref,
      members.reduce((sum, m) => sum + sizes.get(m)!, 0),
      label,
      fixSizes,
      plan,
      problems,
    );
  }
  if (problems.length > 0) throw new PackRefusedError(input, problems);
  plan.descriptorBytes = rewriteSizes(bytes, envelope, plan.sizeEdits, plan.hrefEdits, source);
  return plan;
}

const isCompressed = (ref: FileRef): boolean => ref.compression !== undefined && ref.compression !== '' && ref.compression !== 'identity';

/** The members that store a File (DSP0243 §7.1: one, or chunks `href.000000000`…), or undefined after recording why not. */
function referencedMembers(ref: FileRef, descriptor: string, sizes: ReadonlyMap<string, number>, label: string, problems: PackProblem[], allowOutside: boolean): string[] | undefined {
  const base = ref.href === '' ? undefined : resolveHref(descriptor, ref.href, allowOutside);
  if (base === undefined) {
    problems.push({ code: 'bad-href', message: ref.href === '' ? `${label} has no ovf:href` : `${label}: the href points outside the package` });
    return undefined;
  }
  if (ref.chunkSize === undefined || ref.chunkSize <= 0) {
    if (sizes.has(base)) return [base];
    problems.push({ code: 'missing-file', message: `${label}: "${base}" is not in the package` });
    return undefined;
  }
  const pattern = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.([0-9]{9})$`);
  const present = [...sizes.keys()]
    .map((n) => pattern.exec(n))
    .filter((m) => m !== null)
    .map((m) => Number(m[1]));
  const declared = ref.size !== undefined && !isCompressed(ref) ? Math.ceil(ref.size / ref.chunkSize) : 0;
  const count = Math.max(declared, 1, ...present.map((k) => k + 1));
  const names = Array.from({ length: count }, (_, k) => `${base}.${String(k).padStart(9, '0')}`);
  const missing = names.filter((n) => !sizes.has(n));
  if (missing.length > 0) {
    problems.push({ code: 'missing-file', message: `${label}: chunk${missing.length > 1 ? 's' : ''} ${missing.map((n) => `"${n}"`).join(', ')} not in the package` });
    return undefined;
  }
  names.forEach((n, k) => {
    const size = sizes.get(n)!;
    const last = k === names.length - 1;
    if (last ? size > ref.chunkSize! || size === 0 : size !== ref.chunkSize)
      problems.push({
        code: 'chunk-layout',
        message: `${label}: chunk "${n}" is ${size} bytes; every chunk but the last must be ovf:chunkSize=${ref.chunkSize} bytes, and the last 1 to ${ref.chunkSize}`,
      });
  });
  return names;
}

/** DSP0243 §7.1: ovf:size is the file's size (all chunks together); for a compressed file it is left alone. */
function checkSize(ref: FileRef, actual: number, label: string, fixSizes: boolean, plan: Plan, problems: PackProblem[]): void {
  if (isCompressed(ref)) {
    plan.notes.push(`${label} is compressed (${ref.compression}); its ovf:size is left as written, not checked`);
    return;
  }
  const change: SizeChange = { id: ref.id, href: ref.href, size: actual };
  if (ref.sizeText === undefined) plan.sizeEdits.push({ ref, change });
  else if (ref.size !== actual) {
    if (fixSizes) plan.sizeEdits.push({ ref, change: { ...change, previous: ref.sizeText } });
    else problems.push({ code: 'size-mismatch', message: `${label}: ovf:size="${ref.sizeText}" but the file is ${actual} bytes (--fix-sizes writes the real size)` });
  }
}

/** First pass: one streaming hash per member, in archive order. */
async function hashMembers(reader: PackageReader, members: readonly PlannedMember[], algorithm: DigestAlgorithm): Promise<string[]> {
  const out: string[] = [];
  for (const m of members) {
    const { size, digests } = await hashStream(await reader.open(m.source), new Set([algorithm]));
    if (size !== m.size) throw changedError(m);
    out.push(digests[algorithm]!);
  }
  return out;
}

/** Second pass: the member's bytes for the archive, checked against the first pass's digest as they go by. */
async function* rehashed(reader: PackageReader, m: PlannedMember, algorithm: DigestAlgorithm, expected: string): AsyncGenerator<Buffer> {
  const hash = createHash(NODE_HASH[algorithm]);
  for await (const chunk of await reader.open(m.source)) {
    hash.update(chunk as Buffer);
    yield chunk as Buffer;
  }
  if (hash.digest('hex') !== expected) throw changedError(m);
}

function changedError(m: PlannedMember): OvfpipeError {
  return new OvfpipeError('OVFPIPE_IO', `"${m.source}" changed while it was being packed; nothing was written`, { where: m.source });
}

type TextEncoding = 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be';

function encodingOf(bytes: Buffer): TextEncoding {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 'utf-8-bom' : 'utf-8';
}

function encodeText(text: string, encoding: TextEncoding): Buffer {
  if (encoding === 'utf-8') return Buffer.from(text, 'utf8');
  if (encoding === 'utf-8-bom') return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
  const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  return encoding === 'utf-16le' ? le : le.swap16();
}

/**
 * Writes each size into its File start tag: the value of an existing
 * ovf:size is replaced, or a size attribute (with the prefix the href uses)
 * is inserted right after ovf:href; and each new href over the old one.
 * Nothing else in the text changes.
 */
function rewriteSizes(bytes: Buffer, envelope: Envelope, edits: Plan['sizeEdits'], hrefEdits: Plan['hrefEdits'], file: string): Buffer {
  if (edits.length === 0 && hrefEdits.length === 0) return bytes;
  const decoded = decodeXmlBytes(bytes);
  const encoding = encodingOf(bytes);
  if (!decoded.ok || !encodeText(decoded.text, encoding).equals(bytes))
    throw new OvfpipeError('OVFPIPE_PACKAGE', `${file}: the descriptor's encoding cannot be rewritten byte for byte; write the ovf:size and ovf:href values by hand`, { where: file });
  const files = new Map(
    envelope.root.children
      .filter((s) => s.local === 'References')
      .flatMap((s) => s.children.filter((f) => f.local === 'File'))
      .map((f) => [`${f.line}:${f.column}`, f]),
  );
  const element = (ref: FileRef) => files.get(`${ref.loc.line}:${ref.loc.column}`);
  let text = decoded.text;
  const splices = [...edits.map((e) => sizeSplice(text, element(e.ref), envelope.ns, e.change.size, file)), ...hrefEdits.map((e) => hrefSplice(text, element(e.ref), envelope.ns, e.href, file))].sort(
    (a, b) => b.at - a.at,
  );
  for (const s of splices) text = text.slice(0, s.at) + s.insert + text.slice(s.at + s.remove);
  const out = encodeText(text, encoding);
  const reparsed = parseDescriptor(out, file).envelope;
  const index = new Map(envelope.references.map((r, i) => [r, i]));
  const written = (ref: FileRef) => reparsed?.references[index.get(ref)!];
  if (edits.some((e) => written(e.ref)?.size !== e.change.size) || hrefEdits.some((e) => written(e.ref)?.href !== e.href))
    throw new OvfpipeError('OVFPIPE_INTERNAL', `${file}: writing ovf:size or ovf:href into the descriptor went wrong`, { where: file });
  return out;
}

/** Replaces the value of a File's ovf:href. */
function hrefSplice(text: string, el: XmlElement | undefined, ns: string, href: string, file: string): { at: number; remove: number; insert: string } {
  const attr = el && attrAny(el, 'href', [ns]);
  const target = el && attr ? startTagAttributes(text, el.start).find((s) => s.qname === attr.qname) : undefined;
  if (!target) throw new OvfpipeError('OVFPIPE_INTERNAL', `${file}: cannot locate a References/File start tag`, { where: file });
  const escaped = href.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
  return { at: target.valueStart, remove: target.valueEnd - target.valueStart, insert: escaped };
}

function sizeSplice(text: string, el: XmlElement | undefined, ns: string, size: number, file: string): { at: number; remove: number; insert: string } {
  const href = el && attrAny(el, 'href', [ns]);
  const spans = el ? startTagAttributes(text, el.start) : [];
  const existing = el && attrAny(el, 'size', [ns]);
  const target = spans.find((s) => s.qname === (existing ?? href)?.qname);
  if (!el || !href || !target) throw new OvfpipeError('OVFPIPE_INTERNAL', `${file}: cannot locate a References/File start tag`, { where: file });
  if (existing) return { at: target.valueStart, remove: target.valueEnd - target.valueStart, insert: String(size) };
  const colon = href.qname.indexOf(':');
  return { at: target.valueEnd + 1, remove: 0, insert: ` ${colon === -1 ? '' : href.qname.slice(0, colon + 1)}size="${size}"` };
}

/** Attribute names and value spans (between the quotes) of the start tag at `start`, in source order. */
function startTagAttributes(text: string, start: number): Array<{ qname: string; valueStart: number; valueEnd: number }> {
  const spans: Array<{ qname: string; valueStart: number; valueEnd: number }> = [];
  const space = (i: number): boolean => /\s/.test(text[i] ?? '');
  let i = start + 1;
  while (i < text.length && !/[\s/>]/.test(text[i]!)) i++;
  for (;;) {
    while (space(i)) i++;
    const nameStart = i;
    while (i < text.length && !/[\s=/>]/.test(text[i]!)) i++;
    if (i === nameStart) return spans;
    const qname = text.slice(nameStart, i);
    while (space(i)) i++;
    if (text[i++] !== '=') return spans;
    while (space(i)) i++;
    const quote = text[i];
    const end = quote === '"' || quote === "'" ? text.indexOf(quote, i + 1) : -1;
    if (end === -1) return spans;
    spans.push({ qname, valueStart: i + 1, valueEnd: end });
    i = end + 1;
  }
}
