/** Port profile YAML files: schema, numbers kept as written, located errors, the example profiles. */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { isOvfpipeError } from '../../src/diagnostics/errors.js';
import { loadProfileFile } from '../../src/actions/profile-file.js';
import { parsePortProfileYaml } from '../../src/netsec/profiles/index.js';
import schema from '../../src/netsec/profiles/profile.schema.json' with { type: 'json' };

const EXAMPLES = join(import.meta.dirname, '../../examples/profiles');
const at = (r: { diagnostics: { line: number; column: number; message: string; ruleId: string }[] }) => r.diagnostics.map((d) => `${d.line}:${d.column} ${d.ruleId} ${d.message}`);

describe('reading a profile', () => {
  it('reads the talk example into the model, keeping numbers as the strings written', () => {
    const r = parsePortProfileYaml(
      [
        'name: tenant-vepa',
        'mode: direct',
        'source: eth1',
        'sourceMode: vepa',
        'virtualport:',
        '  type: 802.1Qbg',
        '  managerid: 12',
        '  typeid: 0x123456',
        '  typeidversion: 1',
        "  instanceid: '${instanceid}'",
      ].join('\n'),
      { file: 'p.yaml' },
    );
    expect(r.diagnostics).toEqual([]);
    expect(r.profile).toEqual({
      name: 'tenant-vepa',
      mode: 'direct',
      source: 'eth1',
      sourceMode: 'vepa',
      virtualport: { type: '802.1Qbg', parameters: { managerid: '12', typeid: '0x123456', typeidversion: '1', instanceid: '${instanceid}' } },
      loc: { file: 'p.yaml', line: 1, column: 1 },
    });
  });

  it('reads a single vlan id as an access port and a list as a trunk', () => {
    const one = parsePortProfileYaml('name: a\nmode: bridge\nsource: br0\nvirtualport: { type: openvswitch }\nvlan: 42\n');
    expect(one.profile?.vlan).toEqual({ tags: [{ id: '42' }] });
    const list = parsePortProfileYaml('name: a\nmode: bridge\nsource: br0\nvirtualport: { type: openvswitch }\nvlan: [42, 48]\n');
    expect(list.profile?.vlan).toEqual({ tags: [{ id: '42' }, { id: '48' }], trunk: true });
  });

  it('reads the full vlan form and bandwidth', () => {
    const r = parsePortProfileYaml(
      'name: a\nmode: network\nsource: default\nvlan: { tags: [{ id: 7, nativeMode: untagged }, { id: 8 }], trunk: true }\nbandwidth:\n  inbound: { average: 1000, floor: 200 }\n  outbound: { average: 128, burst: 32768 }\n',
    );
    expect(r.diagnostics).toEqual([]);
    expect(r.profile?.vlan).toEqual({ tags: [{ id: '7', nativeMode: 'untagged' }, { id: '8' }], trunk: true });
    expect(r.profile?.bandwidth).toEqual({ inbound: { average: '1000', floor: '200' }, outbound: { average: '128', burst: '32768' } });
  });

  it('puts rule diagnostics on the line of the offending field', () => {
    const r = parsePortProfileYaml('name: a\nmode: direct\nsource: eth1\nvirtualport:\n  type: 802.1Qbg\n  managerid: 12\n  typeid: 0x1000000\n  typeidversion: 1\n  instanceid: x\n', {
      file: 'p.yaml',
    });
    expect(at(r)).toEqual([
      "7:11 virtualport-parameters virtualport typeid '0x1000000' is not an unsigned 24-bit number (decimal or 0x hex): at most 6 hex digits after 0x",
      "9:15 virtualport-parameters virtualport instanceid 'x' is not a UUID (8-4-4-4-12 hex digits, or 32 hex digits): not a UUID",
    ]);
    expect(r.diagnostics[0]?.file).toBe('p.yaml');
  });

  it('can skip the rule checks and return only the shape problems', () => {
    expect(parsePortProfileYaml('name: a\nmode: direct\nsource: eth1\nvlan: 5000\n', { validate: false }).diagnostics).toEqual([]);
  });
});

