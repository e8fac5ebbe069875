/**
 * Builds the OVF model (DSP0243 §7–§9) from a namespace-resolved XML tree.
 * Pure: no IO. Structural problems that prevent building a model are
 * returned as diagnostics; everything else is left to the lint rules, so the
 * parser is tolerant and keeps raw text alongside parsed numbers.
 */
import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { attr, attrAny, childText, type XmlElement } from '../xml/element.js';
import { parseXml, DEFAULT_XML_LIMITS, type XmlLimits } from '../xml/parse.js';
import type {
  AnnotationSection,
  Configuration,
  Content,
  ContentBase,
  Disk,
  Envelope,
  EulaSection,
  FileRef,
  Item,
  Network,
  OperatingSystemSection,
  ProductSection,
  Property,
  UnknownSection,
  VirtualHardwareSection,
} from './model.js';
import { byteUnitMultiplier, parseUnsigned, scaledQuantity } from './units.js';
import { isOvfNamespace, KNOWN_SECTIONS, NS, PASSIVE_SECTIONS, typedKind, versionForNamespace, type VersionInfo } from './versions.js';

export interface ParseDescriptorResult {
  envelope?: Envelope;
  diagnostics: Diagnostic[];
}

/** Parses descriptor bytes (untrusted) into the model. Never throws on bad input. */
export function parseDescriptor(bytes: Uint8Array | string, file: string, limits: XmlLimits = DEFAULT_XML_LIMITS): ParseDescriptorResult {
  const xml = parseXml(bytes, limits);
  if (!xml.ok) {
    const p = xml.problem;
    return { diagnostics: [diagnostic('xml-well-formed', 'error', p.message, { file, line: p.line, column: p.column }, 'Envelope')] };
  }
  return parseEnvelope(xml.root, file);
}

export function parseEnvelope(root: XmlElement, file: string): ParseDescriptorResult {
  const info = versionForNamespace(root.ns);
  if (root.local !== 'Envelope' || info === undefined) {
    const what = root.local !== 'Envelope' ? `root element is <${root.qname}>, not an OVF <Envelope>` : `unknown OVF envelope namespace '${root.ns || '(none)'}'`;
    return { diagnostics: [diagnostic('ovf-envelope', 'error', what, { file, line: root.line, column: root.column }, 'Envelope')] };
  }
  return { envelope: new EnvelopeBuilder(info, file).build(root), diagnostics: [] };
}

class EnvelopeBuilder {
  constructor(
    private readonly v: VersionInfo,
    private readonly file: string,
  ) {}

  private loc(el: XmlElement) {
    return { file: this.file, line: el.line, column: el.column };
  }

  private a(el: XmlElement, local: string): string | undefined {
    return attrAny(el, local, [this.v.envelopeNs])?.value;
  }

  /** The section kind: the element's local name, or for OVF 0.9 the `xsi:type` without `_Type`. */
  sectionName(el: XmlElement): string {
    // 0.9 always, and early 1.0 VirtualCenter exports too, write typed generic elements.
    return typedKind(el).local;
  }

  /** Unqualified elements read as OVF ones, in document order, each once. */
  readonly unqualified = new Set<XmlElement>();

  /**
   * Whether an element is read as an OVF element: in the envelope namespace, or unqualified
   * where the version's writers leave OVF children unqualified. A generic `<Section>` or
   * `<Content>` whose `xsi:type` is bound to a namespace that is not OVF's is a vendor section.
   */
  private inOvf(el: XmlElement): boolean {
    const typed = el.local === 'Section' || el.local === 'Content' ? typedKind(el) : undefined;
    if (typed !== undefined && typed.ns !== '' && !isOvfNamespace(typed.ns)) return false;
    if (el.ns === this.v.envelopeNs) return true;
    if (this.v.lenientNoNamespace && el.ns === '') {
      this.unqualified.add(el);
      return true;
    }
    return false;
  }

