/** netsec sync, the pure part (netsec/sync-plan.ts and the filter identity helpers): no host needed. */
import { describe, expect, it } from 'vitest';
import { parseFilterList } from '../../src/netsec/nwfilter/identity.js';
import { deriveMigrateUri, domainFilterRefs, migrateArgv, planSync, renderSyncText, type FilterTree } from '../../src/netsec/sync-plan.js';

describe('netsec sync: the pure plan', () => {
  it('builds the virsh migrate argv and derives the destination URI', () => {
    expect(migrateArgv('qemu:///system', 'web', 'qemu+ssh://root@b:2222/system')).toEqual([
      'virsh',
      '-c',
      'qemu:///system',
      'migrate',
      '--live',
      '--persistent',
      '--undefinesource',
      '--',
      'web',
      'qemu+ssh://root@b:2222/system',
    ]);
    // A domain name that looks like an option stays a positional argument.
    expect(migrateArgv('qemu:///system', '--evil', 'x').slice(-3)).toEqual(['--', '--evil', 'x']);
    expect(deriveMigrateUri('ssh://root@10.0.0.2:2222', 'qemu:///system')).toBe('qemu+ssh://root@10.0.0.2:2222/system');
    expect(deriveMigrateUri('kvm-b', 'qemu:///system')).toBe('qemu+ssh://kvm-b/system');
    expect(deriveMigrateUri('ssh://root@[::1]:22', 'qemu:///session')).toBe('qemu+ssh://root@[::1]:22/session');
    expect(deriveMigrateUri('ssh://root@b', 'qemu:///system', { keyfile: '/home/me/.ssh/id ed' })).toBe('qemu+ssh://root@b/system?keyfile=%2Fhome%2Fme%2F.ssh%2Fid+ed');
    expect(() => deriveMigrateUri('ssh://root@b', 'qemu+tls://c/system')).toThrow(/--migrate-uri/);
    expect(() => deriveMigrateUri('', 'qemu:///system')).toThrow(/--migrate-uri/);
  });

  it('reads filterrefs of interfaces only, and nwfilter-list rows', () => {
    const dom = `<domain type='qemu'><name>x</name><devices>
      <interface type='network'><filterref filter='f1'><parameter name='IP' value='1.2.3.4'/></filterref></interface>
      <interface type='bridge'><filterref filter='f2'/></interface><interface type='bridge'><filterref filter='f1'/></interface>
      <hostdev><filterref filter='nope'/></hostdev></devices></domain>`;
    expect(domainFilterRefs(dom)).toEqual(['f1', 'f2']);
    const list = ' UUID                                   Name\n------------------\n 3224E9A3-a8c2-4dae-a839-26ff53bb85e2   allow-arp\n\n';
    expect([...parseFilterList(list)]).toEqual([['allow-arp', '3224e9a3-a8c2-4dae-a839-26ff53bb85e2']]);
  });

  it('plans: missing built-in, uuid held by another name, refuse vs --force', () => {
    const u1 = '11111111-1111-1111-1111-111111111111';
    const u2 = '22222222-2222-2222-2222-222222222222';
    const xml = (name: string, uuid: string) => `<filter name='${name}' chain='root'><uuid>${uuid}</uuid><filterref filter='clean-traffic'/></filter>`;
    const tree: FilterTree = {
      domain: 'd',
      source: 's',
      roots: ['x', 'y'],
      filters: [
        { name: 'clean-traffic', builtin: true, xml: '', references: [] },
        { name: 'x', builtin: false, uuid: u1, xml: xml('x', u1), references: ['clean-traffic'] },
        { name: 'y', builtin: false, uuid: u2, xml: xml('y', u2), references: ['clean-traffic'] },
      ],
      unreadable: [{ name: 'z', reason: 'not defined on the source' }],
    };
    const state = {
      uuids: new Map([
        ['x', u2],
        ['other', u2],
      ]),
      xml: new Map([['x', xml('x', u2)]]),
    };
    const plan = planSync(tree, {
      uuids: new Map([
        ['x', '33333333-3333-3333-3333-333333333333'],
        ['other', u2],
      ]),
      xml: state.xml,
    });
    expect(plan.map((p) => [p.name, p.status])).toEqual([
      ['clean-traffic', 'missing-builtin'],
      ['x', 'refused'],
      ['y', 'refused'],
      ['z', 'failed'],
    ]);
    expect(plan[2]!.reason).toMatch(/belongs to filter 'other'/);
    const forced = planSync(
      tree,
      {
        uuids: new Map([
          ['clean-traffic', u1],
          ['x', '33333333-3333-3333-3333-333333333333'],
        ]),
        xml: state.xml,
      },
      { force: true },
    );
    expect(forced.map((p) => [p.name, p.status, p.action])).toEqual([
      ['clean-traffic', 'builtin', undefined],
      ['x', 'replaced', 'replace'],
      ['y', 'defined', 'define'],
      ['z', 'failed', undefined],
    ]);
  });

  it('prints one line per filter and says when nothing was synced', () => {
    const text = renderSyncText({
      domain: 'web',
      source: 'local qemu:///system',
      target: 'ssh://b qemu:///system',
      ok: false,
      filters: [
        { name: 'clean-traffic', builtin: true, status: 'builtin' },
        { name: 'b', builtin: false, status: 'skipped', reason: 'would be updated; not applied: a refused' },
        { name: 'a', builtin: false, status: 'refused', reason: 'exists on the target with uuid u2' },
      ],
    });
    expect(text.split('\n')).toEqual([
      'netsec sync web: local qemu:///system → ssh://b qemu:///system',
      '  builtin         clean-traffic',
      '  skipped         b: would be updated; not applied: a refused',
      '  refused         a: exists on the target with uuid u2',
      'NOT synced: 1 builtin, 1 skipped, 1 refused',
      '',
    ]);
  });
});
