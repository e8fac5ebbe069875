/**
 * What the qualifiers of a Property mean (DSP0243 §9.5 qualifier table;
 * DSP0004 for MinValue/MaxValue and the ValueMap range syntax), and whether
 * each one fits the property's type. The qualifier rule reports the problems;
 * the value rule only uses the constraints.
 */
import { compareNumeric, isRealLiteral, parseInteger, parseIntegerEntry, type IntegerRange } from './literals.js';
import { isIntegerKind, isNumericKind, type PropertyTypeInfo } from './property-types.js';
import { parseQualifierSyntax, splitList, type ParsedQualifier } from './qualifier-syntax.js';

export interface Constraints {
  minLen?: number;
  maxLen?: number;
  /** Numeric literals as written. */
  minValue?: string;
  maxValue?: string;
  /** ValueMap of a string property: the allowed strings. */
  valueStrings?: string[];
  /** ValueMap of an integer property: allowed values and ranges. */
  valueRanges?: IntegerRange[];
}

export interface QualifierProblem {
  messageId: 'malformed' | 'separator' | 'unknown' | 'notApplicable' | 'duplicate' | 'emptyRange' | 'unquotedEntry' | 'badEntry' | 'boundOutsideType';
  data: Record<string, string | number>;
  /** Tolerated by common tools: reported as a warning. */
  soft?: boolean;
}

export const KNOWN_QUALIFIERS = ['MinLen', 'MaxLen', 'ValueMap', 'MinValue', 'MaxValue'] as const;
type KnownQualifier = (typeof KNOWN_QUALIFIERS)[number];

/** Which types each qualifier applies to (DSP0004: length qualifiers on strings, ValueMap on strings and integers, bounds on numbers). */
const APPLIES: Record<KnownQualifier, (t: PropertyTypeInfo) => boolean> = {
  MinLen: (t) => t.kind === 'string',
  MaxLen: (t) => t.kind === 'string',
  ValueMap: (t) => t.kind === 'string' || isIntegerKind(t),
  MinValue: (t) => isNumericKind(t),
  MaxValue: (t) => isNumericKind(t),
};

const FORM: Record<KnownQualifier, ParsedQualifier['form']> = { MinLen: 'paren', MaxLen: 'paren', ValueMap: 'brace', MinValue: 'paren', MaxValue: 'paren' };

function isKnown(name: string): name is KnownQualifier {
  return (KNOWN_QUALIFIERS as readonly string[]).includes(name);
}

class Interpreter {
  readonly constraints: Constraints = {};
  readonly problems: QualifierProblem[] = [];
  constructor(private readonly type: PropertyTypeInfo | undefined) {}

  private malformed(q: ParsedQualifier, reason: string): void {
    this.problems.push({ messageId: 'malformed', data: { text: q.text, reason } });
  }

  apply(q: ParsedQualifier & { name: KnownQualifier }): void {
    if (q.form !== FORM[q.name]) {
      const how = FORM[q.name] === 'brace' ? 'a list in braces, e.g. ValueMap{"a","b"}' : `a number in parentheses, e.g. ${q.name}(8)`;
      return this.malformed(q, `${q.name} takes ${how}`);
    }
    if (this.type && !APPLIES[q.name](this.type)) {
      this.problems.push({ messageId: 'notApplicable', data: { name: q.name, type: this.type.name } });
      return;
    }
    if (q.name === 'MinLen' || q.name === 'MaxLen') this.length(q);
    else if (q.name === 'ValueMap') this.valueMap(q);
    else this.bound(q);
  }

  private length(q: ParsedQualifier): void {
    const arg = q.arg.trim();
    if (!/^\d+$/.test(arg)) return this.malformed(q, `${q.name} takes a non-negative integer`);
    if (q.name === 'MinLen') this.constraints.minLen = Number(arg);
    else this.constraints.maxLen = Number(arg);
  }

  private bound(q: ParsedQualifier): void {
    const arg = q.arg.trim();
    const integer = parseInteger(arg) !== undefined;
    if (!integer && !isRealLiteral(arg)) return this.malformed(q, `${q.name} takes a number`);
    if (!integer && isIntegerKind(this.type)) return this.malformed(q, `${q.name} of an integer property must be an integer`);
    const t = this.type;
    if (t?.min !== undefined && t.max !== undefined && integer) {
      const n = BigInt(arg);
      if (n < t.min || n > t.max) this.problems.push({ messageId: 'boundOutsideType', data: { name: q.name, bound: arg, type: t.name }, soft: true });
    }
    if (q.name === 'MinValue') this.constraints.minValue = arg;
    else this.constraints.maxValue = arg;
  }

  private valueMap(q: ParsedQualifier): void {
    const entries = splitList(q.arg);
    if (entries === undefined) return this.malformed(q, 'ValueMap entries must be non-empty, comma-separated "strings"');
    const unquoted = entries.filter((e) => !e.quoted);
    if (unquoted.length > 0) this.problems.push({ messageId: 'unquotedEntry', data: { entry: unquoted[0]!.value }, soft: true });
    if (!isIntegerKind(this.type)) {
      this.constraints.valueStrings = entries.map((e) => e.value);
      return;
    }
    const ranges: IntegerRange[] = [];
    for (const e of entries) {
      const r = parseIntegerEntry(e.value.trim());
      if (r === undefined) this.problems.push({ messageId: 'badEntry', data: { entry: e.value, type: this.type!.name } });
      else ranges.push(r);
    }
    this.constraints.valueRanges = ranges;
  }

  crossCheck(): void {
    const c = this.constraints;
    if (c.minLen !== undefined && c.maxLen !== undefined && c.minLen > c.maxLen) this.problems.push({ messageId: 'emptyRange', data: { lower: `MinLen(${c.minLen})`, upper: `MaxLen(${c.maxLen})` } });
    if (c.minValue !== undefined && c.maxValue !== undefined && compareNumeric(c.minValue, c.maxValue) > 0)
      this.problems.push({ messageId: 'emptyRange', data: { lower: `MinValue(${c.minValue})`, upper: `MaxValue(${c.maxValue})` } });
  }
}

export interface InterpretedQualifiers {
  constraints: Constraints;
  problems: QualifierProblem[];
}

/**
 * Parses and interprets `ovf:qualifiers` for a property of the given type
 * (undefined when the type is unknown: applicability is then not judged).
 * `allowed` names extra qualifiers to accept silently (vendor extensions).
 */
export function interpretQualifiers(text: string | undefined, type: PropertyTypeInfo | undefined, allowed: ReadonlySet<string> = new Set()): InterpretedQualifiers {
  if (text === undefined || text.trim() === '') return { constraints: {}, problems: [] };
  const syntax = parseQualifierSyntax(text);
  const it = new Interpreter(type);
  for (const issue of syntax.issues)
    it.problems.push(issue.kind === 'separator' ? { messageId: 'separator', data: { text: issue.text }, soft: true } : { messageId: 'malformed', data: { text: issue.text, reason: issue.reason } });
  const seen = new Set<string>();
  for (const q of syntax.items) {
    if (seen.has(q.name)) it.problems.push({ messageId: 'duplicate', data: { name: q.name }, soft: true });
    seen.add(q.name);
    if (isKnown(q.name)) it.apply(q as ParsedQualifier & { name: KnownQualifier });
    else if (!allowed.has(q.name)) it.problems.push({ messageId: 'unknown', data: { name: q.name }, soft: true });
  }
  it.crossCheck();
  return { constraints: it.constraints, problems: it.problems };
}
