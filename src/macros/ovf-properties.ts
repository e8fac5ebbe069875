/**
 * OVF ProductSection properties as a macro source (PRODUCT.md §4, source 4).
 *
 * A property is referenced by its key, or by the name it gets in the OVF
 * environment (DSP0243 §9.5: `[class.]key[.instance]`): `${ip}`,
 * `${com.example.web.ip}`, `${com.example.web.ip.1}`. A bare key that two
 * ProductSections share is ambiguous and resolves to nothing (with an error
 * naming the qualified names to use instead).
 *
 * The value is the `<Value ovf:configuration=…>` for the chosen deployment
 * configuration when there is one, else `ovf:value`. An empty `ovf:value` on
 * a user-configurable property means "the deployer must supply this"
 * (vSphere and ovftool treat it so), so it is no value at all here.
 * A property with `ovf:password="true"` is a secret.
 */
import type { Property, ProductSection } from '../ovf/model.js';

export interface OvfPropertySource {
  sections: readonly ProductSection[];
  /** The effective DeploymentOptionSection configuration id (e.g. the one marked default). */
  configuration?: string;
}

export interface OvfPropertyValue {
  value: string;
  secret: boolean;
  /** e.g. `OVF property 'com.example.web.ip' (configuration 'large')`. */
  label: string;
  loc?: Property['loc'];
}

export type OvfLookup = { found: OvfPropertyValue } | { ambiguous: string[] } | { missing: true };

interface Entry {
  property: Property;
  envName: string;
}

/** The OVF environment name of a property: `[class.]key[.instance]` (DSP0243 §9.5). */
export function ovfEnvironmentName(section: Pick<ProductSection, 'class' | 'instance'>, key: string): string {
  return [section.class, key, section.instance].filter((p) => p !== undefined && p !== '').join('.');
}

function indexProperties(sections: readonly ProductSection[]): Map<string, Entry[]> {
  const index = new Map<string, Entry[]>();
  const add = (name: string, entry: Entry) => {
    const list = index.get(name) ?? [];
    if (!list.some((e) => e.property === entry.property)) list.push(entry);
    index.set(name, list);
  };
  for (const section of sections) {
    for (const property of section.properties) {
      const envName = ovfEnvironmentName(section, property.key);
      const entry = { property, envName };
      add(property.key, entry);
      add(envName, entry);
      if (section.class) add(`${section.class}.${property.key}`, entry);
    }
  }
  return index;
}

function valueOf(property: Property, configuration: string | undefined): { value: string; via: string } | undefined {
  if (configuration !== undefined) {
    const specific = property.values.find((v) => (v.configuration ?? '').split(/\s+/).includes(configuration));
    if (specific) return { value: specific.value, via: `configuration '${configuration}'` };
  }
  if (property.defaultValue === undefined) return undefined;
  if (property.defaultValue === '' && property.userConfigurable) return undefined;
  return { value: property.defaultValue, via: 'default' };
}

/** Looks a macro name up among the properties. */
export function lookupOvfProperty(source: OvfPropertySource, name: string, index = indexProperties(source.sections)): OvfLookup {
  const entries = index.get(name);
  if (!entries || entries.length === 0) return { missing: true };
  if (entries.length > 1) return { ambiguous: entries.map((e) => e.envName) };
  const { property, envName } = entries[0]!;
  const v = valueOf(property, source.configuration);
  if (!v) return { missing: true };
  return { found: { value: v.value, secret: property.password, label: `OVF property '${envName}' (${v.via})`, loc: property.loc } };
}

/** A lookup function over one set of sections, indexing them once. */
export function ovfPropertyLookup(source: OvfPropertySource): (name: string) => OvfLookup {
  const index = indexProperties(source.sections);
  return (name) => lookupOvfProperty(source, name, index);
}
