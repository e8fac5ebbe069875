/** Vars files: the full per-tenant/per-VM form, the flat form, secrets, and located errors. */
import { describe, expect, it } from 'vitest';
import { parseVarsYaml, varSourcesFor } from '../../src/macros/vars.js';

const FULL = `defaults:
  dns: 10.0.0.2
tenants:
  acme:
    vars:
      gateway: 10.1.0.1
      db_password: { value: "s3cret", secret: true }
      vsi_type: 0x123456
    vms:
      web:
        vars: { hostname: web01 }
        nics:
          "7": { ip: 10.1.0.5 }
`;

describe('vars files', () => {
  it('reads the full form into defaults, tenant, VM and per-NIC scopes with locations', () => {
    const r = parseVarsYaml(FULL, { file: 'vars.yaml' });
    expect(r.diagnostics).toEqual([]);
    const v = r.vars!;
    expect(v.form).toBe('full');
    expect(v.defaults.get('dns')).toEqual({ value: '10.0.0.2', loc: { file: 'vars.yaml', line: 2, column: 8 }, keyLoc: { file: 'vars.yaml', line: 2, column: 3 } });
    const acme = v.tenants.get('acme')!;
    expect(acme.vars.get('db_password')).toMatchObject({ value: 's3cret', secret: true });
    expect(acme.vars.get('vsi_type')?.value).toBe('0x123456');
    expect(acme.vms.get('web')!.nics.get('7')!.get('ip')?.value).toBe('10.1.0.5');
    const sources = varSourcesFor(v, 'acme', 'web');
    expect(sources.vm?.vars.get('hostname')?.value).toBe('web01');
    expect(sources.tenant?.get('gateway')?.value).toBe('10.1.0.1');
    expect(varSourcesFor(v, 'globex', 'web')).toEqual({ vm: undefined, tenant: undefined, defaults: v.defaults });
  });

  it("reads the flat form as one tenant's values, numbers and booleans as written", () => {
    const r = parseVarsYaml('ip: 10.0.0.5\nport: 080\nenabled: true\nconstructor: x\n', { tenant: 'acme' });
    expect(r.vars?.form).toBe('flat');
    const scope = r.vars!.tenants.get('acme')!.vars;
    expect([...scope].map(([k, v]) => [k, v.value])).toEqual([
      ['ip', '10.0.0.5'],
      ['port', '080'],
      ['enabled', 'true'],
      ['constructor', 'x'],
    ]);
    expect(parseVarsYaml('a: 1\n').vars!.tenants.has('default')).toBe(true);
  });

  it('treats an empty file as no values', () => {
    expect(parseVarsYaml('').vars?.tenants.get('default')?.vars.size).toBe(0);
  });

  it('rejects bad names, nested values, nulls and unknown keys at their lines', () => {
    const r = parseVarsYaml('1bad: x\nlist: [1, 2]\nnothing:\nok: { value: 1, secret: yes, extra: 2 }\n', { file: 'v.yaml' });
    expect(r.vars).toBeUndefined();
    expect(r.diagnostics.map((d) => `${d.line} ${d.ruleId} ${d.message}`)).toEqual([
      "1 vars-yaml '1bad' is not a macro name (a letter or '_' first, then letters, digits, '_', '.', '-')",
      '2 vars-yaml list: must be a string, number or boolean, or { value, secret: true } for a value that must never be printed',
      '3 vars-yaml nothing: must be a string, number or boolean, or { value, secret: true } for a value that must never be printed',
      '4 vars-yaml ok: must be a string, number or boolean, or { value, secret: true } for a value that must never be printed',
    ]);
  });

  it('rejects unknown keys in the full form', () => {
    const r = parseVarsYaml('tenants:\n  acme:\n    vm: {}\n');
    expect(r.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`)).toEqual(["3:5 tenants.acme: unknown key 'vm' (did you mean 'vms'? allowed: vars, vms)"]);
  });

  it('reports YAML syntax errors', () => {
    expect(parseVarsYaml('a: [1\n', { file: 'v.yaml' }).diagnostics[0]).toMatchObject({ ruleId: 'vars-yaml', severity: 'error', file: 'v.yaml' });
  });
});
