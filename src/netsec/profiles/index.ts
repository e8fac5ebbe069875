/** Port profiles: per-type virtualport rules, mode/vlan/bandwidth checks, YAML files. */
export { VIRTUALPORT_PARAMETERS, parameterSpec, profileFields, profileLocator, profileMacroUses, type ParameterSpec, type ProfileField, type ProfileMacroUse, type ProfileRuleId } from './fields.js';
export { validatePortProfile, type ValidateProfileOptions } from './validate.js';
export { PROFILE_YAML_RULE_ID, parsePortProfileYaml, type ParseProfileOptions, type ProfileParse } from './yaml.js';
export { profileMacroRequests, substituteProfile, type ProfileSubstitution } from './resolve.js';
export { PROFILE_YAML_RULE_META } from './rule-metas.js';
