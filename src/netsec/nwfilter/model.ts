/**
 * The nwfilter document model, named after the elements of libvirt's
 * <filter> format (https://libvirt.org/formatnwfilter.html). Values are kept
 * as written (raw strings) with their source positions; validate.ts judges
 * them, libvirt-parser.ts reads them as libvirt would.
 */
import type { Severity } from '../../diagnostics/diagnostic.js';
import type { XmlElement } from '../../xml/element.js';
import type { ProtocolSpec } from './protocols.js';

export interface Position {
  line: number;
  column: number;
}

export interface RawAttribute extends Position {
  name: string;
  value: string;
}

/** <filter name= chain= priority=> with an optional <uuid> and rules/filterrefs in document order. */
export interface NwFilter extends Position {
  /** Raw attribute values; absent when not written. */
  name?: RawAttribute;
  chain?: RawAttribute;
  priority?: RawAttribute;
  uuid?: NwUuid;
  entries: NwEntry[];
  /** `filter[name]`, the prefix of every locator in this filter. */
  locator: string;
  element: XmlElement;
}

export interface NwUuid extends Position {
  text: string;
  locator: string;
}

export type NwEntry = NwRule | NwFilterRef;

/** <rule action= direction= priority= statematch=> and its protocol element(s). */
export interface NwRule extends Position {
  kind: 'rule';
  /** 1-based among the filter's rules. */
  index: number;
  action?: RawAttribute;
  direction?: RawAttribute;
  priority?: RawAttribute;
  statematch?: RawAttribute;
  /** Protocol elements in order; the schema allows one, libvirt's parser reads repeats of the first kind. */
  matches: NwMatch[];
  locator: string;
}

/** A protocol element such as <tcp dstportstart='22'/>. */
export interface NwMatch extends Position {
  protocol: ProtocolSpec;
  attributes: RawAttribute[];
  locator: string;
}

/** <filterref filter=> with <parameter name= value=> children (repeated names make lists). */
export interface NwFilterRef extends Position {
  kind: 'filterref';
  filter?: RawAttribute;
  parameters: NwParameter[];
  locator: string;
}

export interface NwParameter extends Position {
  name?: RawAttribute;
  value?: RawAttribute;
  locator: string;
}

/** The nwfilter lint rules; each finding belongs to exactly one. */
export type NwfilterRuleId =
  | 'nwfilter-structure'
  | 'nwfilter-attribute-value'
  | 'nwfilter-chain'
  | 'nwfilter-priority'
  | 'nwfilter-action-direction'
  | 'nwfilter-variable-syntax'
  | 'nwfilter-filterref'
  | 'nwfilter-libvirt-parser';

/** A problem found in a filter, before it becomes a Diagnostic through its lint rule. */
export interface Finding extends Position {
  ruleId: NwfilterRuleId;
  messageId: string;
  data: Record<string, string | number>;
  locator: string;
  /** Set only to lower the rule's severity for this finding (e.g. unknown references are warnings). */
  severity?: Severity;
}

export function finding(ruleId: NwfilterRuleId, messageId: string, at: Position & { locator: string }, data: Record<string, string | number> = {}, severity?: Severity): Finding {
  return { ruleId, messageId, data, line: at.line, column: at.column, locator: at.locator, ...(severity ? { severity } : {}) };
}

/** `filter[web]/rule[2]/tcp` + `@dstportstart`. */
export function attributeLocator(owner: { locator: string }, attribute: string): string {
  return `${owner.locator}@${attribute}`;
}
