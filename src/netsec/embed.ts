/**
 * `netsec embed`, the pure part: adds filters, port profiles and bindings to
 * a descriptor's NetworkSecuritySection and returns the new descriptor text.
 * The rest of the descriptor is kept byte for byte: the new section is
 * spliced in at element offsets, replacing an existing section in the same
 * scope (merged: same-named filters and profiles, and bindings of the same
 * NIC, are replaced).
 */
import { OvfpipeError } from '../diagnostics/errors.js';
import { contentNodes, type Envelope } from '../ovf/model.js';
import type { XmlElement } from '../xml/element.js';
import { writeXml } from '../xml/writer.js';
import { NETSEC_NS, type Binding, type EmbeddedFilter, type NetworkSecuritySection, type PortProfile } from './model.js';
import { readNetworkSecurity, SECTION_NAME } from './read-section.js';
import { sectionNode, type SectionNames } from './write-section.js';

export interface EmbedAdditions {
  filters: EmbeddedFilter[];
  profiles: PortProfile[];
  bindings: Binding[];
}

export interface EmbedTarget {
  /** Put the section inside this VirtualSystem instead of at package level. */
  virtualSystemId?: string;
}

export function embedIntoDescriptor(text: string, env: Envelope, add: EmbedAdditions, target: EmbedTarget = {}): string {
  const host = hostElement(env, target.virtualSystemId);
  const existingEl = sectionElement(host);
  const existingSection = existingEl ? readNetworkSecurity(env).sections.find((s) => s.loc?.line === existingEl.line && s.loc?.column === existingEl.column) : undefined;
  const merged = merge(existingSection, add);
  const indent = ' '.repeat(Math.max(0, (existingEl ?? firstContentChild(host) ?? host).column - 1 + (existingEl || firstContentChild(host) ? 0 : 2)));
  const xml = writeXml(sectionNode(merged, namesFor(env, host)))
    .trimEnd()
    .split('\n')
    .map((line, i) => (i === 0 ? line : indent + line))
    .join('\n');
  if (existingEl) return text.slice(0, existingEl.start) + xml + text.slice(existingEl.end);
  // DSP0243 §7: sections come before the Content of the Envelope; inside a VirtualSystem, after its other sections.
  if (target.virtualSystemId === undefined) {
    const before = env.content?.element;
    if (!before) throw new OvfpipeError('OVFPIPE_USAGE', 'the descriptor has no VirtualSystem to protect');
    return text.slice(0, before.start) + xml + '\n' + indent + text.slice(before.start);
  }
  const last = host.children[host.children.length - 1];
  if (!last) throw new OvfpipeError('OVFPIPE_USAGE', `VirtualSystem '${target.virtualSystemId}' is empty`);
  return text.slice(0, last.end) + '\n' + indent + xml + text.slice(last.end);
}

function hostElement(env: Envelope, vsId: string | undefined): XmlElement {
  if (vsId === undefined) return env.root;
  for (const c of contentNodes(env.content)) if (c.kind === 'VirtualSystem' && c.id === vsId) return c.element;
  throw new OvfpipeError('OVFPIPE_USAGE', `no VirtualSystem '${vsId}' in the descriptor`);
}

function sectionElement(host: XmlElement): XmlElement | undefined {
  return host.children.find((c) => c.local === SECTION_NAME && c.ns === NETSEC_NS);
}

function firstContentChild(host: XmlElement): XmlElement | undefined {
  return host.children.find((c) => c.local !== 'References');
}

function merge(existing: NetworkSecuritySection | undefined, add: EmbedAdditions): EmbedAdditions {
  const replace = <T>(old: T[], fresh: T[], key: (x: T) => string) => [...old.filter((o) => !fresh.some((f) => key(f) === key(o))), ...fresh];
  return {
    filters: replace(existing?.filters ?? [], add.filters, (f) => f.name),
    profiles: replace(existing?.profiles ?? [], add.profiles, (p) => p.name),
    bindings: replace(existing?.bindings ?? [], add.bindings, (b) => b.nic),
  };
}

/** How to spell OVF's Info and ovf:required where the section goes. */
function namesFor(env: Envelope, host: XmlElement): SectionNames {
  const scope = host.nsScope;
  let prefix: string | undefined;
  for (const [p, uri] of scope) if (p !== '' && uri === env.ns) prefix = p;
  const extra: Array<[string, string]> = [];
  if (prefix === undefined) {
    prefix = scope.has('ovf') ? 'ovfenv' : 'ovf';
    extra.push([`xmlns:${prefix}`, env.ns]);
  }
  return { ovfPrefix: prefix, infoName: scope.get('') === env.ns ? 'Info' : `${prefix}:Info`, extraNamespaces: extra };
}