  /** The first child named `local` that is read as an OVF element (see inOvf): `<Info>` is found the same way as `<References>`. */
  private ovfChild(el: XmlElement, local: string): XmlElement | undefined {
    return el.children.find((c) => c.local === local && this.inOvf(c));
  }

  /** Every child named `local` that is read as an OVF element. */
  private ovfChildren(el: XmlElement, local: string): XmlElement[] {
    return el.children.filter((c) => c.local === local && this.inOvf(c));
  }

  private ovfChildText(el: XmlElement, local: string): string | undefined {
    return this.ovfChild(el, local)?.text.trim();
  }

  /** A standard DSP0243 section we do not model, possibly in another OVF version's namespace. */
  private passive(el: XmlElement): boolean {
    return isOvfNamespace(el.ns) && PASSIVE_SECTIONS.has(this.sectionName(el));
  }

  build(root: XmlElement): Envelope {
    const env: Envelope = {
      version: this.v.version,
      ns: this.v.envelopeNs,
      references: [],
      disks: [],
      networks: [],
      networkSectionPresent: false,
      configurations: [],
      sectionOrder: [],
      unknownSections: [],
      root,
      file: this.file,
      loc: this.loc(root),
    };
    for (const el of root.children) {
      const name = this.sectionName(el);
      if (!this.inOvf(el)) {
        if (!this.passive(el)) env.unknownSections.push(this.unknown(el));
        continue;
      }
      if (name === 'References') env.references = el.children.filter((c) => c.local === 'File' && this.inOvf(c)).map((c) => this.fileRef(c));
      else if (name === 'VirtualSystem' || name === 'VirtualSystemCollection') env.content = this.content(el, name);
      else if (name === 'Info' || name === 'Strings') continue;
      else {
        const hasInfo = this.ovfChild(el, 'Info') !== undefined;
        env.sectionOrder.push({ local: name, ns: el.ns, hasInfo, loc: this.loc(el) });
        if (name === 'DiskSection') {
          env.disks.push(...this.ovfChildren(el, 'Disk').map((c) => this.disk(c)));
          env.diskSectionInfo = hasInfo;
        } else if (name === 'NetworkSection') {
          env.networkSectionPresent = true;
          env.networks.push(...this.ovfChildren(el, 'Network').map((c) => this.network(c)));
        } else if (name === 'DeploymentOptionSection') env.configurations.push(...this.ovfChildren(el, 'Configuration').map((c) => this.configuration(c)));
        else if (!KNOWN_SECTIONS.has(name)) env.unknownSections.push(this.unknown(el));
      }
    }
    env.unqualifiedElements = [...this.unqualified].sort((a, b) => a.start - b.start).map((e) => ({ qname: e.qname, loc: this.loc(e) }));
    return env;
  }

  private fileRef(el: XmlElement): FileRef {
    const sizeText = this.a(el, 'size');
    const chunk = this.a(el, 'chunkSize');
    return {
      id: this.a(el, 'id') ?? '',
      href: this.a(el, 'href') ?? '',
      sizeText,
      size: parseUnsigned(sizeText),
      compression: this.a(el, 'compression'),
      chunkSize: parseUnsigned(chunk),
      loc: this.loc(el),
    };
  }

  private disk(el: XmlElement): Disk {
    const capacity = this.a(el, 'capacity') ?? '';
    const units = this.a(el, 'capacityAllocationUnits');
    const n = parseUnsigned(capacity);
    const mult = byteUnitMultiplier(units);
    const populatedSizeText = this.a(el, 'populatedSize');
    return {
      diskId: this.a(el, 'diskId') ?? '',
      fileRef: this.a(el, 'fileRef'),
      capacity,
      capacityAllocationUnits: units,
      capacityBytes: scaledQuantity(n, mult),
      format: this.a(el, 'format'),
      populatedSizeText,
      populatedSize: parseUnsigned(populatedSizeText),
      parentRef: this.a(el, 'parentRef'),
      loc: this.loc(el),
    };
  }

