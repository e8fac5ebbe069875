/** Metadata of the catalog diagnostics, in the lint rule format (reported directly by parseCatalogYaml and checkProfileAgainstCatalog). */
import type { RuleMeta } from '../../diagnostics/rule.js';

export const CATALOG_RULE_METAS: readonly RuleMeta[] = [
  {
    id: 'catalog-profile',
    family: 'virtualport',
    defaultSeverity: 'error',
    description: 'Every port profile is offered by a host group of the profile catalog (VSI type, version and manager id; profile ids; sources)',
    messages: { failed: '{{message}}' },
  },
  {
    id: 'catalog-yaml',
    family: 'parse',
    defaultSeverity: 'error',
    description: 'The profile catalog is well-formed YAML whose offers have valid libvirt values',
    messages: { failed: '{{message}}' },
  },
];
