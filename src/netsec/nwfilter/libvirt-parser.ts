/**
 * Reads a parsed filter the way libvirt's C parser does
 * (src/conf/nwfilter_conf.c virNWFilterDefParseXML, virNWFilterRuleParse,
 * virNWFilterRuleDetailsParse, virNWFilterRuleDefFixup,
 * virNWFilterRuleValidate; src/conf/nwfilter_params.c
 * virNWFilterParseParamAttributes). The result is what libvirt would store,
 * which normalize.ts prints in libvirt's format.
 *
 * It also reports, as `nwfilter-libvirt-parser` findings, where libvirt
 * disagrees with the schema: values the schema accepts but the parser
 * rejects, and values it silently drops or changes. The schema decides the
 * lint verdict, so these are warnings.
 */
import { cStrToInt, parseUuid } from './c-primitives.js';
import { parseValueC, type CItem } from './c-values.js';
import { collapseWhitespace, valueType, type ValueType } from './datatypes.js';
import { attributeLocator, finding, type Finding, type NwFilter, type NwFilterRef, type NwMatch, type NwRule, type Position, type RawAttribute } from './model.js';
import { PORT_ATTRIBUTES, type ProtocolSpec } from './protocols.js';
import { ACTIONS, DIRECTIONS, PRIORITY_MAX, PRIORITY_MIN } from './validate.js';
import { isRngVariable } from './variables.js';

export interface CAttribute {
  name: string;
  item: CItem;
  negated: boolean;
}

export interface CRule {
  kind: 'rule';
  action: string;
  direction: string;
  priority: number;
  noStatematch: boolean;
  protocol?: ProtocolSpec;
  /** Keyed by attribute name, after the fix-ups. */
  attributes: Map<string, CAttribute>;
}

export interface CFilterRef {
  kind: 'filterref';
  filter: string;
  /** Parameter name → values in document order. */
  parameters: Map<string, string[]>;
}

export interface CFilter {
  name: string;
  chain: string;
  /** 0 is not printed. */
  priority: number;
  /** Lowercase 8-4-4-4-12; undefined when the document has none (libvirt would generate one). */
  uuid?: string;
  entries: Array<CRule | CFilterRef>;
}

export interface LibvirtReading {
  /** What libvirt stores, or undefined when its parser rejects the document. */
  filter?: CFilter;
  /** Every reason the parser fails, schema-valid or not (for normalize). */
  errors: string[];
  /** Warnings for the `nwfilter-libvirt-parser` rule. */
  findings: Finding[];
}

/** chain_priorities[] in nwfilter_conf.c; 'stp' is missing there, so it gets (MIN+MAX)/2 = 0. */
const DEFAULT_CHAIN_PRIORITY: Record<string, number> = { root: 0, mac: -800, vlan: -750, ipv4: -700, ipv6: -600, arp: -500, rarp: -400 };
/** virNWFilterChainSuffixType order: the first matching prefix wins. */
const CHAIN_SUFFIXES = ['mac', 'vlan', 'stp', 'arp', 'rarp', 'ipv4', 'ipv6'];
/** MAX_RULE_PRIORITY / 2. */
const DEFAULT_RULE_PRIORITY = 500;
const PORT_PROTOCOLS = [6, 17, 33, 132];

class Reading {
  readonly errors: string[] = [];
  readonly findings: Finding[] = [];
  constructor(readonly skipInvalidValues: boolean) {}

  /** The parser fails here; a warning only if the schema accepted it (else an error was already reported). */
  reject(where: Position & { locator: string }, what: string, reason: string, schemaAccepts: boolean): void {
    this.errors.push(`${what}: ${reason}`);
    if (schemaAccepts) this.findings.push(finding('nwfilter-libvirt-parser', 'rejected', where, { what, reason }));
  }

  quirk(where: Position & { locator: string }, messageId: string, data: Record<string, string | number> = {}): void {
    this.findings.push(finding('nwfilter-libvirt-parser', messageId, where, data));
  }
}

function where(owner: { locator: string }, a: RawAttribute) {
  return { line: a.line, column: a.column, locator: attributeLocator(owner, a.name) };
}