  private network(el: XmlElement): Network {
    return {
      name: this.a(el, 'name') ?? '',
      description: this.ovfChildText(el, 'Description'),
      portProfileUris: el.children.filter((c) => c.local === 'NetworkPortProfileURI').map((c) => c.text.trim()),
      loc: this.loc(el),
    };
  }

  private configuration(el: XmlElement): Configuration {
    const d = this.a(el, 'default');
    return {
      id: this.a(el, 'id') ?? '',
      isDefault: d === 'true' || d === '1',
      label: this.ovfChildText(el, 'Label'),
      description: this.ovfChildText(el, 'Description'),
      loc: this.loc(el),
    };
  }

  private unknown(el: XmlElement): UnknownSection {
    const req = this.a(el, 'required');
    const typed = typedKind(el);
    const typeName =
      el.local === 'Section' || el.local === 'Content'
        ? attr(el, 'type', NS.xsi)
            ?.trim()
            .replace(/_Type$/, '')
        : undefined;
    return {
      // A generic <Section xsi:type="vmw:BootOrderSection_Type"> is named by its type, as the writer meant it.
      qname: typeName || el.qname,
      // A generic <Section xsi:type="vmw:…_Type"> is in the namespace of its type.
      ns: typed.ns !== '' && typed.ns !== el.ns ? typed.ns : el.ns,
      local: this.sectionName(el),
      // DSP0243 §9.1: ovf:required defaults to true for sections.
      required: req === undefined ? true : req !== 'false' && req !== '0',
      hasInfo: el.children.some((c) => c.local === 'Info'),
      element: el,
      loc: this.loc(el),
    };
  }

  private content(el: XmlElement, kind: 'VirtualSystem' | 'VirtualSystemCollection'): Content {
    const base: ContentBase = {
      id: this.a(el, 'id') ?? '',
      name: this.ovfChildText(el, 'Name'),
      info: this.ovfChildText(el, 'Info'),
      productSections: [],
      eulas: [],
      unknownSections: [],
      sectionOrder: [],
      element: el,
      loc: this.loc(el),
    };
    const vhs: VirtualHardwareSection[] = [];
    let os: OperatingSystemSection | undefined;
    let annotation: AnnotationSection | undefined;
    const nested: Content[] = [];
    for (const c of el.children) {
      const name = this.sectionName(c);
      if (!this.inOvf(c)) {
        if (!this.passive(c)) base.unknownSections.push(this.unknown(c));
        continue;
      }
      if (name === 'Info' || name === 'Name') continue;
      if (name === 'VirtualSystem' || name === 'VirtualSystemCollection') {
        nested.push(this.content(c, name));
        continue;
      }
      base.sectionOrder.push({ local: name, ns: c.ns, hasInfo: this.ovfChild(c, 'Info') !== undefined, loc: this.loc(c) });
      if (name === 'VirtualHardwareSection') vhs.push(this.hardware(c));
      else if (name === 'ProductSection') base.productSections.push(this.product(c));
      else if (name === 'OperatingSystemSection') os = this.os(c);
      else if (name === 'EulaSection') base.eulas.push(this.eula(c));
      else if (name === 'AnnotationSection') annotation = { annotation: this.ovfChildText(c, 'Annotation') ?? '', loc: this.loc(c) };
      else if (!KNOWN_SECTIONS.has(name)) base.unknownSections.push(this.unknown(c));
    }
    base.annotation = annotation;
    if (kind === 'VirtualSystem') return { ...base, kind, virtualHardware: vhs, operatingSystem: os };
    return { ...base, kind, content: nested };
  }

  private hardware(el: XmlElement): VirtualHardwareSection {
    const system = this.ovfChild(el, 'System');
    const transport = this.a(el, 'transport');
    return {
      id: this.a(el, 'id'),
      transport: transport ? transport.split(/\s+/).filter(Boolean) : [],
      systemType: system ? childText(system, 'VirtualSystemType') : undefined,
      items: el.children.filter((c) => this.v.itemElements.includes(c.local as Item['element']) && this.inOvf(c)).map((c) => this.item(c)),
      loc: this.loc(el),
    };
  }

