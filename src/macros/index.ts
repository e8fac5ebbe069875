/** Template macros `${name}`: syntax, value types, generated values, vars files and typed resolution (PRODUCT.md §4). */
export { MACRO_NAME_RE, findMacros, hasMacros, substituteMacros, wholeMacroName, type MacroRef, type MacroScan, type MacroSyntaxProblem, type Substitution } from './syntax.js';
export { MACRO_TYPES, checkLibvirtUnsigned, checkMacroValue, isMacroTypeName, macroType, type MacroType, type MacroTypeName, type OvfPropertyTypeName } from './types.js';
export {
  GENERATED_MACRO_NAMES,
  OVFPIPE_UUID_NAMESPACE,
  UUID_NAMESPACE_URL,
  findMacCollisions,
  generateInstanceId,
  generateInterfaceId,
  generateMac,
  generateValue,
  generateVmUuid,
  identityName,
  isGeneratedMacroName,
  uuidV5,
  type GeneratedMacroName,
  type GeneratedValue,
  type GenerationContext,
  type NicMac,
} from './generate.js';
export { ovfEnvironmentName, lookupOvfProperty, ovfPropertyLookup, type OvfLookup, type OvfPropertySource, type OvfPropertyValue } from './ovf-properties.js';
export {
  MACRO_SOURCE_RULE_ID,
  MACRO_TYPE_RULE_ID,
  displayValue,
  macroKey,
  resolveMacros,
  resolvedValue,
  type MacroContext,
  type MacroRequest,
  type MacroResolution,
  type MacroSourceKind,
  type MacroSources,
  type ResolvedMacro,
} from './resolve.js';
export {
  VARS_YAML_RULE_ID,
  parseVarsYaml,
  toVarScope,
  varSourcesFor,
  type ParseVarsOptions,
  type TenantVars,
  type VarScope,
  type VarValue,
  type VarsFile,
  type VarsParse,
  type VmVars,
} from './vars.js';
export { MACRO_RULE_METAS } from './rule-metas.js';
