/**
 * Normalises a filter to libvirt's own output format: what
 * `virsh nwfilter-dumpxml` prints after `nwfilter-define` (nwfilter_conf.c
 * virNWFilterDefFormat, virNWFilterRuleDefFormat,
 * virNWFilterRuleDefDetailsFormat; nwfilter_params.c
 * virNWFilterFormatParamAttributes). Checked against libvirt's
 * tests/nwfilterxml2xmlout. Deploy can compare this with a host's dumpxml to
 * tell whether a filter changed.
 *
 * Layout: `chain` always printed, filter `priority` only when not 0, rule
 * `priority` always, attributes in the C table's order with libvirt's value
 * formatting, filterref parameters sorted by name.
 */
import type { XmlElement } from '../../xml/element.js';
import { element, writeXml, type XmlNode } from '../../xml/writer.js';
import { readAsLibvirt, type CAttribute, type CFilter, type CFilterRef, type CRule } from './libvirt-parser.js';
import { parseFilter } from './parse.js';

export interface NormalizeOptions {
  /**
   * Supplies a UUID when the filter has none (libvirt generates a random one;
   * render will pass a deterministic one). Without it the <uuid> is omitted.
   */
  uuid?: () => string;
  /** See ReadOptions.skipInvalidValues (for comparing with libvirt's older expected outputs). */
  skipInvalidValues?: boolean;
}

export type NormalizeResult =
  | { ok: true; xml: string; filter: CFilter }
  /** libvirt's parser would reject the document; `errors` says why. */
  | { ok: false; errors: string[] };

/** Parses, reads as libvirt would and prints in libvirt's format. Never throws on bad input. */
export function normalizeFilter(root: XmlElement, options: NormalizeOptions = {}): NormalizeResult {
  const { filter } = parseFilter(root);
  if (root.local !== 'filter' || root.ns !== '') return { ok: false, errors: ['unknown root element for nw filter'] };
  const reading = readAsLibvirt(filter, { skipInvalidValues: options.skipInvalidValues });
  if (!reading.filter) return { ok: false, errors: reading.errors };
  return { ok: true, xml: formatLibvirtFilter(reading.filter, options), filter: reading.filter };
}

/** Prints a filter as libvirt stores it. */
export function formatLibvirtFilter(f: CFilter, options: NormalizeOptions = {}): string {
  return writeXml(filterNode(f, options));
}

export function filterNode(f: CFilter, options: NormalizeOptions = {}): XmlNode {
  const uuid = f.uuid ?? options.uuid?.();
  return element(
    'filter',
    [
      ['name', f.name],
      ['chain', f.chain],
      ['priority', f.priority !== 0 ? f.priority : undefined],
    ],
    uuid !== undefined ? element('uuid', [], uuid) : undefined,
    f.entries.map((e) => (e.kind === 'rule' ? ruleNode(e) : filterRefNode(e))),
  );
}

function ruleNode(rule: CRule): XmlNode {
  return element(
    'rule',
    [
      ['action', rule.action],
      ['direction', rule.direction],
      ['priority', rule.priority],
      ['statematch', rule.noStatematch ? 'false' : undefined],
    ],
    rule.protocol ? protocolNodes(rule) : [],
  );
}

/**
 * One element for the plain attributes, then one with match='no' for the
 * negated ones, as current libvirt prints a rule whose attributes differ in
 * negation (tests/nwfilterxml2xmlout/quirks-invalid.xml).
 */
function protocolNodes(rule: CRule): XmlNode[] {
  const spec = rule.protocol!;
  const present = spec.attributes.filter((a) => a.c && rule.attributes.has(a.name)).map((a) => rule.attributes.get(a.name)!);
  const plain = present.filter((a) => !a.negated);
  const negated = present.filter((a) => a.negated);
  const nodes: XmlNode[] = [];
  if (plain.length > 0) nodes.push(element(spec.name, plain.map(attributePair)));
  if (negated.length > 0) nodes.push(element(spec.name, [['match', 'no'], ...negated.map(attributePair)]));
  if (nodes.length === 0) nodes.push(element(spec.name));
  return nodes;
}

function attributePair(a: CAttribute): readonly [string, string] {
  return [a.name, a.item.text];
}

/** Parameters grouped by name in strcmp order (virHashGetItems sorted), values in document order. */
function filterRefNode(ref: CFilterRef): XmlNode {
  const names = [...ref.parameters.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return element(
    'filterref',
    [['filter', ref.filter]],
    names.flatMap((name) =>
      ref.parameters.get(name)!.map((value) =>
        element('parameter', [
          ['name', name],
          ['value', value],
        ]),
      ),
    ),
  );
}
