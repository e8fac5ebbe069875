/**
 * Typed macro resolution: the precedence of PRODUCT.md §4 (each source wins over the
 * next), OVF properties with configuration-specific values, generated values, type
 * errors that name VM, NIC, macro and source, and secrets that never show.
 */
import { describe, expect, it } from 'vitest';
import { generateInstanceId, generateMac, generateVmUuid } from '../../src/macros/generate.js';
import { displayValue, macroKey, resolveMacros, resolvedValue, type MacroRequest, type MacroSources } from '../../src/macros/resolve.js';
import type { MacroTypeName } from '../../src/macros/types.js';
import { parseVarsYaml, toVarScope, varSourcesFor } from '../../src/macros/vars.js';
import type { ProductSection, Property } from '../../src/ovf/model.js';

const ctx = { tenant: 'acme', vm: 'web' };
const loc = { file: 'web.ovf', line: 10, column: 5 };

function req(name: string, expectedType: MacroTypeName = 'string', nic?: string, field = 'Binding[7]/parameter[IP]'): MacroRequest {
  return { name, expectedType, usedAt: { vm: 'web', ...(nic !== undefined ? { nic } : {}), field } };
}

function property(key: string, over: Partial<Property> = {}): Property {
  return { key, type: 'string', userConfigurable: true, password: false, values: [], loc, ...over };
}

function section(properties: Property[], over: Partial<ProductSection> = {}): ProductSection {
  return { properties, categories: [], loc, ...over };
}

/** Every source sets `x`, each to its own name. */
function allSources(): MacroSources {
  return {
    vm: { vars: toVarScope({ x: 'vm' }), nics: new Map([['5', toVarScope({ x: 'nic' })]]) },
    tenant: toVarScope({ x: 'tenant' }),
    defaults: toVarScope({ x: 'defaults' }),
    ovf: { sections: [section([property('x', { defaultValue: 'ovf' })])] },
  };
}

const resolveOne = (sources: MacroSources, r: MacroRequest) => resolveMacros([r], sources, ctx);

describe('precedence (first wins)', () => {
  it('takes the NIC value over the VM value', () => {
    expect(resolvedValue(resolveOne(allSources(), req('x', 'string', '5')), 'x', '5')).toBe('nic');
  });

  it('takes the VM value over the tenant value', () => {
    expect(resolvedValue(resolveOne(allSources(), req('x')), 'x')).toBe('vm');
  });

  it('takes the tenant value over the pipeline default', () => {
    const s = allSources();
    delete s.vm;
    expect(resolveOne(s, req('x')).values.get('x')).toMatchObject({ value: 'tenant', source: 'tenant', sourceLabel: "tenant 'acme' vars" });
  });

  it('takes the pipeline default over the OVF property', () => {
    const s = allSources();
    delete s.vm;
    delete s.tenant;
    expect(resolveOne(s, req('x')).values.get('x')).toMatchObject({ value: 'defaults', source: 'defaults' });
  });

  it('takes the OVF property over a generated value', () => {
    const s: MacroSources = { ovf: { sections: [section([property('vm_uuid', { defaultValue: '09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f' })])] } };
    expect(resolveOne(s, req('vm_uuid', 'uuid')).values.get('vm_uuid')).toMatchObject({ value: '09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f', source: 'ovf' });
  });

  it('falls back to generated values last', () => {
    const r = resolveMacros([req('vm_uuid', 'uuid'), req('mac', 'mac', '5'), req('instanceid', 'uuid', '5')], {}, ctx);
    expect(r.diagnostics).toEqual([]);
    expect(resolvedValue(r, 'vm_uuid')).toBe(generateVmUuid('acme', 'web'));
    expect(resolvedValue(r, 'mac', '5')).toBe(generateMac('acme', 'web', '5'));
    expect(resolvedValue(r, 'instanceid', '5')).toBe(generateInstanceId('acme', 'web', '5'));
    expect(r.values.get(macroKey('mac', '5'))?.sourceLabel).toBe('generated');
  });

  it('lets a pinned vars value override a generated MAC', () => {
    const r = resolveMacros([req('mac', 'mac', '5')], { vm: { vars: toVarScope({}), nics: new Map([['5', toVarScope({ mac: '52:54:00:00:00:01' })]]) } }, ctx);
    expect(resolvedValue(r, 'mac', '5')).toBe('52:54:00:00:00:01');
  });

  it('does not fall through to the next source when the first one is ill-typed', () => {
    const s = allSources();
    const r = resolveOne(s, req('x', 'ipv4'));
    expect(r.values.size).toBe(0);
    expect(r.diagnostics.map((d) => d.ruleId)).toEqual(['macro-type']);
    expect(r.diagnostics[0]!.message).toContain("from VM 'web' vars");
  });

  it('uses the request NIC over the context NIC', () => {
    const r = resolveMacros([req('mac', 'mac', '9')], {}, { ...ctx, nic: '1' });
    expect(resolvedValue(r, 'mac', '9')).toBe(generateMac('acme', 'web', '9'));
    const defaulted = resolveMacros([req('mac', 'mac')], {}, { ...ctx, nic: '1' });
    expect(resolvedValue(defaulted, 'mac', '1')).toBe(generateMac('acme', 'web', '1'));
  });
});

