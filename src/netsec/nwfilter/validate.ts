/**
 * Judges the values of a parsed filter against docs/schemas/nwfilter.rng
 * (and nwfilter_params.rng, basictypes.rng): the schema decides the lint
 * verdict, exactly as `virt-xml-validate FILE nwfilter` and
 * `virsh nwfilter-define --validate` would. Where libvirt's C parser reads a
 * value differently, libvirt-parser.ts says so separately (as warnings).
 */
import { isBuiltinFilter } from './builtins.js';
import { collapseWhitespace, describeExpected, valueType, xsdInt } from './datatypes.js';
import { attributeLocator, finding, type Finding, type NwFilter, type NwFilterRef, type NwMatch, type NwRule, type RawAttribute } from './model.js';
import { attributeSpec } from './protocols.js';
import { explainRngVariable, isRngVariable } from './variables.js';

export interface ValidateOptions {
  /** Filters defined elsewhere (the rest of the library or package); built-ins are always known. */
  knownFilters?: ReadonlySet<string>;
}

/** Rule and filter priorities: nwfilter.rng "priority-type" (MIN/MAX_RULE_PRIORITY in nwfilter_conf.h). */
export const PRIORITY_MIN = -1000;
export const PRIORITY_MAX = 1000;

export const ACTIONS = ['drop', 'accept', 'reject', 'continue', 'return'] as const;
export const DIRECTIONS = ['in', 'out', 'inout'] as const;

/** The chain prefixes and how many characters may follow each (nwfilter.rng filter-node-attributes). */
export const CHAIN_PREFIXES: ReadonlyArray<readonly [string, number]> = [
  ['mac', 9],
  ['stp', 9],
  ['vlan', 8],
  ['arp', 9],
  ['rarp', 8],
  ['ipv4', 8],
  ['ipv6', 8],
];

export function validateFilter(filter: NwFilter, options: ValidateOptions = {}): Finding[] {
  const out: Finding[] = [];
  checkFilterAttributes(filter, out);
  for (const entry of filter.entries) {
    if (entry.kind === 'rule') checkRule(entry, out);
    else checkFilterRef(filter, entry, options, out);
  }
  return out;
}

function at(owner: { locator: string }, a: RawAttribute) {
  return { line: a.line, column: a.column, locator: attributeLocator(owner, a.name) };
}

/** xsd:NCName after whitespace collapse (libxml2 collapses NCName values). */
export function isNCName(value: string): boolean {
  return /^[\p{L}_][\p{L}\p{N}\p{M}._\-·]*$/u.test(collapseWhitespace(value));
}

/** basictypes.rng UUID: 32 hex digits, or 8-4-4-4-12; no surrounding space (xsd:string). */
export function isRngUuid(value: string): boolean {
  return /^([a-fA-F0-9]{32}|[a-fA-F0-9]{8}-([a-fA-F0-9]{4}-){3}[a-fA-F0-9]{12})$/.test(value);
}

function checkFilterAttributes(f: NwFilter, out: Finding[]): void {
  const filterOwner = { locator: f.locator };
  if (f.name && !isNCName(f.name.value)) out.push(finding('nwfilter-attribute-value', 'invalidName', at(filterOwner, f.name), { value: f.name.value }));
  if (f.uuid && !isRngUuid(f.uuid.text)) out.push(finding('nwfilter-attribute-value', 'invalidUuid', f.uuid, { value: f.uuid.text }));
  if (f.chain) {
    const problem = chainProblem(f.chain.value);
    if (problem) out.push(finding('nwfilter-chain', 'invalidChain', at(filterOwner, f.chain), { value: f.chain.value, reason: problem }));
  }
  if (f.priority) checkPriority(f.priority, at(filterOwner, f.priority), 'filter', out);
}

/** Why the schema rejects a chain name, or undefined when it accepts it. */
export function chainProblem(chain: string): string | undefined {
  if (collapseWhitespace(chain) === 'root') return undefined;
  const prefix = CHAIN_PREFIXES.find(([p]) => chain.startsWith(p));
  if (!prefix) {
    return chain.startsWith('root') ? "'root' is allowed only as the whole name, not as a prefix" : 'a chain name is root or starts with mac, stp, vlan, arp, rarp, ipv4 or ipv6';
  }
  const rest = chain.slice(prefix[0].length);
  if (!/^[a-zA-Z0-9_.:-]*$/.test(rest)) return 'after the prefix only letters, digits and _ . : - may follow';
  if (rest.length > prefix[1]) return `at most ${prefix[1]} characters may follow '${prefix[0]}' (12 in all)`;
  return undefined;
}

