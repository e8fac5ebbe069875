/** Opens a package and parses its descriptor: the common first step of inspect, netsec, spec and render. */
import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Envelope } from '../ovf/model.js';
import { parseDescriptor } from '../ovf/parser.js';
import { openPackage } from './open.js';
import type { PackageReader } from './reader.js';
import { decodeXmlBytes } from '../xml/parse.js';
import { OvfpipeError } from '../diagnostics/errors.js';

export interface LoadedDescriptor {
  reader: PackageReader;
  descriptorName: string;
  text: string;
  envelope: Envelope;
}

export const MAX_DESCRIPTOR_BYTES = 32 * 1024 * 1024;

/** Throws OvfpipeError(OVFPIPE_PACKAGE) with the parse diagnostics when the descriptor is unusable. The caller closes the reader. */
export async function loadDescriptor(path: string): Promise<LoadedDescriptor> {
  const reader = await openPackage(path);
  try {
    const name = reader.descriptorName;
    if (!name) throw new OvfpipeError('OVFPIPE_PACKAGE', `${path}: package holds no single .ovf descriptor`, { where: path });
    const bytes = await reader.readSmall(name, MAX_DESCRIPTOR_BYTES);
    const parsed = parseDescriptor(bytes, name);
    const decoded = decodeXmlBytes(bytes);
    if (!parsed.envelope || !decoded.ok) throw new DescriptorError(path, parsed.diagnostics);
    const text = decoded.text.charCodeAt(0) === 0xfeff ? decoded.text.slice(1) : decoded.text;
    return { reader, descriptorName: name, text, envelope: parsed.envelope };
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
