/** The port profile catalog: its YAML format, and which groups offer which profiles. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { checkProfileAgainstCatalog, groupsOffering, parseCatalogYaml, type ProfileCatalog } from '../../src/netsec/catalog/index.js';
import type { PortProfile } from '../../src/netsec/model.js';
import schema from '../../src/netsec/catalog/catalog.schema.json' with { type: 'json' };

const EXAMPLE = join(import.meta.dirname, '../../examples/catalog/catalog.yaml');

function catalog(): ProfileCatalog {
  const r = parseCatalogYaml(readFileSync(EXAMPLE, 'utf8'), { file: 'catalog.yaml' });
  expect(r.diagnostics).toEqual([]);
  return r.catalog!;
}

const qbg = (over: Record<string, string> = {}, source = 'eth1'): PortProfile => ({
  name: 'tenant-vepa',
  mode: 'direct',
  source,
  sourceMode: 'vepa',
  virtualport: { type: '802.1Qbg', parameters: { managerid: '12', typeid: '0x123456', typeidversion: '1', ...over } },
});
const ovs = (profileid?: string, source = 'br-tenant'): PortProfile => ({
  name: 'web-ovs',
  mode: 'bridge',
  source,
  virtualport: { type: 'openvswitch', parameters: profileid === undefined ? {} : { profileid } },
});

describe('catalog file', () => {
  it('reads the shipped example: groups in file order, numbers as values', () => {
    const c = catalog();
    expect([...c.groups.keys()]).toEqual(['rack-a', 'rack-b', 'edge']);
    expect(c.groups.get('rack-a')!.offers[0]).toMatchObject({ kind: 'virtualport', type: '802.1Qbg', name: 'tenant-vepa', managerid: 12, typeid: 0x123456, typeidversions: [1, 2] });
    expect(c.groups.get('rack-b')!.offers[0]).toMatchObject({ type: 'openvswitch', profileids: ['web', 'db'] });
    expect(c.groups.get('rack-a')!.loc).toMatchObject({ file: 'catalog.yaml', line: 6, column: 3 });
  });

  it('requires managerid and typeid on 802.1Qbg offers and profileid on 802.1Qbh offers', () => {
    const r = parseCatalogYaml('groups:\n  g:\n    offers:\n      - type: 802.1Qbg\n        typeid: 1\n      - type: 802.1Qbh\n');
    expect(r.catalog).toBeUndefined();
    expect(r.diagnostics.map((d) => `${d.line} ${d.message}`)).toEqual(['4 an 802.1Qbg offer needs managerid', '6 an 802.1Qbh offer needs profileid']);
  });

  it('checks offer values like libvirt: 24-bit typeid, 8-bit versions, interface names', () => {
    const r = parseCatalogYaml('groups:\n  g:\n    offers:\n      - type: 802.1Qbg\n        managerid: 1\n        typeid: 16777216\n        typeidversion: [1, 300]\n      - bridge: br/0\n');
    expect(r.diagnostics.map((d) => `${d.line}:${d.column} ${d.ruleId} ${d.message}`)).toEqual([
      "6:17 catalog-yaml typeid '16777216': out of range (0..16777215)",
      "7:28 catalog-yaml typeidversion '300': out of range (0..255)",
      "8:17 catalog-yaml bridge 'br/0': '/' is not allowed in an interface name (allowed: A-Z a-z 0-9 _ . -)",
    ]);
  });

  it('rejects parameters that do not belong to the offer type', () => {
    const r = parseCatalogYaml('groups:\n  g:\n    offers:\n      - type: midonet\n        profileid: x\n');
    expect(r.diagnostics.map((d) => d.message)).toEqual(['profileid does not apply to midonet offers']);
  });

  it('locates schema errors: unknown keys, offers of no known form, an empty catalog', () => {
    const r = parseCatalogYaml('groups:\n  g:\n    offers:\n      - { type: 802.1Qbg, managerid: 1, typeid: 1, vlan: 5 }\n      - { switch: s1 }\n', { file: 'c.yaml' });
    expect(r.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`)).toEqual([
      "4:52 groups.g.offers[0]: unknown key 'vlan' (allowed: type, name, description, managerid, typeid, typeidversion, profileid)",
      '5:9 groups.g.offers[1]: must be a virtualport offer { type, … }, or { bridge }, { device } or { network }',
    ]);
    expect(parseCatalogYaml('groups: {}\n').diagnostics[0]?.message).toMatch(/groups: must NOT have fewer than 1 properties/);
  });

  it('is a valid draft-07 JSON Schema', () => {
    expect(new Ajv({ allowUnionTypes: true }).validateSchema(schema)).toBe(true);
  });
});

describe('matching profiles against the catalog', () => {
  it('matches 802.1Qbg by manager id, type id (hex or decimal) and an offered version', () => {
    const c = catalog();
    expect(checkProfileAgainstCatalog(qbg(), c)).toEqual({ offeredBy: ['rack-a'], diagnostics: [] });
    expect(checkProfileAgainstCatalog(qbg({ typeid: '1193046', typeidversion: '0x2' }), c).offeredBy).toEqual(['rack-a']);
  });

  it('explains a VSI type version the group does not offer', () => {
    const r = checkProfileAgainstCatalog(qbg({ typeidversion: '3' }), catalog());
    expect(r.offeredBy).toEqual([]);
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({ ruleId: 'catalog-profile', severity: 'error', locator: 'PortProfile[tenant-vepa]' });
    expect(r.diagnostics[0]!.message).toBe(
      "no group of the profile catalog offers port profile 'tenant-vepa' (802.1Qbg VSI type 0x123456 version 3, managerid 12): " +
        "rack-a: offer 'tenant-vepa' does not match: typeidversion 3 (offered: 1, 2); rack-b: offers no 802.1Qbg ports; edge: offers no 802.1Qbg ports",
    );
  });

  it('does not match another manager id or type id', () => {
    expect(checkProfileAgainstCatalog(qbg({ managerid: '13' }), catalog()).offeredBy).toEqual([]);
    expect(checkProfileAgainstCatalog(qbg({ typeid: '0x123457' }), catalog()).diagnostics[0]).toMatchObject({ messageId: 'notOffered', data: { profile: 'tenant-vepa' } });
    expect(checkProfileAgainstCatalog(qbg({ typeid: '0x123457' }), catalog()).diagnostics[0]!.data?.['detail']).toContain('typeid 0x123457 (offered: 0x123456)');
  });

  it('matches openvswitch by profile id, and a profile without one on any openvswitch group', () => {
    const c = catalog();
    expect(checkProfileAgainstCatalog(ovs('web'), c).offeredBy).toEqual(['rack-b']);
    expect(checkProfileAgainstCatalog(ovs(), c).offeredBy).toEqual(['rack-b']);
    expect(checkProfileAgainstCatalog(ovs('mail'), c).diagnostics[0]!.message).toContain("profileid 'mail' (offered: web, db)");
  });

  it('matches 802.1Qbh by profile id', () => {
    const p: PortProfile = { name: 'dmz', mode: 'direct', source: 'eth9', sourceMode: 'passthrough', virtualport: { type: '802.1Qbh', parameters: { profileid: 'edge-dmz' } } };
    expect(checkProfileAgainstCatalog(p, catalog()).offeredBy).toEqual(['edge']);
  });

  it('requires a listed source when the group lists sources of that kind, and accepts any otherwise', () => {
    const c = catalog();
    expect(checkProfileAgainstCatalog(qbg({}, 'eth7'), c).diagnostics[0]!.message).toContain("has no device 'eth7' (devices: eth1, eth2)");
    expect(checkProfileAgainstCatalog(ovs('web', 'br-other'), c).offeredBy).toEqual([]);
    const net: PortProfile = { name: 'n', mode: 'network', source: 'dmz' };
    expect(checkProfileAgainstCatalog(net, c).offeredBy).toEqual(['rack-a', 'rack-b', 'edge']);
    expect(checkProfileAgainstCatalog({ ...net, source: 'other' }, c).offeredBy).toEqual(['rack-a', 'rack-b']);
  });

  it('treats a field that is still a macro as matching anything', () => {
    expect(checkProfileAgainstCatalog(qbg({ typeidversion: '${v}' }, '${uplink}'), catalog()).offeredBy).toEqual(['rack-a']);
  });

  it('checks a single group when one is named, and reports an unknown group', () => {
    const c = catalog();
    expect(checkProfileAgainstCatalog(qbg(), c, 'rack-a').offeredBy).toEqual(['rack-a']);
    expect(checkProfileAgainstCatalog(qbg(), c, 'rack-b').diagnostics[0]!.message).toBe(
      "group 'rack-b' does not offer port profile 'tenant-vepa' (802.1Qbg VSI type 0x123456 version 1, managerid 12): offers no 802.1Qbg ports",
    );
    expect(checkProfileAgainstCatalog(qbg(), c, 'rack-b').diagnostics[0]).toMatchObject({
      messageId: 'notOfferedByGroup',
      data: { group: 'rack-b', profile: 'tenant-vepa', detail: 'offers no 802.1Qbg ports' },
    });
    expect(checkProfileAgainstCatalog(qbg(), c, 'rack-z').diagnostics[0]).toMatchObject({
      ruleId: 'catalog-profile',
      messageId: 'unknownGroup',
      data: { group: 'rack-z', groups: 'rack-a, rack-b, edge' },
    });
  });

  it('lists the groups that offer every profile a VM needs, for placement', () => {
    const c = catalog();
    expect(groupsOffering([qbg()], c)).toEqual(['rack-a']);
    expect(groupsOffering([qbg(), ovs('web')], c)).toEqual([]);
    expect(groupsOffering([ovs('db'), ovs()], c)).toEqual(['rack-b']);
    expect(groupsOffering([], c)).toEqual(['rack-a', 'rack-b', 'edge']);
  });
});
