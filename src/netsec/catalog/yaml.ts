/**
 * Catalog YAML files (lint `--catalog`, lint config `catalog:`, pipeline
 * inventories). Schema: catalog.schema.json.
 *
 * ```yaml
 * groups:
 *   rack-a:                      # a host group / switch domain
 *     description: ToR switches with VDP
 *     offers:
 *       - type: 802.1Qbg
 *         name: tenant-vepa      # label, matched to PortProfile.name in messages
 *         managerid: 12
 *         typeid: 0x123456
 *         typeidversion: [1, 2]  # omitted: every version
 *       - type: openvswitch
 *         profileid: [web, db]   # omitted: any profile id
 *       - type: 802.1Qbh
 *         profileid: cisco-web
 *       - type: midonet
 *       - bridge: br-tenant      # sources the hosts have
 *       - device: eth1
 *       - network: default
 * ```
 * Catalog values are literals (no macros). Numbers follow libvirt: decimal
 * or `0x` hex. Problems are returned as located `catalog-yaml` diagnostics.
 */
import { createRequire } from 'node:module';
import { diagnostic, hasErrors, sortDiagnostics, type Diagnostic } from '../../diagnostics/diagnostic.js';
import { checkLibvirtUnsigned, checkMacroValue } from '../../macros/types.js';
import { LOCATED_YAML_AJV_OPTIONS, parseLocatedYaml, schemaDiagnostics, type LocatedYaml, type YamlPath } from '../../macros/yaml-input.js';
import { schemaValidator, type SchemaValidatorSpec } from '../../macros/schema-validator.js';
import type { VirtualPortType } from '../model.js';
import { CATALOG_OFFER_KEYS, VIRTUALPORT_TYPES } from '../virtualport-types.js';
// createRequire, not an import attribute: `with { type: 'json' }` needs Node 20.10+, and engines says >=20.
const catalogSchema = createRequire(import.meta.url)('./catalog.schema.json') as Record<string, unknown>;
import type { CatalogGroup, CatalogOffer, CatalogVirtualPortOffer, ProfileCatalog, SourceOfferKind } from './model.js';

export const CATALOG_YAML_RULE_ID = 'catalog-yaml';

export interface CatalogParse {
  /** Undefined when the file has errors. */
  catalog?: ProfileCatalog;
  diagnostics: Diagnostic[];
}

/** The catalog schema's validator; its generated module is written by `npm run build` (schema-validator.ts). */
export const CATALOG_VALIDATOR: SchemaValidatorSpec = {
  name: 'catalog',
  schema: () => catalogSchema,
  options: LOCATED_YAML_AJV_OPTIONS,
  generated: new URL('./catalog.validate.generated.cjs', import.meta.url),
};
const validateShape = schemaValidator(CATALOG_VALIDATOR);

type RawOffer = Record<string, unknown>;
interface RawGroup {
  description?: string;
  offers: RawOffer[];
}

/** The numeric value of a libvirt decimal or 0x-hex number already checked by `checkLibvirtUnsigned`. */
export function libvirtNumber(text: string): number {
  return text.startsWith('0x') ? parseInt(text.slice(2), 16) : Number(text);
}

function list(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value : [value]).map(String);
}

class OfferReader {
  readonly diagnostics: Diagnostic[] = [];
  constructor(private readonly input: LocatedYaml) {}

  private error(path: YamlPath, message: string): void {
    this.diagnostics.push(diagnostic(CATALOG_YAML_RULE_ID, 'error', message, this.input.locate(path)));
  }

  /** A libvirt number field (uint8 or uint24); undefined (with a diagnostic) when invalid. */
  number(path: YamlPath, key: string, text: string, bits: 8 | 24): number | undefined {
    const reason = checkLibvirtUnsigned(text, bits);
    if (reason) this.error(path, `${key} '${text}': ${reason}`);
    return reason ? undefined : libvirtNumber(text);
  }