  private item(el: XmlElement): Item {
    const fields: Record<string, string> = {};
    const connection: string[] = [];
    const hostResource: string[] = [];
    for (const f of el.children) {
      // 0.9 spells InstanceID as InstanceId; normalise to the DSP1041 spelling.
      const key = f.local === 'InstanceId' ? 'InstanceID' : f.local;
      const value = f.text.trim();
      if (key === 'Connection') connection.push(value);
      else if (key === 'HostResource') hostResource.push(value);
      fields[key] ??= value;
    }
    const rt = fields['ResourceType'];
    const cfg = this.a(el, 'configuration');
    const req = this.a(el, 'required');
    return {
      element: el.local as Item['element'],
      instanceId: fields['InstanceID'],
      resourceTypeText: rt,
      resourceType: parseUnsigned(rt),
      resourceSubType: fields['ResourceSubType'],
      elementName: fields['ElementName'] ?? fields['Caption'],
      description: fields['Description'],
      address: fields['Address'],
      addressOnParent: fields['AddressOnParent'],
      parent: fields['Parent'],
      allocationUnits: fields['AllocationUnits'],
      virtualQuantity: fields['VirtualQuantity'],
      virtualQuantityUnits: fields['VirtualQuantityUnits'],
      reservation: fields['Reservation'],
      limit: fields['Limit'],
      weight: fields['Weight'],
      automaticAllocation: fields['AutomaticAllocation'],
      connection,
      hostResource,
      networkPortProfileId: fields['NetworkPortProfileID'],
      configuration: cfg ? cfg.split(/\s+/).filter(Boolean) : undefined,
      bound: this.a(el, 'bound'),
      required: req === undefined ? undefined : req !== 'false' && req !== '0',
      fields,
      loc: this.loc(el),
    };
  }

  private product(el: XmlElement): ProductSection {
    const ps: ProductSection = {
      class: this.a(el, 'class'),
      instance: this.a(el, 'instance'),
      product: this.ovfChildText(el, 'Product'),
      vendor: this.ovfChildText(el, 'Vendor'),
      version: this.ovfChildText(el, 'Version'),
      fullVersion: this.ovfChildText(el, 'FullVersion'),
      properties: [],
      categories: [],
      loc: this.loc(el),
    };
    let category: string | undefined;
    for (const c of el.children) {
      if (!this.inOvf(c)) continue;
      if (c.local === 'Category') {
        category = c.text.trim();
        ps.categories.push(category);
      } else if (c.local === 'Property') ps.properties.push(this.property(c, category));
    }
    return ps;
  }

  private property(el: XmlElement, category: string | undefined): Property {
    const uc = this.a(el, 'userConfigurable');
    const pw = this.a(el, 'password');
    return {
      key: this.a(el, 'key') ?? '',
      type: this.a(el, 'type') ?? '',
      qualifiers: this.a(el, 'qualifiers'),
      defaultValue: this.a(el, 'value'),
      userConfigurable: uc === 'true' || uc === '1',
      password: pw === 'true' || pw === '1',
      label: this.ovfChildText(el, 'Label'),
      description: this.ovfChildText(el, 'Description'),
      category,
      values: this.ovfChildren(el, 'Value').map((c) => ({ value: this.a(c, 'value') ?? '', configuration: this.a(c, 'configuration'), loc: this.loc(c) })),
      loc: this.loc(el),
    };
  }

  private os(el: XmlElement): OperatingSystemSection {
    return {
      id: this.a(el, 'id'),
      version: this.a(el, 'version'),
      osType: attr(el, 'osType', NS.vmw) ?? this.a(el, 'osType'),
      description: this.ovfChildText(el, 'Description'),
      loc: this.loc(el),
    };
  }

  private eula(el: XmlElement): EulaSection {
    return { license: this.ovfChildText(el, 'License') ?? '', loc: this.loc(el) };
  }
}