function checkPriority(p: RawAttribute, where: ReturnType<typeof at>, element: 'filter' | 'rule', out: Finding[]): void {
  if (xsdInt(p.value, PRIORITY_MIN, PRIORITY_MAX)) return;
  const messageId = /^[+-]?[0-9]+$/.test(collapseWhitespace(p.value)) ? 'priorityOutOfRange' : 'priorityNotInteger';
  out.push(finding('nwfilter-priority', messageId, where, { value: p.value, element, min: PRIORITY_MIN, max: PRIORITY_MAX }));
}

function checkRule(rule: NwRule, out: Finding[]): void {
  const ad = 'nwfilter-action-direction';
  if (rule.action && !(ACTIONS as readonly string[]).includes(collapseWhitespace(rule.action.value)))
    out.push(finding(ad, 'invalidAction', at(rule, rule.action), { value: rule.action.value, allowed: ACTIONS.join(', ') }));
  if (rule.direction && !(DIRECTIONS as readonly string[]).includes(collapseWhitespace(rule.direction.value)))
    out.push(finding(ad, 'invalidDirection', at(rule, rule.direction), { value: rule.direction.value, allowed: DIRECTIONS.join(', ') }));
  if (rule.statematch && !/^([Ff][Aa][Ll][Ss][Ee]|0)$/.test(rule.statematch.value)) out.push(finding(ad, 'invalidStatematch', at(rule, rule.statematch), { value: rule.statematch.value }));
  if (rule.priority) checkPriority(rule.priority, at(rule, rule.priority), 'rule', out);
  for (const m of rule.matches) checkMatch(m, out);
}

/** Each attribute value against its schema type from the protocol table. */
function checkMatch(m: NwMatch, out: Finding[]): void {
  for (const a of m.attributes) {
    const spec = attributeSpec(m.protocol, a.name);
    if (!spec?.rng) continue; // reported by parse.ts
    const t = valueType(spec.type);
    if (t.rng(a.value) || (t.rngVariables && isRngVariable(a.value))) continue;
    const data = { attribute: a.name, element: m.protocol.name, value: a.value, expected: describeExpected(t) };
    if (a.value.startsWith('$') && !t.rngVariables) out.push(finding('nwfilter-variable-syntax', 'variableNotAllowed', at(m, a), data));
    else if (a.value.startsWith('$')) out.push(finding('nwfilter-variable-syntax', 'malformedVariable', at(m, a), { ...data, reason: explainRngVariable(a.value) }));
    else out.push(finding('nwfilter-attribute-value', 'invalidValue', at(m, a), data));
  }
}

/** nwfilter_params.rng filter-param-name / filter-param-value. */
export const PARAMETER_NAME = /^[a-zA-Z0-9_]+$/;
export const PARAMETER_VALUE = /^[a-zA-Z0-9_.:]+$/;

function checkFilterRef(f: NwFilter, ref: NwFilterRef, options: ValidateOptions, out: Finding[]): void {
  const fr = 'nwfilter-filterref';
  if (ref.filter) {
    const target = collapseWhitespace(ref.filter.value);
    if (!isNCName(ref.filter.value)) out.push(finding(fr, 'invalidFilterName', at(ref, ref.filter), { value: ref.filter.value }));
    else if (f.name && target === collapseWhitespace(f.name.value)) out.push(finding(fr, 'selfReference', at(ref, ref.filter), { filter: target }));
    else if (!isBuiltinFilter(target) && !options.knownFilters?.has(target)) out.push(finding(fr, 'unknownFilter', at(ref, ref.filter), { filter: target }, 'warning'));
  }
  for (const p of ref.parameters) {
    if (p.name && !PARAMETER_NAME.test(p.name.value)) out.push(finding(fr, 'invalidParameterName', at(p, p.name), { value: p.name.value }));
    if (p.value && !PARAMETER_VALUE.test(p.value.value)) {
      const hint = p.value.value.includes('/') ? ' (a CIDR such as 10.0.0.0/24 cannot be passed; pass the address and mask separately)' : '';
      out.push(finding(fr, 'invalidParameterValue', at(p, p.value), { value: p.value.value, name: p.name?.value ?? '', hint }));
    }
  }
}
