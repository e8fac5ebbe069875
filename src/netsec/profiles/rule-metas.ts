/**
 * Metadata of `profile-yaml`, the diagnostic parsePortProfileYaml reports for
 * syntax and shape problems of a profile file. (The profile rules themselves,
 * `virtualport-parameters` and `port-profile`, are lint rules in
 * src/lint/rules/netsec/.)
 */
import type { RuleMeta } from '../../diagnostics/rule.js';

export const PROFILE_YAML_RULE_META: RuleMeta = {
  id: 'profile-yaml',
  family: 'parse',
  defaultSeverity: 'error',
  description: 'A port profile file is well-formed YAML matching profile.schema.json',
  messages: { failed: '{{message}}' },
};
