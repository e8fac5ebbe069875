/**
 * fast-check arbitraries that mutate real descriptors: byte flips, truncation,
 * element and attribute duplication, and extreme values in attributes and
 * element text. Each mutation carries a label so a failure says what was done.
 */
import fc from 'fast-check';

export interface Mutation {
  label: string;
  apply(doc: Buffer): Buffer;
}

/** fast-check prints counterexamples with toString: a mutation shows as its label, not its code. */
function labelled(m: Mutation): Mutation {
  return Object.assign(m, { toString: () => m.label, [Symbol.for('fast-check/toStringMethod')]: () => m.label });
}

/** Values that have broken parsers elsewhere: empty, huge, negative, non-finite, units that backtrack, paths, markup. */
export const EXTREME_VALUES: readonly string[] = [
  '',
  ' ',
  '-1',
  '0',
  '4294967296',
  '18446744073709551616',
  '9'.repeat(400),
  '1e309',
  'NaN',
  'Infinity',
  '0x10',
  'byte * 2^999',
  'byte * 2^-1',
  'hertz * 10^999',
  'byte * 2' + ' '.repeat(20_000) + 'x',
  'byte' + ' * 2'.repeat(5000),
  '${' + 'a'.repeat(5000) + '}',
  '${x}',
  '${}',
  'ovf:/disk/' + 'd'.repeat(10_000),
  'ovf:/file/../../etc/passwd',
  '../../../../etc/passwd',
  '/etc/passwd',
  'file:///etc/passwd',
  'http://127.0.0.1:9/x.vmdk',
  '&lt;'.repeat(2000),
  '&#x1F600;',
  'é'.repeat(1000),
  '\u202e\u200b',
  'a'.repeat(100_000),
  ' '.repeat(50_000) + 'x',
  '$(reboot)',
  "'; rm -rf / #",
  'MaxLen(99999999999999999999)',
  'ValueMap{' + '"1",'.repeat(2000) + '}',
];

const ELEMENTS = [
  'Item',
  'Disk',
  'File',
  'Property',
  'VirtualSystem',
  'Network',
  'ProductSection',
  'VirtualHardwareSection',
  'References',
  'DiskSection',
  'NetworkSection',
  'OperatingSystemSection',
  'rasd:AllocationUnits',
  'rasd:InstanceID',
  'rasd:HostResource',
  'rasd:Connection',
  'rasd:VirtualQuantity',
  'rasd:ResourceType',
  'Info',
];

/** Index of the k-th (mod count) match of `re` in `text`, with the match; undefined when none. */
function nth(text: string, re: RegExp, k: number): RegExpExecArray | undefined {
  const all = [...text.matchAll(new RegExp(re.source, 'g'))];
  if (all.length === 0) return undefined;
  return all[k % all.length] as RegExpExecArray;
}

/** [start, end) of the k-th element named `name` (approximate for nested same-name elements; this is fuzzing). */
function elementSpan(text: string, name: string, k: number): [number, number] | undefined {
  const m = nth(text, new RegExp(`<${name.replace(':', '\\:')}[\\s/>]`), k);
  if (!m) return undefined;
  const start = m.index;
  const tagEnd = text.indexOf('>', start);
  if (tagEnd === -1) return undefined;
  if (text[tagEnd - 1] === '/') return [start, tagEnd + 1];
  const close = text.indexOf(`</${name}>`, tagEnd);
  return close === -1 ? undefined : [start, close + name.length + 3];
}

const byteFlip = fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }).map(
  ({ at, xor }): Mutation =>
    labelled({
      label: `flip byte ${at} ^ ${xor}`,
      apply: (doc) => {
        const b = Buffer.from(doc);
        if (b.length > 0) b[at % b.length] ^= xor;
        return b;
      },
    }),
);

const truncate = fc
  .double({ min: 0, max: 1, noNaN: true })
  .map((fraction): Mutation => labelled({ label: `truncate at ${fraction.toFixed(3)}`, apply: (doc) => doc.subarray(0, Math.floor(doc.length * fraction)) }));

const duplicateElement = fc.record({ name: fc.constantFrom(...ELEMENTS), k: fc.nat(), copies: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.constantFrom(100, 1000)) }).map(
  ({ name, k, copies }): Mutation =>
    labelled({
      label: `duplicate <${name}> #${k} ×${copies}`,
      apply: (doc) => {
        const text = doc.toString('utf8');
        const span = elementSpan(text, name, k);
        if (!span) return doc;
        const el = text.slice(span[0], span[1]);
        return Buffer.from(text.slice(0, span[1]) + el.repeat(copies) + text.slice(span[1]));
      },
    }),
);

const duplicateAttribute = fc.record({ k: fc.nat(), value: fc.option(fc.constantFrom(...EXTREME_VALUES.slice(0, 12)), { nil: undefined }) }).map(
  ({ k, value }): Mutation =>
    labelled({
      label: `duplicate attribute #${k}${value === undefined ? '' : ` with ${JSON.stringify(value.slice(0, 20))}`}`,
      apply: (doc) => {
        const text = doc.toString('utf8');
        const m = nth(text, /\s([\w:]+)="([^"]*)"/, k);
        if (!m) return doc;
        const copy = value === undefined ? m[0] : ` ${m[1]}="${value}"`;
        const end = m.index + m[0].length;
        return Buffer.from(text.slice(0, end) + copy + text.slice(end));
      },
    }),
);

const extremeAttribute = fc.record({ k: fc.nat(), value: fc.constantFrom(...EXTREME_VALUES) }).map(
  ({ k, value }): Mutation =>
    labelled({
      label: `attribute #${k} = ${JSON.stringify(value.slice(0, 24))}${value.length > 24 ? `… (${value.length})` : ''}`,
      apply: (doc) => {
        const text = doc.toString('utf8');
        const m = nth(text, /\s([\w:]+)="([^"]*)"/, k);
        if (!m || m[1]!.startsWith('xmlns')) return doc;
        const escaped = value.replace(/"/g, '&quot;');
        return Buffer.from(text.slice(0, m.index) + ` ${m[1]}="${escaped}"` + text.slice(m.index + m[0].length));
      },
    }),
);

const extremeText = fc.record({ k: fc.nat(), value: fc.constantFrom(...EXTREME_VALUES) }).map(
  ({ k, value }): Mutation =>
    labelled({
      label: `element text #${k} = ${JSON.stringify(value.slice(0, 24))}${value.length > 24 ? `… (${value.length})` : ''}`,
      apply: (doc) => {
        const text = doc.toString('utf8');
        const m = nth(text, />([^<>]+)</, k);
        if (!m) return doc;
        const escaped = value.replace(/</g, '&lt;');
        return Buffer.from(text.slice(0, m.index) + `>${escaped}<` + text.slice(m.index + m[0].length));
      },
    }),
);

/** One mutation of any kind; value mutations weigh more, since they reach the model and the rules. */
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { arbitrary: byteFlip, weight: 2 },
  { arbitrary: truncate, weight: 1 },
  { arbitrary: duplicateElement, weight: 2 },
  { arbitrary: duplicateAttribute, weight: 1 },
  { arbitrary: extremeAttribute, weight: 3 },
  { arbitrary: extremeText, weight: 3 },
);

export function applyAll(doc: Buffer, mutations: readonly Mutation[]): Buffer {
  return mutations.reduce((d, m) => m.apply(d), doc);
}
