/**
 * Serialises a NetworkSecuritySection with the escaping writer (no string
 * templates). Embedded filters are written in no namespace (`xmlns=""`), so
 * an OVF default namespace in scope does not capture them.
 */
import type { XmlElement } from '../xml/element.js';
import { element, type XmlNode } from '../xml/writer.js';
import { NETSEC_NS, type Binding, type NetworkSecuritySection, type PortProfile } from './model.js';
import { SECTION_NAME } from './read-section.js';

export interface SectionNames {
  /** Prefix bound to the OVF envelope namespace for ovf:required ('' if we declare one). */
  ovfPrefix: string;
  /** Qualified name to use for Info (e.g. 'Info' when the OVF namespace is the default, else 'ovf:Info'). */
  infoName: string;
  /** Namespace declarations to add on the section element (e.g. xmlns:ovf when none is in scope). */
  extraNamespaces: Array<[string, string]>;
}

const P = 'nsec';

export function sectionNode(section: Pick<NetworkSecuritySection, 'filters' | 'profiles' | 'bindings'>, names: SectionNames): XmlNode {
  return element(
    `${P}:${SECTION_NAME}`,
    [[`xmlns:${P}`, NETSEC_NS], ...names.extraNamespaces, [`${names.ovfPrefix}:required`, 'false']],
    element(names.infoName, [], 'Network security: libvirt filters, port profiles and NIC bindings (ovfpipe)'),
    section.filters.map((f) => filterNode(f.element, true)),
    section.profiles.map(profileNode),
    section.bindings.map(bindingNode),
  );
}

/** Copies a parsed libvirt <filter> verbatim (attributes in order, text, children). */
export function filterNode(el: XmlElement, isRoot = false): XmlNode {
  const attrs: Array<[string, string]> = el.attributes.map((a) => [a.qname, a.value]);
  if (isRoot) attrs.unshift(['xmlns', '']);
  const text = el.text.trim();
  return element(el.qname, attrs, el.children.length === 0 && text !== '' ? text : el.children.map((c) => filterNode(c)));
}

function profileNode(p: PortProfile): XmlNode {
  return element(
    `${P}:PortProfile`,
    [
      ['name', p.name],
      ['mode', p.mode],
      ['sourceMode', p.sourceMode],
      ['source', p.source],
    ],
    p.virtualport &&
      element(
        `${P}:VirtualPort`,
        [['type', p.virtualport.type]],
        Object.entries(p.virtualport.parameters).map(([name, value]) =>
          element(`${P}:Parameter`, [
            ['name', name],
            ['value', value],
          ]),
        ),
      ),
    p.vlan &&
      element(
        `${P}:Vlan`,
        [['trunk', p.vlan.trunk === undefined ? undefined : String(p.vlan.trunk)]],
        p.vlan.tags.map((t) =>
          element(`${P}:Tag`, [
            ['id', t.id],
            ['nativeMode', t.nativeMode],
          ]),
        ),
      ),
    p.bandwidth &&
      element(`${P}:Bandwidth`, [], p.bandwidth.inbound && element(`${P}:Inbound`, { ...p.bandwidth.inbound }), p.bandwidth.outbound && element(`${P}:Outbound`, { ...p.bandwidth.outbound })),
  );
}

function bindingNode(b: Binding): XmlNode {
  return element(
    `${P}:Binding`,
    [
      ['nic', b.nic],
      ['filter', b.filter],
      ['profile', b.profile],
    ],
    b.parameters.map((p) =>
      element(`${P}:Parameter`, [
        ['name', p.name],
        ['value', p.value],
      ]),
    ),
  );
}
