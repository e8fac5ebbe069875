/**
 * Does a property value conform to its type and qualifiers? (DSP0243 §9.5:
 * `ovf:value` and each `<Value>` are values of the property's type.)
 * Returns the first problem, as a message id and data for the value rule.
 */
import { characterLength, compareNumeric, inRange, isBooleanLiteral, isRealLiteral, parseInteger } from './literals.js';
import type { PropertyTypeInfo } from './property-types.js';
import type { Constraints } from './qualifiers.js';

export interface ValueProblem {
  messageId: 'invalid' | 'outOfRange' | 'tooShort' | 'tooLong' | 'notInValueMap' | 'belowMinValue' | 'aboveMaxValue';
  data: Record<string, string | number>;
}

function checkType(value: string, t: PropertyTypeInfo): ValueProblem | undefined {
  const type = t.name;
  switch (t.kind) {
    case 'unsigned':
    case 'signed': {
      const n = parseInteger(value);
      if (n === undefined) return { messageId: 'invalid', data: { type } };
      if (n < t.min! || n > t.max!) return { messageId: 'outOfRange', data: { type, range: `${t.min}..${t.max}` } };
      return undefined;
    }
    case 'real': {
      if (!isRealLiteral(value)) return { messageId: 'invalid', data: { type } };
      if (Math.abs(Number(value)) > t.maxMagnitude!) return { messageId: 'outOfRange', data: { type, range: `±${t.maxMagnitude}` } };
      return undefined;
    }
    case 'boolean':
      return isBooleanLiteral(value) ? undefined : { messageId: 'invalid', data: { type } };
    case 'char16':
      // One UCS-2 code unit (DSP0004 char16).
      return value.length === 1 ? undefined : { messageId: 'invalid', data: { type } };
    case 'string':
      return undefined;
  }
}

function checkLength(value: string, c: Constraints): ValueProblem | undefined {
  const len = characterLength(value);
  if (c.minLen !== undefined && len < c.minLen) return { messageId: 'tooShort', data: { length: len, min: c.minLen } };
  if (c.maxLen !== undefined && len > c.maxLen) return { messageId: 'tooLong', data: { length: len, max: c.maxLen } };
  return undefined;
}

function checkValueMap(value: string, c: Constraints): ValueProblem | undefined {
  if (c.valueStrings !== undefined && !c.valueStrings.includes(value)) return { messageId: 'notInValueMap', data: {} };
  if (c.valueRanges !== undefined && c.valueRanges.length > 0) {
    const n = parseInteger(value);
    if (n !== undefined && !c.valueRanges.some((r) => inRange(n, r))) return { messageId: 'notInValueMap', data: {} };
  }
  return undefined;
}

function checkBounds(value: string, c: Constraints): ValueProblem | undefined {
  if (parseInteger(value) === undefined && !isRealLiteral(value)) return undefined;
  if (c.minValue !== undefined && compareNumeric(value, c.minValue) < 0) return { messageId: 'belowMinValue', data: { min: c.minValue } };
  if (c.maxValue !== undefined && compareNumeric(value, c.maxValue) > 0) return { messageId: 'aboveMaxValue', data: { max: c.maxValue } };
  return undefined;
}

/** The first way `value` fails its type or constraints; the type may be unknown (then only qualifiers are checked). */
export function checkPropertyValue(value: string, type: PropertyTypeInfo | undefined, c: Constraints): ValueProblem | undefined {
  const typeProblem = type ? checkType(value, type) : undefined;
  if (typeProblem) return typeProblem;
  return checkLength(value, c) ?? checkValueMap(value, c) ?? checkBounds(value, c);
}