describe('OVF properties', () => {
  const sections = [
    section(
      [
        property('ip', {
          defaultValue: '10.0.0.1',
          values: [
            { value: '10.0.0.2', configuration: 'large', loc },
            { value: '10.0.0.3', configuration: 'small tiny', loc },
          ],
        }),
        property('hostname', { defaultValue: '' }),
        property('fixed', { defaultValue: '', userConfigurable: false }),
      ],
      { class: 'com.example.web' },
    ),
    section([property('ip', { defaultValue: '192.168.0.1' })], { class: 'com.example.db', instance: '2' }),
  ];

  it('honours the <Value> of the chosen configuration, else ovf:value', () => {
    const get = (configuration?: string) =>
      resolveMacros([req('com.example.web.ip', 'ipv4')], { ovf: { sections, ...(configuration ? { configuration } : {}) } }, ctx).values.get('com.example.web.ip');
    expect(get('large')).toMatchObject({ value: '10.0.0.2', sourceLabel: "OVF property 'com.example.web.ip' (configuration 'large')" });
    expect(get('tiny')?.value).toBe('10.0.0.3');
    expect(get('medium')).toMatchObject({ value: '10.0.0.1', sourceLabel: "OVF property 'com.example.web.ip' (default)" });
    expect(get()?.value).toBe('10.0.0.1');
  });

  it('finds properties by key, class.key and class.key.instance', () => {
    const r = resolveMacros([req('com.example.db.ip', 'ipv4'), req('com.example.db.ip.2', 'ipv4')], { ovf: { sections } }, ctx);
    expect(r.diagnostics).toEqual([]);
    expect(resolvedValue(r, 'com.example.db.ip.2')).toBe('192.168.0.1');
    const byKey = resolveMacros([req('hostname')], { ovf: { sections: [section([property('hostname', { defaultValue: 'h1' })])] } }, ctx);
    expect(resolvedValue(byKey, 'hostname')).toBe('h1');
  });

  it('refuses a bare key that two ProductSections share, naming the qualified names', () => {
    const r = resolveMacros([req('ip', 'ipv4')], { ovf: { sections } }, ctx);
    expect(r.diagnostics[0]).toMatchObject({ ruleId: 'macro-source' });
    expect(r.diagnostics[0]!.message).toContain('ambiguous; use one of ${com.example.web.ip}, ${com.example.db.ip.2}');
  });

  it('treats an empty default of a user-configurable property as not set, but keeps a fixed empty one', () => {
    const r = resolveMacros([req('com.example.web.hostname'), req('com.example.web.fixed')], { ovf: { sections }, generate: false }, ctx);
    expect(r.diagnostics.map((d) => d.ruleId)).toEqual(['macro-source']);
    expect(resolvedValue(r, 'com.example.web.fixed')).toBe('');
  });
});

