/**
 * Opens a package and parses its descriptor: the common first step of lint,
 * inspect, verify, netsec, spec, render and deploy. One place for "open the
 * package, read the descriptor with a size limit, parse it".
 */
import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { OvfpipeError } from '../diagnostics/errors.js';
import type { Envelope } from '../ovf/model.js';
import { parseDescriptor } from '../ovf/parser.js';
import { DEFAULT_XML_LIMITS, decodeXmlBytes } from '../xml/parse.js';
import type { FileRef } from '../ovf/model.js';
import { classifyHref } from './names.js';
import { openPackage } from './open.js';
import type { OutsideReference, PackageReader } from './reader.js';

export const MAX_DESCRIPTOR_BYTES = 32 * 1024 * 1024;

export interface ReadDescriptorOptions {
  /** Largest descriptor accepted (default 32 MiB). */
  maxBytes?: number;
  /** The file name diagnostics carry (default: the descriptor's member name). */
  file?: (descriptorName: string, reader: PackageReader) => string;
  /** The path as the user gave it, for the "no descriptor" diagnostic (default: the reader's path). */
  path?: string;
  /** Read References files outside the package's folder (`--allow-outside-refs`); default: never. */
  allowOutsideRefs?: boolean;
}

export interface DescriptorRead {
  /** Undefined when the package holds no single `.ovf` (then `diagnostics` says so). */
  descriptorName?: string;
  bytes?: Buffer;
  /** Present when the descriptor parsed as an OVF envelope. */
  envelope?: Envelope;
  /** Why there is no envelope (no descriptor, XML or envelope problems). */
  diagnostics: Diagnostic[];
  /** References files outside the package's folder (admitted as members only with `allowOutsideRefs`). */
  outside: OutsideReference[];
}

/**
 * Reads and parses the descriptor of an open package. Problems in the
 * package are diagnostics; a member that cannot be read (limit, corrupt
 * archive) is thrown as OvfpipeError.
 */
export async function readDescriptor(reader: PackageReader, options: ReadDescriptorOptions = {}): Promise<DescriptorRead> {
  const name = reader.descriptorName;
  if (name === undefined) return { diagnostics: [diagnostic('package-readable', 'error', 'package holds no single .ovf descriptor', { file: options.path ?? reader.path })], outside: [] };
  const maxBytes = options.maxBytes ?? MAX_DESCRIPTOR_BYTES;
  const bytes = await reader.readSmall(name, maxBytes);
  const parsed = parseDescriptor(bytes, options.file?.(name, reader) ?? name, { ...DEFAULT_XML_LIMITS, maxBytes });
  const outside = parsed.envelope ? await admitReferences(reader, name, parsed.envelope.references, options.allowOutsideRefs ?? false) : [];
  return { descriptorName: name, bytes, ...parsed, outside };
}

/** Directory forms admit the References files (and say which are outside); in an archive an outside name is simply not a member. */
async function admitReferences(reader: PackageReader, descriptorName: string, refs: readonly FileRef[], allowOutside: boolean): Promise<OutsideReference[]> {
  if (reader.admitReferences) return reader.admitReferences(refs, { allowOutside });
  const out: OutsideReference[] = [];
  refs.forEach((f, index) => {
    const target = classifyHref(descriptorName, f.href);
    if (target.kind === 'outside') out.push({ index, href: f.href, name: target.name, reason: 'archive', admitted: false });
  });
  return out;
}

/**
 * One located error per References file outside the package that was not
 * admitted: verify, render, deploy and pack refuse to go on without
 * `--allow-outside-refs` (and an archive can never hold such a file).
 */
export function outsideReferenceDiagnostics(outside: readonly OutsideReference[], envelope: Envelope | undefined, file: string): Diagnostic[] {
  return outside
    .filter((o) => !o.admitted)
    .map((o) => {
      const ref = envelope?.references[o.index];
      const id = ref?.id || o.href;
      const why =
        o.reason === 'archive'
          ? 'which no member of an OVA or zip can be'
          : `${o.reason === 'symlink' ? 'through a symbolic link ' : ''}outside the package's folder; pass --allow-outside-refs to read it`;
      const message = `File '${id}' href '${o.href}' points to ${o.name}, ${why}`;
      const finding = { messageId: o.reason === 'archive' ? 'outsideArchive' : 'outsideFolder', data: { id, href: o.href, name: o.name, reason: o.reason } };
      return diagnostic('reference-outside', 'error', message, { file, line: ref?.loc.line, column: ref?.loc.column }, `References/File[${id}]`, finding);
    });
}

/** An open package (the caller closes `reader`) and its parsed descriptor. */
export interface OpenedDescriptor extends DescriptorRead {
  reader: PackageReader;
}

/**
 * Opens the package at `path` and reads its descriptor. Throws what
 * openPackage throws; the reader is closed when reading the descriptor
 * throws, else the caller closes it.
 */
export async function openDescriptor(path: string, options: ReadDescriptorOptions = {}): Promise<OpenedDescriptor> {
  const reader = await openPackage(path);
  try {
    return { reader, ...(await readDescriptor(reader, { path, ...options })) };
  } catch (e) {
    await reader.close();
    throw e;
  }
}

export interface LoadedDescriptor {
  reader: PackageReader;
  descriptorName: string;
  text: string;
  envelope: Envelope;
}

export interface LoadDescriptorOptions {
  /**
   * What to do with References files outside the package's folder:
   * `refuse` (default: a DescriptorError naming each, for commands that read
   * the files: render, deploy), `allow` (`--allow-outside-refs`: they are
   * members), `ignore` (commands that read only the descriptor: spec, netsec).
   */
  outsideRefs?: 'refuse' | 'allow' | 'ignore';
}

/** Throws OvfpipeError(OVFPIPE_PACKAGE) with the parse diagnostics when the descriptor is unusable. The caller closes the reader. */
export async function loadDescriptor(path: string, options: LoadDescriptorOptions = {}): Promise<LoadedDescriptor> {
  const mode = options.outsideRefs ?? 'refuse';
  const opened = await openDescriptor(path, { allowOutsideRefs: mode === 'allow' });
  const { reader, descriptorName, bytes, envelope } = opened;
  try {
    if (descriptorName === undefined || bytes === undefined) throw new OvfpipeError('OVFPIPE_PACKAGE', `${path}: package holds no single .ovf descriptor`, { where: path });
    const decoded = decodeXmlBytes(bytes);
    if (!envelope || !decoded.ok) throw new DescriptorError(path, opened.diagnostics);
    const outside = mode === 'ignore' ? [] : outsideReferenceDiagnostics(opened.outside, envelope, descriptorName);
    if (outside.length > 0) throw new DescriptorError(path, outside);
    const text = decoded.text.charCodeAt(0) === 0xfeff ? decoded.text.slice(1) : decoded.text;
    return { reader, descriptorName, text, envelope };
  } catch (e) {
    await reader.close();
    throw e;
  }
}

export class DescriptorError extends OvfpipeError {
  constructor(
    path: string,
    readonly diagnostics: Diagnostic[],
  ) {
    const first = diagnostics[0] ?? diagnostic('ovf-envelope', 'error', 'unreadable descriptor');
    super('OVFPIPE_PACKAGE', `${path}: ${first.file ?? ''}${first.line ? `:${first.line}:${first.column}` : ''} ${first.message}`.replace(': ', ': ').trim(), { where: path });
  }
}
