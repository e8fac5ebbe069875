/**
 * Reading the libvirt documents an audit compares: filterbindings
 * (libvirt docs/formatnwfilter "Filter bindings"), a domain's interfaces
 * (formatdomain "Network interfaces") and a filter's references. Pure.
 */
import type { XmlElement } from '../../xml/element.js';
import { parseXml } from '../../xml/parse.js';

export interface FilterParameters {
  filter: string;
  /** Name → values (a repeated name is a list). */
  parameters: Map<string, string[]>;
}

export interface BindingFacts extends FilterParameters {
  portdev: string;
  mac?: string;
  owner?: string;
  ownerUuid?: string;
}

export interface InterfaceFacts {
  mac?: string;
  type?: string;
  /** bridge, dev or network of <source>. */
  source?: string;
  target?: string;
  filterref?: FilterParameters;
  /** virtualport type and its <parameters> attributes. */
  virtualport?: { type?: string; parameters: Record<string, string> };
  vlan?: { trunk?: string; tags: string[] };
}

const at = (e: XmlElement | undefined, name: string) => e?.attributes.find((a) => a.local === name)?.value;
const kid = (e: XmlElement | undefined, name: string) => e?.children.find((c) => c.local === name);

function filterParameters(ref: XmlElement): FilterParameters {
  const parameters = new Map<string, string[]>();
  for (const p of ref.children.filter((c) => c.local === 'parameter')) {
    const name = at(p, 'name');
    if (name === undefined) continue;
    parameters.set(name, [...(parameters.get(name) ?? []), at(p, 'value') ?? '']);
  }
  return { filter: at(ref, 'filter') ?? '', parameters };
}

export function parseFilterRefs(xml: string): string[] {
  const r = parseXml(xml);
  if (!r.ok) return [];
  return r.root.children
    .filter((c) => c.local === 'filterref')
    .map((c) => at(c, 'filter') ?? '')
    .filter(Boolean);
}

export function parseBinding(xml: string): BindingFacts | undefined {
  const r = parseXml(xml);
  if (!r.ok || r.root.local !== 'filterbinding') return undefined;
  const ref = kid(r.root, 'filterref');
  const owner = kid(r.root, 'owner');
  return {
    ...(ref ? filterParameters(ref) : { filter: '', parameters: new Map() }),
    portdev: at(kid(r.root, 'portdev'), 'name') ?? '',
    mac: at(kid(r.root, 'mac'), 'address')?.toLowerCase(),
    owner: kid(owner, 'name')?.text.trim(),
    ownerUuid: kid(owner, 'uuid')?.text.trim(),
  };
}

export function parseInterfaces(domainXml: string): { uuid?: string; interfaces: InterfaceFacts[] } {
  const r = parseXml(domainXml);
  if (!r.ok) return { interfaces: [] };
  const devices = kid(r.root, 'devices');
  const interfaces = (devices?.children ?? [])
    .filter((c) => c.local === 'interface')
    .map((i): InterfaceFacts => {
      const source = kid(i, 'source');
      const vp = kid(i, 'virtualport');
      const vlan = kid(i, 'vlan');
      const ref = kid(i, 'filterref');
      return {
        mac: at(kid(i, 'mac'), 'address')?.toLowerCase(),
        type: at(i, 'type'),
        source: at(source, 'bridge') ?? at(source, 'dev') ?? at(source, 'network'),
        target: at(kid(i, 'target'), 'dev'),
        filterref: ref ? filterParameters(ref) : undefined,
        virtualport: vp ? { type: at(vp, 'type'), parameters: Object.fromEntries((kid(vp, 'parameters')?.attributes ?? []).map((a) => [a.local, a.value])) } : undefined,
        vlan: vlan ? { trunk: at(vlan, 'trunk'), tags: vlan.children.filter((c) => c.local === 'tag').map((t) => `${at(t, 'id')}${at(t, 'nativeMode') ? `/${at(t, 'nativeMode')}` : ''}`) } : undefined,
      };
    });
  return { uuid: kid(r.root, 'uuid')?.text.trim(), interfaces };
}
