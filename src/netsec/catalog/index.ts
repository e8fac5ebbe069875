/** The port profile catalog (VSI "port profile database"): YAML reader and profile matching. */
export type { CatalogGroup, CatalogOffer, CatalogSourceOffer, CatalogVirtualPortOffer, ProfileCatalog, SourceOfferKind } from './model.js';
export { CATALOG_YAML_RULE_ID, libvirtNumber, parseCatalogYaml, type CatalogParse } from './yaml.js';
export { CATALOG_PROFILE_RULE_ID, checkProfileAgainstCatalog, groupMisses, groupOffers, groupsOffering, type CatalogCheck } from './match.js';
export { CATALOG_RULE_METAS } from './rule-metas.js';
