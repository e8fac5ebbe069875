/**
 * Reads ovfpipe's NetworkSecuritySection (ovf-schema/ovfpipe-netsec.xsd) out
 * of a parsed Envelope, at package level and inside each VirtualSystem.
 * Tolerant: structural problems become located diagnostics (rule
 * `netsec-section`) and the rest of the section is still read.
 */
import { formatMessage } from '../diagnostics/rule.js';
import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { contentNodes, type Envelope } from '../ovf/model.js';
import { attr, attrAny, type XmlElement } from '../xml/element.js';
import { NETSEC_NS, type Binding, type EmbeddedFilter, type NetworkSecuritySection, type PortProfile, type VirtualPortType } from './model.js';

export const SECTION_NAME = 'NetworkSecuritySection';

export interface NetsecReadResult {
  sections: NetworkSecuritySection[];
  diagnostics: Diagnostic[];
}

export function readNetworkSecurity(env: Envelope): NetsecReadResult {
  const out: NetsecReadResult = { sections: [], diagnostics: [] };
  const reader = new SectionReader(env, out.diagnostics);
  for (const el of env.root.children) if (isSection(el)) out.sections.push(reader.section(el, 'package', undefined));
  for (const c of contentNodes(env.content)) {
    for (const el of c.element.children) {
      if (!isSection(el)) continue;
      if (c.kind === 'VirtualSystem') out.sections.push(reader.section(el, 'virtual-system', c.id));
      else out.sections.push(reader.section(el, 'package', undefined));
    }
  }
  return out;
}

function isSection(el: XmlElement): boolean {
  return el.ns === NETSEC_NS && el.local === SECTION_NAME;
}

/** The messages of the section reader, by message id (the lint rule netsec-section uses them as its templates). */
export const SECTION_MESSAGES = {
  notOptional: '{{section}} must carry ovf:required="false" so that other OVF tools can skip it',
  unexpectedElement: 'unexpected element <{{element}}> in {{parent}}',
  noInfo: '{{section}} has no <Info> element',
  filterNamespace: 'embedded <filter> is in namespace \'{{ns}}\'; libvirt filters have none (write xmlns="")',
  profileNoName: 'PortProfile has no name',
  malformedParameter: 'expected <Parameter name=… value=…> in {{parent}}',
  parameterTwice: "virtualport parameter '{{name}}' is given twice",
  bindingNoNic: 'Binding has no nic attribute',
  bindingEmpty: "Binding for NIC '{{nic}}' names neither a filter nor a profile",
} as const;

type SectionMessageId = keyof typeof SECTION_MESSAGES;

class SectionReader {
  constructor(
    private readonly env: Envelope,
    private readonly diags: Diagnostic[],
  ) {}

  private report(el: XmlElement, locator: string, messageId: SectionMessageId, data: Record<string, string> = {}, severity: 'error' | 'warning' = 'error'): void {
    const message = formatMessage(SECTION_MESSAGES[messageId], data);
    this.diags.push(diagnostic('netsec-section', severity, message, { file: this.env.file, line: el.line, column: el.column }, locator, { messageId, data }));
  }

  private loc(el: XmlElement) {
    return { file: this.env.file, line: el.line, column: el.column };
  }

  section(el: XmlElement, scope: 'package' | 'virtual-system', vsId: string | undefined): NetworkSecuritySection {
    const base = vsId === undefined ? SECTION_NAME : `VirtualSystem[${vsId}]/${SECTION_NAME}`;
    const required = attrAny(el, 'required', [this.env.ns])?.value;
    if (required !== 'false' && required !== '0') this.report(el, base, 'notOptional', { section: SECTION_NAME });
    const section: NetworkSecuritySection = { scope, virtualSystemId: vsId, filters: [], profiles: [], bindings: [], loc: this.loc(el) };
    let hasInfo = false;
    for (const c of el.children) {
      if (c.local === 'Info' && (c.ns === this.env.ns || c.ns === '')) hasInfo = true;
      else if (c.local === 'filter') section.filters.push(this.filter(c, base));
      else if (c.ns === NETSEC_NS && c.local === 'PortProfile') section.profiles.push(this.profile(c, base));
      else if (c.ns === NETSEC_NS && c.local === 'Binding') section.bindings.push(this.binding(c, base));
      else this.report(c, base, 'unexpectedElement', { element: c.qname, parent: SECTION_NAME });
    }
    if (!hasInfo) this.report(el, base, 'noInfo', { section: SECTION_NAME });
    return section;
  }