  /** Parameters each type accepts in the catalog; anything else is an error (as libvirt's CheckNoExtras). */
  virtualport(raw: RawOffer, path: YamlPath): CatalogVirtualPortOffer {
    const type = raw['type'] as VirtualPortType;
    const offer: CatalogVirtualPortOffer = { kind: 'virtualport', type, loc: this.input.locate(path) };
    if (raw['name'] !== undefined) offer.name = String(raw['name']);
    if (raw['description'] !== undefined) offer.description = String(raw['description']);
    const { catalog } = VIRTUALPORT_TYPES[type];
    for (const key of CATALOG_OFFER_KEYS) {
      if (raw[key] !== undefined && !catalog.keys.includes(key)) this.error([...path, key], `${key} does not apply to ${type} offers`);
    }
    if (type === '802.1Qbg') this.qbg(raw, path, offer);
    else for (const key of catalog.required) if (raw[key] === undefined) this.error(path, `an ${type} offer needs ${key}`);
    if (catalog.keys.includes('profileid')) this.profileids(raw, path, offer);
    return offer;
  }

  private qbg(raw: RawOffer, path: YamlPath, offer: CatalogVirtualPortOffer): void {
    for (const key of VIRTUALPORT_TYPES['802.1Qbg'].catalog.required as readonly ('managerid' | 'typeid')[]) {
      if (raw[key] === undefined) this.error(path, `an 802.1Qbg offer needs ${key}`);
      else offer[key] = this.number([...path, key], key, String(raw[key]), key === 'typeid' ? 24 : 8);
    }
    const versions = list(raw['typeidversion']);
    if (versions === undefined) return;
    const multi = Array.isArray(raw['typeidversion']);
    offer.typeidversions = versions.map((v, i) => this.number([...path, 'typeidversion', ...(multi ? [i] : [])], 'typeidversion', v, 8)).filter((n) => n !== undefined);
  }

  private profileids(raw: RawOffer, path: YamlPath, offer: CatalogVirtualPortOffer): void {
    const ids = list(raw['profileid']);
    if (ids === undefined) return;
    for (const id of ids) {
      const reason = checkMacroValue('virtualport-profileid', id);
      if (reason) this.error([...path, 'profileid'], `profileid '${id}': ${reason}`);
    }
    offer.profileids = ids;
  }

  offer(raw: RawOffer, path: YamlPath): CatalogOffer {
    if (raw['type'] !== undefined) return this.virtualport(raw, path);
    const kind = (['bridge', 'device', 'network'] as const).find((k) => raw[k] !== undefined) as SourceOfferKind;
    const name = String(raw[kind]);
    const reason = checkMacroValue(kind === 'network' ? 'libvirt-name' : 'ifname', name);
    if (reason) this.error([...path, kind], `${kind} '${name}': ${reason}`);
    return { kind, name, ...(raw['description'] !== undefined ? { description: String(raw['description']) } : {}), loc: this.input.locate(path) };
  }
}

/** Parses and checks a catalog; every problem is a located `catalog-yaml` diagnostic. */
export function parseCatalogYaml(text: string, options: { file?: string } = {}): CatalogParse {
  const input = parseLocatedYaml(text, options.file, CATALOG_YAML_RULE_ID);
  if (hasErrors(input.diagnostics)) return { diagnostics: input.diagnostics };
  const diagnostics = [...input.diagnostics, ...schemaDiagnostics(validateShape, input, CATALOG_YAML_RULE_ID)];
  if (hasErrors(diagnostics)) return { diagnostics };
  const reader = new OfferReader(input);
  const groups = new Map<string, CatalogGroup>();
  for (const [name, raw] of Object.entries((input.data as { groups: Record<string, RawGroup> }).groups)) {
    const offers = raw.offers.map((o, i) => reader.offer(o, ['groups', name, 'offers', i]));
    groups.set(name, { name, offers, loc: input.locateKey(['groups', name]), ...(raw.description !== undefined ? { description: raw.description } : {}) });
  }
  diagnostics.push(...reader.diagnostics);
  if (hasErrors(diagnostics)) return { diagnostics: sortDiagnostics(diagnostics) };
  return { catalog: { groups, ...(options.file !== undefined ? { file: options.file } : {}) }, diagnostics: sortDiagnostics(diagnostics) };
}