describe('errors', () => {
  it('names VM, NIC, macro, value and source for an ill-typed value, as in PRODUCT.md §4', () => {
    const r = resolveMacros([req('ip', 'libvirt-param', '5')], { tenant: toVarScope({ ip: '10.0.0.0/24' }) }, ctx);
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({ ruleId: 'macro-type', severity: 'error', locator: 'Binding[7]/parameter[IP]' });
    expect(r.diagnostics[0]!.message).toBe(
      "VM web, NIC 5: ${ip} = '10.0.0.0/24' from tenant 'acme' vars is not a valid libvirt-param: '/' is not allowed in nwfilter parameter values (allowed: A-Z a-z 0-9 _ . :); pass a network as an address and a separate mask parameter, not as a CIDR",
    );
  });

  it('points an ill-typed value at the line of the vars file that set it', () => {
    const vars = parseVarsYaml('tenants:\n  acme:\n    vars:\n      ip: 10.0.0.0/24\n', { file: 'vars.yaml' }).vars!;
    const r = resolveMacros([req('ip', 'ipv4')], varSourcesFor(vars, 'acme', 'web'), ctx);
    expect(r.diagnostics[0]).toMatchObject({ file: 'vars.yaml', line: 4, column: 11 });
  });

  it('lists where it looked for an unresolved macro', () => {
    const r = resolveMacros([{ ...req('gateway', 'ipv4', '5'), loc: { file: 'web.ovf', line: 40, column: 9 } }], {}, ctx);
    expect(r.diagnostics[0]).toMatchObject({ ruleId: 'macro-source', file: 'web.ovf', line: 40, column: 9 });
    expect(r.diagnostics[0]!.message).toBe(
      "VM web, NIC 5: ${gateway} (ipv4, used in Binding[7]/parameter[IP]) is not set; looked in NIC 5 vars, VM 'web' vars, tenant 'acme' vars, pipeline defaults, OVF properties, generated values",
    );
  });

  it('explains that a generated per-NIC value needs a NIC', () => {
    const r = resolveMacros([req('instanceid', 'uuid')], {}, ctx);
    expect(r.diagnostics[0]!.message).toBe('VM web: ${instanceid} (uuid, used in Binding[7]/parameter[IP]) cannot be resolved: a generated instanceid is per NIC, and this use has no NIC');
  });

  it('does not generate values when generation is off', () => {
    expect(resolveMacros([req('vm_uuid', 'uuid')], { generate: false }, ctx).diagnostics[0]!.message).toMatch(/is not set; looked in VM 'web' vars, .*OVF properties$/);
  });

  it('checks every request against its own type', () => {
    const r = resolveMacros([req('ip', 'ipv4'), req('ip', 'libvirt-param'), req('ip', 'ipv6')], { tenant: toVarScope({ ip: '10.0.0.5' }) }, ctx);
    expect(r.diagnostics.map((d) => d.message)).toEqual(["VM web: ${ip} = '10.0.0.5' from tenant 'acme' vars is not a valid ipv6: not an IPv6 address"]);
    expect(resolvedValue(r, 'ip')).toBe('10.0.0.5');
  });
});

describe('secrets', () => {
  it('never prints a secret vars value, nor the reason that could quote it', () => {
    const r = resolveMacros([req('db_password', 'libvirt-param')], { tenant: toVarScope({ db_password: { value: 'hunter2/x', secret: true } }) }, ctx);
    const message = r.diagnostics[0]!.message;
    expect(message).not.toContain('hunter2');
    expect(message).not.toContain("'/'");
    expect(message).toBe(
      "VM web: ${db_password} = *** from tenant 'acme' vars is not a valid libvirt-param (expected an nwfilter parameter value (A-Z a-z 0-9 _ . :); details withheld because the value is secret)",
    );
  });

  it('treats an ovf:password property as secret and keeps the value for rendering only', () => {
    const s: MacroSources = { ovf: { sections: [section([property('admin_pw', { password: true, defaultValue: 'p4ss word' })])] } };
    const bad = resolveMacros([req('admin_pw', 'libvirt-param')], s, ctx);
    expect(bad.diagnostics[0]!.message).toContain('= *** from OVF property');
    expect(bad.diagnostics[0]!.message).not.toContain('p4ss');
    const good = resolveMacros([req('admin_pw', 'string')], s, ctx);
    expect(good.values.get('admin_pw')).toMatchObject({ value: 'p4ss word', secret: true });
    expect(displayValue(good.values.get('admin_pw')!)).toBe('***');
  });

  it('reads secret: true from a vars file', () => {
    const vars = parseVarsYaml('db_password: { value: "s3cret", secret: true }\n', { tenant: 'acme' }).vars!;
    const r = resolveMacros([req('db_password', 'uint8')], varSourcesFor(vars, 'acme', 'web'), ctx);
    expect(r.diagnostics[0]!.message).not.toContain('s3cret');
  });
});
