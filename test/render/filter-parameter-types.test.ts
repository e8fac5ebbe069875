/**
 * A filter parameter takes the type of the nwfilter attribute that reads it,
 * in the bound filter or a filter it references: IP-typed (`srcipaddr='$WEB'`),
 * MAC-typed and numeric attributes are checked at render, naming the use, so
 * libvirt never gets to refuse the value when the domain starts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseVarsYaml } from '../../src/macros/vars.js';
import { variableUses } from '../../src/netsec/binding-macros.js';
import { netsecOf } from '../../src/netsec/view.js';
import { parseDescriptor } from '../../src/ovf/parser.js';
import { renderOptions } from '../../src/render/options.js';
import { renderPackage } from '../../src/render/render-package.js';

const text = readFileSync(join(import.meta.dirname, '../../examples/two-tier/two-tier.ovf'), 'utf8')
  .replace(
    "<tcp srcipaddr='$WEB' dstportstart='5432'/>\n      </rule>",
    "<tcp srcipaddr='$WEB' dstportstart='5432'/>\n      </rule>\n      <rule action='accept' direction='in' priority='110'>\n        <mac srcmacaddr='$GW_MAC'/>\n      </rule>\n      <rule action='accept' direction='in' priority='120'>\n        <tcp dstportstart='$ADMIN_PORT'/>\n      </rule>",
  )
  .replace(
    "<nsec:Parameter name='WEB' value='${web_ip}'/>",
    "<nsec:Parameter name='WEB' value='${web_ip}'/>\n      <nsec:Parameter name='GW_MAC' value='${gw_mac}'/>\n      <nsec:Parameter name='ADMIN_PORT' value='${admin_port}'/>",
  );
const envelope = parseDescriptor(Buffer.from(text), 'typed.ovf').envelope!;

function render(db: Record<string, string>) {
  const vms = { web: { vars: { ip: '10.0.0.10' } }, db: { vars: { ip: '10.0.1.10', web_ip: '10.0.0.10', gw_mac: '52:54:00:00:00:01', admin_port: '8443', ...db } } };
  const vars = parseVarsYaml(JSON.stringify({ defaults: { bridge: 'br0', db_bridge: 'br1' }, tenants: { t: { vms } } }), { file: 'vars.yaml' }).vars!;
  const r = renderPackage({ envelope, packageName: 'typed', tenant: 't', vars, storageRoot: '/var/lib/ovfpipe', options: renderOptions(), digests: new Map() });
  return r.diagnostics.filter((d) => d.severity === 'error');
}

describe('filter parameters typed by the attribute that reads them', () => {
  it('finds every use, through filterrefs to embedded filters', () => {
    const { view } = netsecOf(envelope);
    const uses = variableUses(view.filtersFor('db'), 'db-guard').map((u) => `${u.variable}: ${u.protocol}@${u.attribute} in ${u.filter} (${u.type})`);
    expect(uses.sort()).toEqual([
      'ADMIN_PORT: tcp@dstportstart in db-guard (uint16)',
      'GW_MAC: mac@srcmacaddr in db-guard (macAddr)',
      'IP: ip@srcipaddr in antispoof (ipv4Addr)',
      'WEB: tcp@srcipaddr in db-guard (ipv4Addr)',
    ]);
  });

  it('renders when every value fits its use (hex is a port as libvirt reads it)', () => {
    expect(render({})).toEqual([]);
    expect(render({ admin_port: '0x50' })).toEqual([]);
  });

  it.each([
    ['web_ip', '192.0.2.999', 'ipv4', "tcp@srcipaddr in filter 'db-guard'"],
    ['web_ip', '2001:db8::1', 'ipv4', "tcp@srcipaddr in filter 'db-guard'"],
    ['ip', '10.0.1.256', 'ipv4', "ip@srcipaddr in filter 'antispoof'"],
    ['gw_mac', '52:54:00:zz:00:01', 'mac', "mac@srcmacaddr in filter 'db-guard'"],
    ['admin_port', '70000', 'libvirt-param', "tcp@dstportstart in filter 'db-guard'"],
  ])('refuses %s = %s at render, as a %s used as %s', (name, value, type, use) => {
    const errors = render({ [name]: value });
    expect(errors.map((d) => [d.ruleId, d.data?.['name'], d.data?.['type']])).toEqual([['macro-type', name, type]]);
    expect(errors[0]!.message).toContain(`(used as ${use})`);
    expect(errors[0]!.file).toBe('vars.yaml');
  });
});
