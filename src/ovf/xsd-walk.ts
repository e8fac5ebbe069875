/**
 * Walks the OVF elements of a descriptor by meaning, for the XSD constraint table:
 * each element in the envelope namespace (or unqualified, as the parser accepts),
 * named as DSP0243 means it (VMware 0.9's `<Section xsi:type="ovf:DiskSection_Type">`
 * is a DiskSection, `<Content xsi:type="ovf:VirtualSystem_Type">` a VirtualSystem,
 * whatever prefix the XSI namespace has), with its parent's name and a locator.
 * Elements of other namespaces (RASD fields, vendor sections) are not entered.
 */
import { abbreviate } from '../strings.js';
import { attr, attrAny, type XmlElement } from '../xml/element.js';
import { NS, versionForNamespace } from './versions.js';

export interface OvfElementVisit {
  el: XmlElement;
  /** The element's name by meaning. */
  name: string;
  /** The parent's name by meaning ('' under the root). */
  parent: string;
  /** A section: a `…Section` element directly under the Envelope or a VirtualSystem/Collection. */
  isSection: boolean;
  /** The locator by meaning, e.g. `VirtualSystem[web]/Item[InstanceID=3]` (built on demand). */
  locator: () => string;
}

/** The name DSP0243 means: the local name, or for a typed `Section`/`Content` its `xsi:type` without prefix and `_Type`. */
export function ovfElementName(el: XmlElement): string {
  if (el.local === 'Section' || el.local === 'Content') {
    const t = attr(el, 'type', NS.xsi);
    if (t) return t.slice(t.indexOf(':') + 1).replace(/_Type$/, '');
  }
  return el.local;
}

const CONTENT = new Set(['Envelope', 'VirtualSystem', 'VirtualSystemCollection']);
/** Containers the model's locators leave out (`VirtualSystem[web]/Item[InstanceID=7]`). */
const UNNAMED = new Set(['Envelope', 'VirtualHardwareSection']);

/** Every OVF element below (and including) the root, depth first, in document order. */
export function* ovfElements(root: XmlElement): Generator<OvfElementVisit> {
  const v = versionForNamespace(root.ns);
  if (v === undefined) return;
  const inOvf = (el: XmlElement) => el.ns === v.envelopeNs || (v.lenientNoNamespace && el.ns === '');
  const key = (el: XmlElement, local: string) => attrAny(el, local, [v.envelopeNs])?.value;
  const segment = (el: XmlElement, name: string, parent: string): string => {
    let k: string | undefined;
    if (name === 'VirtualSystem' || name === 'VirtualSystemCollection' || name === 'File' || name === 'Configuration') k = key(el, 'id');
    else if (name === 'Disk') k = key(el, 'diskId');
    else if (name === 'Network') k = key(el, 'name');
    else if (name === 'Property') k = `key=${key(el, 'key') ?? '?'}`;
    else if (name === 'ProductSection') k = key(el, 'class') ? `class=${key(el, 'class')}` : undefined;
    else if (name === 'Item' && parent === 'StartupSection') k = key(el, 'id');
    else if (name === 'Item' || name === 'EthernetPortItem' || name === 'StorageItem') {
      const id = el.children.find((c) => c.local === 'InstanceID' || c.local === 'InstanceId');
      k = `InstanceID=${id?.text.trim() ?? '?'}`;
    }
    return k === undefined ? name : `${name}[${abbreviate(k)}]`;
  };
  // An explicit stack, not recursion; locators are built only for the elements a rule reports on.
  interface Frame {
    el: XmlElement;
    name: string;
    parent: string;
    up?: Frame;
  }
  const locatorOf = (f: Frame): string => {
    const parts: string[] = [];
    for (let at: Frame | undefined = f; at !== undefined; at = at.up) if (!UNNAMED.has(at.name)) parts.push(segment(at.el, at.name, at.parent));
    return parts.reverse().join('/') || f.name;
  };
  const stack: Frame[] = [{ el: root, name: ovfElementName(root), parent: '' }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const { el, name, parent } = frame;
    yield { el, name, parent, isSection: CONTENT.has(parent) && name.endsWith('Section'), locator: () => locatorOf(frame) };
    for (let i = el.children.length - 1; i >= 0; i--) {
      const c = el.children[i]!;
      if (inOvf(c)) stack.push({ el: c, name: ovfElementName(c), parent: name, up: frame });
    }
  }
}