  private filter(el: XmlElement, base: string): EmbeddedFilter {
    const name = attr(el, 'name') ?? '';
    if (el.ns !== '') this.report(el, `${base}/filter[${name}]`, 'filterNamespace', { ns: el.ns }, 'warning');
    return { name, element: el, loc: this.loc(el) };
  }

  private profile(el: XmlElement, base: string): PortProfile {
    const name = attr(el, 'name') ?? '';
    const locator = `${base}/PortProfile[${name || '?'}]`;
    if (!name) this.report(el, locator, 'profileNoName');
    const profile: PortProfile = {
      name,
      mode: (attr(el, 'mode') ?? '') as PortProfile['mode'],
      sourceMode: attr(el, 'sourceMode') as PortProfile['sourceMode'],
      source: attr(el, 'source') ?? '',
      loc: this.loc(el),
    };
    for (const c of el.children) {
      if (c.ns !== NETSEC_NS) this.report(c, locator, 'unexpectedElement', { element: c.qname, parent: 'PortProfile' });
      else if (c.local === 'VirtualPort') profile.virtualport = { type: (attr(c, 'type') ?? '') as VirtualPortType, parameters: this.parameterMap(c, locator) };
      else if (c.local === 'Vlan') {
        const trunk = attr(c, 'trunk');
        profile.vlan = {
          tags: c.children.filter((t) => t.local === 'Tag').map((t) => ({ id: attr(t, 'id') ?? '', nativeMode: attr(t, 'nativeMode') as 'tagged' | 'untagged' | undefined })),
          trunk: trunk === undefined ? undefined : trunk === 'true' || trunk === '1',
        };
      } else if (c.local === 'Bandwidth') {
        profile.bandwidth = {};
        for (const r of c.children) {
          const limits = { average: attr(r, 'average'), peak: attr(r, 'peak'), burst: attr(r, 'burst'), floor: attr(r, 'floor') };
          if (r.local === 'Inbound') profile.bandwidth.inbound = limits;
          else if (r.local === 'Outbound') profile.bandwidth.outbound = limits;
          else this.report(r, locator, 'unexpectedElement', { element: r.qname, parent: 'Bandwidth' });
        }
      } else this.report(c, locator, 'unexpectedElement', { element: c.qname, parent: 'PortProfile' });
    }
    return profile;
  }

  private parameterMap(el: XmlElement, locator: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const p of el.children) {
      const name = attr(p, 'name');
      if (p.local !== 'Parameter' || name === undefined) {
        this.report(p, locator, 'malformedParameter', { parent: `<${el.qname}>` });
        continue;
      }
      if (name in out) this.report(p, locator, 'parameterTwice', { name });
      out[name] = attr(p, 'value') ?? '';
    }
    return out;
  }

  private binding(el: XmlElement, base: string): Binding {
    const nic = attr(el, 'nic') ?? '';
    const locator = `${base}/Binding[nic=${nic || '?'}]`;
    if (!nic) this.report(el, locator, 'bindingNoNic');
    const filter = attr(el, 'filter');
    const profile = attr(el, 'profile');
    if (filter === undefined && profile === undefined) this.report(el, locator, 'bindingEmpty', { nic });
    const parameters = [];
    for (const p of el.children) {
      const name = attr(p, 'name');
      if (p.ns !== NETSEC_NS || p.local !== 'Parameter' || name === undefined) {
        this.report(p, locator, 'malformedParameter', { parent: 'Binding' });
        continue;
      }
      parameters.push({ name, value: attr(p, 'value') ?? '' });
    }
    return { nic, filter, profile, parameters, loc: this.loc(el) };
  }
}
