/**
 * Finds every `ovf:configuration` reference in a descriptor (DSP0243 §9.8).
 * OVF 1.x puts it on Items and on Property `<Value>`s; OVF 2.x also on
 * Property itself, EPASD/SASD items and ScaleOutSection InstanceCount. The
 * model keeps only some of these, so the XML tree is walked, building a
 * locator by meaning on the way down.
 */
import { attrAny, type XmlElement } from '../../xml/element.js';
import { typedKind } from '../versions.js';

export interface ConfigurationRef {
  /** The configuration ids named (the attribute is a space-separated list). */
  ids: string[];
  locator: string;
  line: number;
  column: number;
}

const ITEMS = new Set(['Item', 'EthernetPortItem', 'StorageItem']);

/** OVF 0.9 writes sections and content as `<Section xsi:type="ovf:ProductSection_Type">`. */
function kindOf(el: XmlElement): string {
  return typedKind(el).local;
}

function segment(el: XmlElement, ovfNs: string): string | undefined {
  const a = (local: string) => attrAny(el, local, [ovfNs])?.value;
  const kind = kindOf(el);
  if (kind === 'VirtualSystem' || kind === 'VirtualSystemCollection') return `${kind}[${a('id') ?? ''}]`;
  if (kind === 'ProductSection') {
    const key = [a('class'), a('instance')].filter(Boolean).join('.');
    return `ProductSection${key ? `[class=${key}]` : ''}`;
  }
  if (kind === 'Property') return `Property[key=${a('key') ?? ''}]`;
  if (ITEMS.has(kind)) {
    const id = el.children.find((c) => c.local === 'InstanceID' || c.local === 'InstanceId')?.text.trim();
    return `${kind}[InstanceID=${id ?? '?'}]`;
  }
  if (kind === 'Value') return `Value[configuration=${a('configuration') ?? ''}]`;
  return undefined;
}

function configurationAttr(el: XmlElement, ovfNs: string): string | undefined {
  for (const at of el.attributes) if (at.local === 'configuration' && (at.ns === ovfNs || (at.ns === '' && el.ns === ovfNs))) return at.value;
  return undefined;
}

function* walk(el: XmlElement, ovfNs: string, path: readonly string[]): Generator<ConfigurationRef> {
  const seg = segment(el, ovfNs);
  const here = seg ? [...path, seg] : path;
  const value = configurationAttr(el, ovfNs);
  if (value !== undefined) {
    const locator = (seg ? here : [...here, kindOf(el)]).join('/');
    yield { ids: value.split(/\s+/).filter(Boolean), locator, line: el.line, column: el.column };
  }
  for (const c of el.children) yield* walk(c, ovfNs, here);
}

/** Every element carrying `ovf:configuration`, in document order. */
export function configurationRefs(root: XmlElement, ovfNs: string): ConfigurationRef[] {
  return [...walk(root, ovfNs, [])];
}

/** The DeploymentOptionSection element(s) of the envelope, for their locations. */
export function deploymentOptionSections(root: XmlElement): XmlElement[] {
  return root.children.filter((c) => kindOf(c) === 'DeploymentOptionSection');
}
