/** libvirt nwfilter support: model, parsing, validation, libvirt's reading, normalisation, graph and lint. */
export * from './model.js';
export { parseFilter, type ParseResult } from './parse.js';
export { validateFilter, chainProblem, isNCName, type ValidateOptions } from './validate.js';
export { readAsLibvirt, type CFilter, type CRule, type CFilterRef, type CAttribute, type LibvirtReading, type ReadOptions } from './libvirt-parser.js';
export { normalizeFilter, formatLibvirtFilter, filterNode, type NormalizeOptions, type NormalizeResult } from './normalize.js';
export { BUILTIN_FILTERS, BUILTIN_FILTER_NAMES, builtinFilter, isBuiltinFilter, type BuiltinFilter } from './builtins.js';
export { buildFilterGraph, formatCycle, type FilterGraph, type FilterNode, type FilterReference } from './graph.js';
export { analyzeFilter, type FilterAnalysis } from './analysis.js';
export { PROTOCOLS, PROTOCOL_NAMES, protocolSpec, type ProtocolName, type ProtocolSpec, type AttributeSpec } from './protocols.js';
export { VALUE_TYPES, valueType, type ValueType, type ValueTypeId } from './datatypes.js';
export { parseVariableC, isRngVariable, formatVariable, type VariableAccess } from './variables.js';
