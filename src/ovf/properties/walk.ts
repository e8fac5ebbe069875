/**
 * Walks the ProductSections and Properties of every VirtualSystem and
 * VirtualSystemCollection (DSP0243 §9.5: both may carry ProductSections),
 * with locators by meaning.
 */
import type { Content, Envelope, ProductSection, Property } from '../model.js';
import { contentWithParents, productLocator } from '../locators.js';
import { abbreviate } from '../../strings.js';

export interface SectionEntry {
  content: Content;
  contentLocator: string;
  section: ProductSection;
  locator: string;
}

export interface PropertyEntry extends SectionEntry {
  property: Property;
  /** 1-based position among the section's properties, for properties without a key. */
  position: number;
  propertyLocator: string;
}

export function* productSections(envelope: Envelope): Generator<SectionEntry> {
  for (const { node, locator } of contentWithParents(envelope.content))
    for (const section of node.productSections) yield { content: node, contentLocator: locator, section, locator: productLocator(locator, section) };
}

export function* properties(envelope: Envelope): Generator<PropertyEntry> {
  for (const s of productSections(envelope))
    for (const [i, property] of s.section.properties.entries()) {
      const which = property.key !== '' ? `key=${abbreviate(property.key)}` : `#${i + 1}`;
      yield { ...s, property, position: i + 1, propertyLocator: `${s.locator}/Property[${which}]` };
    }
}

/**
 * The (class, instance) pair that scopes keys (DSP0243 §9.5: each ProductSection
 * at one entity level has a unique class/instance pair; keys are unique within it).
 */
export function sectionScope(section: ProductSection): string {
  return `${section.class ?? ''}\u0000${section.instance ?? ''}`;
}

/** The name a property gets in the OVF environment: `[class.]key[.instance]` (DSP0243 §9.5, §11). */
export function environmentKey(section: ProductSection, key: string): string {
  return [section.class, key, section.instance].filter((s) => s !== undefined && s !== '').join('.');
}

/** Values are never echoed for password properties (PRODUCT.md §4: secrets stay secret); long ones are cut. */
export function shownValue(property: Property, value: string): string {
  if (property.password) return '***';
  return value.length > 64 ? `${value.slice(0, 61)}...` : value;
}
