/**
 * Metadata of `profile-yaml`, the diagnostic parsePortProfileYaml reports for
 * syntax and shape problems of a profile file. (The profile rules themselves,
 * `virtualport-parameters` and `port-profile`, are lint rules in
 * src/lint/rules/netsec/.)
 */
import { reportedRuleMeta, type RuleMeta } from '../../diagnostics/rule.js';

export const PROFILE_YAML_RULE_META: RuleMeta = reportedRuleMeta('profile-yaml', 'parse', 'A port profile file is well-formed YAML matching profile.schema.json');
