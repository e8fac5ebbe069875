/**
 * Bugs the fuzz suite found, each pinned as a plain example: render threw out
 * of the library instead of returning a verdict.
 */
import { describe, expect, it } from 'vitest';
import { parseDescriptor } from '../../src/ovf/parser.js';
import { renderOptions } from '../../src/render/options.js';
import { renderPackage } from '../../src/render/render-package.js';
import { parseVarsYaml } from '../../src/macros/vars.js';
import { SECURE_WEB_OVF, WEB_OVF } from '../helpers/packages.js';

function render(ovf: string, varsText = 'ip: 10.0.1.5\nadmin_password: x\n') {
  const parsed = parseDescriptor(ovf, 'x.ovf');
  expect(parsed.diagnostics).toEqual([]);
  const vars = parseVarsYaml(varsText, { file: 'vars.yaml', tenant: 't' });
  return renderPackage({ envelope: parsed.envelope!, packageName: 'x', tenant: 't', vars: vars.vars, storageRoot: '/var/lib/ovfpipe', options: renderOptions(), digests: new Map() });
}

describe('found by fuzzing', () => {
  it('reports a property repeated in one ProductSection instead of throwing from the OVF environment writer', () => {
    const property = /<Property ovf:key="hostname"[\s\S]*?<\/Property>/.exec(WEB_OVF)![0];
    const r = render(WEB_OVF.replace(property, property + property));
    expect(r.diagnostics).toContainEqual(expect.objectContaining({ ruleId: 'property-key', severity: 'error' }));
    expect(r.domains).toEqual([]);
  });

  it('reports an embedded filter that references a missing filter instead of throwing', () => {
    const ovf = SECURE_WEB_OVF.replace("<filterref filter='clean-traffic'/>", "<filterref filter='no-such-filter'/>");
    expect(ovf).not.toBe(SECURE_WEB_OVF);
    const r = render(ovf, 'ip: 10.0.1.5\nadmin_password: x\nbridge: br0\n');
    expect(r.diagnostics).toContainEqual(expect.objectContaining({ ruleId: 'nwfilter-filterref', severity: 'error', message: expect.stringMatching(/no-such-filter/) }));
  });

  it('reports a value XML cannot carry (a vars value with a control character) instead of throwing', () => {
    const r = render(WEB_OVF, 'ip: 10.0.1.5\nadmin_password: "a\\u0004b"\n');
    expect(r.diagnostics.some((d) => d.severity === 'error')).toBe(true);
  });

  it('refuses a control character in a descriptor, raw or as a character reference, as not well-formed', () => {
    for (const bad of ['\u0004', '&#4;', '&#x1F;']) {
      const parsed = parseDescriptor(WEB_OVF.replace('A small web server', `A small${bad} web server`).replace('ovf:value="web"', `ovf:value="w${bad}b"`), 'x.ovf');
      expect(parsed.diagnostics).toEqual([expect.objectContaining({ ruleId: 'xml-well-formed', message: expect.stringMatching(/not allowed in XML 1.0/) })]);
      expect(parsed.diagnostics[0]!.line).toBeGreaterThan(1);
    }
  });
});
