/** Every rule id ovfpipe can report, with its metadata (table rules and loader diagnostics). */
import { loaderRules, verifyRules } from './loader-rules.js';
import { MACRO_RULE_METAS } from '../macros/rule-metas.js';
import { CATALOG_RULE_METAS } from '../netsec/catalog/rule-metas.js';
import { PROFILE_YAML_RULE_META } from '../netsec/profiles/rule-metas.js';
import { VARS_KEY_RULE_META } from '../render/var-keys.js';
import type { RuleMeta } from './rule.js';
import { allRules } from './rules/index.js';

export function allRuleMetas(): RuleMeta[] {
  const registered = new Set(allRules.map((r) => r.meta.id));
  // Diagnostics of the YAML inputs (vars files and their names, catalog, profile files); the rest of these metas are lint rules too.
  const inputs = [...MACRO_RULE_METAS, VARS_KEY_RULE_META, ...CATALOG_RULE_METAS, PROFILE_YAML_RULE_META].filter((m) => !registered.has(m.id));
  return [...loaderRules, ...verifyRules, ...inputs, ...allRules.map((r) => r.meta)];
}
