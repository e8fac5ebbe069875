/**
 * Names from a package have a length bound (ids and property keys 255
 * characters, units 256): a longer one is a located error whose message and
 * locator quote only its start, never the whole value.
 */
import { describe, expect, it } from 'vitest';
import { runRules } from '../../src/lint/engine.js';
import { parseDescriptor } from '../../src/ovf/parser.js';
import { WEB_OVF } from '../helpers/packages.js';

const LONG = 'a'.repeat(100_000);

function lint(ovf: string) {
  const parsed = parseDescriptor(ovf, 'x.ovf');
  expect(parsed.envelope, JSON.stringify(parsed.diagnostics)).toBeDefined();
  return runRules({ scope: 'descriptor', file: 'x.ovf', envelope: parsed.envelope! }, {});
}

const cases: Array<[string, string, string, string, RegExp]> = [
  ['a VirtualSystem id', '<VirtualSystem ovf:id="web">', `<VirtualSystem ovf:id="${LONG}">`, 'unique-ids', /VirtualSystem id '.*' is 100000 characters long/],
  ['a Disk id', 'ovf:diskId="disk1"', `ovf:diskId="${LONG}"`, 'unique-ids', /Disk id '.*' is 100000 characters long/],
  ['a File id', '<File ovf:id="file1"', `<File ovf:id="${LONG}"`, 'unique-ids', /File id '.*' is 100000 characters long/],
  ['a Network name', '<Network ovf:name="frontend">', `<Network ovf:name="${LONG}">`, 'unique-ids', /Network name '.*' is 100000/],
  ['an InstanceID', '<rasd:InstanceID>2</rasd:InstanceID>', `<rasd:InstanceID>${LONG}</rasd:InstanceID>`, 'instance-id', /InstanceID '.*' is 100000/],
  ['a property key', 'ovf:key="hostname"', `ovf:key="${LONG}"`, 'property-key', /Property key '.*' is 100000/],
  [
    'a processor unit',
    '<rasd:AllocationUnits>hertz * 10^6</rasd:AllocationUnits>',
    `<rasd:AllocationUnits>hertz * 10^6${' '.repeat(1000)}x</rasd:AllocationUnits>`,
    'allocation-units',
    /Processor AllocationUnits is \d+ characters long/,
  ],
];

describe('length bounds on names from a package', () => {
  for (const [what, from, to, ruleId, message] of cases)
    it(`reports ${what} longer than the bound, located and abbreviated`, () => {
      expect(WEB_OVF).toContain(from);
      const diags = lint(WEB_OVF.replace(from, to));
      const d = diags.find((x) => x.ruleId === ruleId && message.test(x.message));
      expect(d, JSON.stringify(diags.map((x) => x.message))).toBeDefined();
      expect(d!.severity).toBe('error');
      expect(d!.line).toBeGreaterThan(0);
      for (const x of diags) expect(x.message.length + x.locator.length, x.ruleId).toBeLessThan(2000);
    });

  it('reports an absurd processor frequency unit instead of computing Infinity', () => {
    const diags = lint(WEB_OVF.replace('hertz * 10^6', 'hertz * 10^999'));
    expect(diags).toContainEqual(expect.objectContaining({ ruleId: 'allocation-units', severity: 'error', message: expect.stringMatching(/not a whole number of hertz/) }));
  });

  it('reports a capacity whose byte count is not exact', () => {
    const diags = lint(WEB_OVF.replace('ovf:capacity="64"', 'ovf:capacity="9007199254740991"'));
    expect(diags).toContainEqual(expect.objectContaining({ ruleId: 'disk-capacity', message: expect.stringMatching(/more bytes than can be represented/) }));
  });

  it('keeps the example clean', () => {
    expect(lint(WEB_OVF).filter((d) => d.severity === 'error')).toEqual([]);
  });
});