describe('profile YAML errors', () => {
  it('reports a YAML syntax error with its line', () => {
    const r = parsePortProfileYaml('name: a\nmode: direct\nsource: [eth1\n', { file: 'bad.yaml' });
    expect(r.profile).toBeUndefined();
    expect(r.diagnostics[0]).toMatchObject({ ruleId: 'profile-yaml', severity: 'error', file: 'bad.yaml' });
    expect(r.diagnostics[0]!.line).toBeGreaterThanOrEqual(3);
  });

  it('reports a duplicate key at the second occurrence', () => {
    const r = parsePortProfileYaml('name: a\nmode: direct\nmode: bridge\nsource: eth1\n');
    expect(r.diagnostics[0]).toMatchObject({ ruleId: 'profile-yaml', line: 3 });
  });

  it('names a missing required key, an unknown key at its own line, and a bad enum value', () => {
    const r = parsePortProfileYaml('name: a\nmode: macvtap\nsoruce: eth1\n');
    expect(at(r)).toEqual([
      "1:1 profile-yaml 'source' is required",
      "2:7 profile-yaml mode: must be one of 'direct', 'bridge', 'network'",
      "3:1 profile-yaml unknown key 'soruce' (did you mean 'source'? allowed: name, mode, source, sourceMode, virtualport, vlan, bandwidth)",
    ]);
  });

  it('reports an unknown virtualport parameter name with the allowed ones', () => {
    const r = parsePortProfileYaml('name: a\nmode: direct\nsource: eth1\nvirtualport:\n  type: 802.1Qbg\n  managerID: 12\n');
    expect(at(r)).toEqual(["6:3 profile-yaml virtualport: unknown key 'managerID' (did you mean 'managerid'? allowed: type, managerid, typeid, typeidversion, instanceid, profileid, interfaceid)"]);
  });

  it('describes the vlan forms when none fits', () => {
    const r = parsePortProfileYaml('name: a\nmode: direct\nsource: eth1\nvlan:\n  tag: 5\n');
    expect(at(r)).toEqual(['5:3 profile-yaml vlan: must be a tag id, a list of tag ids (a trunk), or { tags: [{ id, nativeMode }], trunk }']);
  });

  it('refuses a macro where the profile shape is decided (mode)', () => {
    expect(parsePortProfileYaml("name: a\nmode: '${mode}'\nsource: eth1\n").profile).toBeUndefined();
  });

  it('throws OVFPIPE_USAGE with every error located when loading a bad file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ovfpipe-profile-'));
    const file = join(dir, 'p.yaml');
    writeFileSync(file, 'name: a\nmode: direct\nsource: eth1\nvlan: 9999\n');
    const e = await loadProfileFile(file).catch((x: unknown) => x);
    expect(isOvfpipeError(e) && e.code).toBe('OVFPIPE_USAGE');
    expect((e as Error).message).toContain(`${file}:4:7: error: vlan tag id '9999'`);
    await expect(loadProfileFile(join(dir, 'missing.yaml'))).rejects.toMatchObject({ code: 'OVFPIPE_USAGE' });
  });
});

describe('shipped profiles and schema', () => {
  it('reads every example profile without errors or warnings', async () => {
    for (const f of readdirSync(EXAMPLES)) {
      expect(parsePortProfileYaml(readFileSync(join(EXAMPLES, f), 'utf8'), { file: f }).diagnostics, f).toEqual([]);
      expect((await loadProfileFile(join(EXAMPLES, f))).name).toBe(f.replace(/\.yaml$/, ''));
    }
  });

  it('is a valid draft-07 JSON Schema that accepts the examples as plain YAML data', () => {
    const ajv = new Ajv({ allowUnionTypes: true });
    expect(ajv.validateSchema(schema)).toBe(true);
    const validate = ajv.compile(schema);
    expect(validate({ name: 'x', mode: 'direct', source: 'eth1', virtualport: { type: '802.1Qbg', managerid: 12, typeid: 1193046 } })).toBe(true);
  });
});