export interface ReadOptions {
  /**
   * Drop attribute values the parser rejects instead of failing. Older libvirt
   * did this; libvirt's tests/nwfilterxml2xmlout files for the *-invalid cases
   * were recorded with it, so tests use it to check the formatting of those.
   */
  skipInvalidValues?: boolean;
}

export function readAsLibvirt(f: NwFilter, options: ReadOptions = {}): LibvirtReading {
  const r = new Reading(options.skipInvalidValues ?? false);
  const name = f.name?.value ?? '';
  if (name === '') r.reject({ ...f, locator: f.locator }, 'filter', 'filter has no name', false);
  const filter: CFilter = { name, chain: 'root', priority: 0, entries: [] };
  readChain(r, f, filter);
  if (f.uuid && f.uuid.text !== '') {
    filter.uuid = parseUuid(f.uuid.text);
    if (!filter.uuid) r.reject(f.uuid, 'uuid', 'malformed uuid element', false);
  }
  for (const e of f.entries) filter.entries.push(e.kind === 'rule' ? readRule(r, e) : readFilterRef(r, e));
  return { filter: r.errors.length === 0 ? filter : undefined, errors: r.errors, findings: r.findings };
}

function readChain(r: Reading, f: NwFilter, out: CFilter): void {
  const owner = { locator: f.locator };
  let priority: number | undefined;
  if (f.priority) {
    const p = f.priority;
    const schemaOk = /^[+-]?[0-9]+$/.test(collapseWhitespace(p.value));
    priority = cStrToInt(p.value);
    if (priority === undefined) r.reject(where(owner, p), `priority='${p.value}'`, 'could not parse chain priority', schemaOk);
    else if (priority < PRIORITY_MIN || priority > PRIORITY_MAX) r.reject(where(owner, p), `priority='${p.value}'`, 'priority is outside [-1000,1000]', false);
  }
  if (!f.chain) {
    if (f.priority) r.quirk(where(owner, f.priority), 'priorityWithoutChain', { value: f.priority.value });
    return;
  }
  const chain = f.chain.value;
  const prefix = chainPrefix(chain);
  if (!prefix) {
    r.reject(where(owner, f.chain), `chain='${chain}'`, 'invalid chain name', collapseWhitespace(chain) === 'root');
    return;
  }
  out.chain = chain;
  out.priority = priority ?? DEFAULT_CHAIN_PRIORITY[prefix] ?? 0;
}

/** virNWFilterIsAllowedChain: ≤ 12 characters of VALID_CHAINNAME; 'root' exactly, or a known prefix. */
function chainPrefix(chain: string): string | undefined {
  if (chain.length > 12 || !/^[a-zA-Z0-9_.:-]*$/.test(chain)) return undefined;
  if (chain === 'root') return 'root';
  if (chain.startsWith('root')) return undefined;
  return CHAIN_SUFFIXES.find((s) => chain.startsWith(s));
}

function readRule(r: Reading, rule: NwRule): CRule {
  const out: CRule = { kind: 'rule', action: '', direction: '', priority: DEFAULT_RULE_PRIORITY, noStatematch: false, attributes: new Map() };
  for (const [attr, allowed, key] of [
    [rule.action, ACTIONS, 'action'],
    [rule.direction, DIRECTIONS, 'direction'],
  ] as const) {
    if (!attr) r.reject(rule, 'rule', `rule node requires ${key} attribute`, false);
    else if (!(allowed as readonly string[]).includes(attr.value))
      r.reject(where(rule, attr), `${key}='${attr.value}'`, `unknown rule ${key} attribute value`, (allowed as readonly string[]).includes(collapseWhitespace(attr.value)));
    else out[key] = attr.value;
  }
  const p = rule.priority ? cStrToInt(rule.priority.value) : undefined;
  if (p !== undefined && p >= PRIORITY_MIN && p <= PRIORITY_MAX) out.priority = p;
  const sm = rule.statematch?.value;
  out.noStatematch = sm !== undefined && (sm === '0' || sm.toLowerCase() === 'false');
  const first = rule.matches[0]?.protocol;
  if (!first) return out;
  out.protocol = first;
  for (const m of rule.matches) {
    if (m.protocol !== first) continue; // libvirt reads only repeats of the first protocol element
    readMatch(r, m, out);
    checkPorts(r, m, out);
  }
  applyNegationFixups(r, rule.matches[0]!, out);
  applyIpsetFixup(r, rule.matches[0]!, out);
  return out;
}

