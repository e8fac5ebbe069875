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
import { openPackage } from './open.js';
import type { PackageReader } from './reader.js';

export const MAX_DESCRIPTOR_BYTES = 32 * 1024 * 1024;

export interface ReadDescriptorOptions {
  /** Largest descriptor accepted (default 32 MiB). */
  maxBytes?: number;
  /** The file name diagnostics carry (default: the descriptor's member name). */
  file?: (descriptorName: string, reader: PackageReader) => string;
  /** The path as the user gave it, for the "no descriptor" diagnostic (default: the reader's path). */
  path?: string;
}

export interface DescriptorRead {
  /** Undefined when the package holds no single `.ovf` (then `diagnostics` says so). */
  descriptorName?: string;
  bytes?: Buffer;
  /** Present when the descriptor parsed as an OVF envelope. */
  envelope?: Envelope;
  /** Why there is no envelope (no descriptor, XML or envelope problems). */
  diagnostics: Diagnostic[];
}

/**
 * Reads and parses the descriptor of an open package. Problems in the
 * package are diagnostics; a member that cannot be read (limit, corrupt
 * archive) is thrown as OvfpipeError.
 */
export async function readDescriptor(reader: PackageReader, options: ReadDescriptorOptions = {}): Promise<DescriptorRead> {
  const name = reader.descriptorName;
  if (name === undefined) return { diagnostics: [diagnostic('package-readable', 'error', 'package holds no single .ovf descriptor', { file: options.path ?? reader.path })] };
  const maxBytes = options.maxBytes ?? MAX_DESCRIPTOR_BYTES;
  const bytes = await reader.readSmall(name, maxBytes);
  const parsed = parseDescriptor(bytes, options.file?.(name, reader) ?? name, { ...DEFAULT_XML_LIMITS, maxBytes });
  return { descriptorName: name, bytes, ...parsed };
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

/** Throws OvfpipeError(OVFPIPE_PACKAGE) with the parse diagnostics when the descriptor is unusable. The caller closes the reader. */
export async function loadDescriptor(path: string): Promise<LoadedDescriptor> {
  const opened = await openDescriptor(path);
  const { reader, descriptorName, bytes, envelope } = opened;
  try {
    if (descriptorName === undefined || bytes === undefined) throw new OvfpipeError('OVFPIPE_PACKAGE', `${path}: package holds no single .ovf descriptor`, { where: path });
    const decoded = decodeXmlBytes(bytes);
    if (!envelope || !decoded.ok) throw new DescriptorError(path, opened.diagnostics);
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
