/** Metadata of the catalog diagnostics, in the lint rule format (reported directly by parseCatalogYaml and checkProfileAgainstCatalog). */
import { reportedRuleMeta, type RuleMeta } from '../../diagnostics/rule.js';

export const CATALOG_RULE_METAS: readonly RuleMeta[] = [
  reportedRuleMeta('catalog-profile', 'virtualport', 'Every port profile is offered by a host group of the profile catalog (VSI type, version and manager id; profile ids; sources)'),
  reportedRuleMeta('catalog-yaml', 'parse', 'The profile catalog is well-formed YAML whose offers have valid libvirt values'),
];