/** virNWFilterRuleDetailsParse for one element: table order, match='no' exactly. */
function readMatch(r: Reading, m: NwMatch, out: CRule): void {
  const match = m.attributes.find((a) => a.name === 'match');
  const negated = match?.value === 'no';
  if (match && !negated && collapseWhitespace(match.value) === 'no') r.quirk(where(m, match), 'matchNotExact', { value: match.value });
  for (const spec of m.protocol.attributes) {
    const a = m.attributes.find((x) => x.name === spec.name);
    if (!a) continue;
    if (!spec.c) {
      r.quirk(where(m, a), 'ignoredAttribute', { attribute: a.name, element: m.protocol.name });
      continue;
    }
    const parsed = parseValueC(valueType(spec.cType ?? spec.type), a.value);
    if (!parsed.ok) {
      const schemaOk = spec.rng && schemaAccepts(valueType(spec.type), a.value);
      if (r.skipInvalidValues) continue;
      r.reject(where(m, a), `${a.name}='${a.value}' on <${m.protocol.name}>`, parsed.reason, schemaOk);
      continue;
    }
    if (parsed.item.truncated) r.quirk(where(m, a), 'commentTruncated', { length: Buffer.byteLength(a.value) });
    out.attributes.set(a.name, { name: a.name, item: parsed.item, negated });
  }
}

function schemaAccepts(t: ValueType, value: string): boolean {
  return t.rng(value) || (t.rngVariables && isRngVariable(value));
}

/** virNWFilterRuleValidate: <ip>/<ipv6> ports need protocol tcp, udp, dccp or sctp. */
function checkPorts(r: Reading, m: NwMatch, out: CRule): void {
  if (!m.protocol.portsNeedProtocol || !PORT_ATTRIBUTES.some((p) => out.attributes.has(p))) return;
  const proto = out.attributes.get('protocol')?.item.number;
  if (proto !== undefined && PORT_PROTOCOLS.includes(proto)) return;
  r.reject(m, `<${m.protocol.name}> with ports`, 'a rule with port attributes needs protocol tcp, udp, dccp (33) or sctp (132)', true);
}

/** COPY_NEG_SIGN: some attributes take their match='no' from another one, present or not. */
function applyNegationFixups(r: Reading, m: NwMatch, out: CRule): void {
  for (const [target, source] of m.protocol.negationFrom) {
    const t = out.attributes.get(target);
    if (!t) continue;
    const negated = out.attributes.get(source)?.negated ?? false;
    if (t.negated && !negated) {
      const a = m.attributes.find((x) => x.name === target);
      r.quirk(a ? where(m, a) : m, 'negationLost', { attribute: target, source, element: m.protocol.name });
    }
    t.negated = negated;
  }
}

/** virNWFilterRuleDefFixupIPSet: ipset alone gets ipsetflags='src'; otherwise both are cleared. */
function applyIpsetFixup(r: Reading, m: NwMatch, out: CRule): void {
  if (!m.protocol.ipsetFixup) return;
  const ipset = out.attributes.get('ipset');
  if (ipset && !out.attributes.has('ipsetflags')) {
    out.attributes.set('ipsetflags', { name: 'ipsetflags', item: { type: 'IPSETFLAGS', text: 'src' }, negated: false });
    return;
  }
  if (ipset) r.quirk(m, 'ipsetDropped', { element: m.protocol.name });
  out.attributes.delete('ipset');
  out.attributes.delete('ipsetflags');
}

/** virNWFilterIncludeParse + virNWFilterParseParamAttributes: invalid parameters are skipped silently. */
function readFilterRef(r: Reading, ref: NwFilterRef): CFilterRef {
  if (!ref.filter) r.reject(ref, 'filterref', 'filterref requires a filter attribute', false);
  const parameters = new Map<string, string[]>();
  for (const p of ref.parameters) {
    const name = p.name?.value;
    const value = p.value?.value;
    if (!name || !value || !/^[a-zA-Z0-9_]+$/.test(name) || !/^[a-zA-Z0-9_.:]+$/.test(value)) continue;
    parameters.set(name, [...(parameters.get(name) ?? []), value]);
  }
  return { kind: 'filterref', filter: ref.filter?.value ?? '', parameters };
}
