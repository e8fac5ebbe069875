import { describe, expect, it } from 'vitest';
import type { AuditHostState } from '../../../src/deploy/audit/host-state.js';
import type { AuditFinding } from '../../../src/deploy/audit/model.js';
import { bindingSteps, domainSteps, filterSteps } from '../../../src/deploy/audit/repair.js';
import type { HostUnit } from '../../../src/deploy/deploy.js';
import type { RenderedVm } from '../../../src/render/render-package.js';

const IFACE = "<interface type='bridge'><mac address='52:54:00:00:00:01'/><source bridge='br0'/><filterref filter='t-guard'><parameter name='IP' value='10.0.0.5'/></filterref></interface>";
const vm = { name: 't-web', uuid: 'u-1', xml: `<domain><name>t-web</name><devices>${IFACE}</devices></domain>`, tenant: 't' } as RenderedVm;
const filter = (name: string) => ({ name, original: name, uuid: `uuid-${name}`, xml: `<filter name='${name}'/>`, references: [] });
const units = [{ result: { filters: [filter('t-antispoof'), filter('t-guard')] }, vms: [vm] }] as unknown as HostUnit[];
const vms = new Map([[vm.name, vm]]);
const f = (over: Partial<AuditFinding>): AuditFinding => ({ class: 'changed-filter', vm: 't-web', detail: '', repairable: true, ...over });

describe('repair steps', () => {
  it('define our drifted filters in definition order', () => {
    const steps = filterSteps([f({ filter: 't-guard' }), f({ class: 'missing-filter', filter: 't-antispoof' })], units, 'qemu:///system');
    expect(steps.map((s) => [s.action, s.target])).toEqual([
      ['define-filter', 't-antispoof'],
      ['define-filter', 't-guard'],
    ]);
    expect(steps[0]!.argv.at(-1)).toBe("<filter name='t-antispoof'/>");
  });

  it('redefine a hand-edited domain, and put a live interface back live; leave outdated ones to apply', () => {
    const findings = [f({ class: 'changed-port-profile', detail: 'configuration: …', mac: '52:54:00:00:00:01' }), f({ class: 'changed-domain', detail: 'running: …', mac: '52:54:00:00:00:01' })];
    const steps = domainSteps(findings, vms, 'qemu:///system', new Set());
    expect(steps.map((s) => [s.action, s.target])).toEqual([
      ['redefine-domain', 't-web'],
      ['update-interface', 't-web/52:54:00:00:00:01'],
    ]);
    expect(steps[1]!.argv.at(-1)).toBe(IFACE);
    expect(domainSteps(findings, vms, 'qemu:///system', new Set(['t-web']))).toEqual([]);
  });

  it('re-create a binding from the rendered filterref, once per interface', () => {
    const state = { domains: new Map([['t-web', { inactive: vm.xml, live: '<domain><uuid>live-uuid</uuid></domain>' }]]) } as unknown as AuditHostState;
    const findings = [f({ class: 'firewall-rules-missing', interface: 'vnet3', mac: '52:54:00:00:00:01' }), f({ class: 'changed-parameters', interface: 'vnet3', mac: '52:54:00:00:00:01' })];
    const steps = bindingSteps(findings, vms, state, 'qemu:///system', new Set());
    expect(steps).toHaveLength(1);
    expect(steps[0]!.target).toBe('t-web/vnet3');
    expect(steps[0]!.argv.at(-1)).toContain('<uuid>live-uuid</uuid>');
    expect(steps[0]!.argv.at(-1)).toContain("<parameter name='IP' value='10.0.0.5'/>");
  });
});

describe('a VM missing where placed but defined on another audited host', () => {
  it('is reported with where it is, and not re-created', async () => {
    const { holdMisplaced } = await import('../../../src/deploy/audit/audit.js');
    const hosts = [
      {
        host: 'a',
        status: 'drift' as const,
        seconds: 0,
        vms: [{ name: 't-web', tenant: 't', state: 'missing' as const, status: 'drift' as const, findings: [f({ class: 'missing-domain', detail: 'domain t-web is not defined' })] }],
      },
      { host: 'b', status: 'clean' as const, seconds: 0, vms: [{ name: 't-web', tenant: 't', state: 'stopped' as const, status: 'clean' as const, findings: [] }] },
    ];
    holdMisplaced(hosts);
    holdMisplaced(hosts);
    expect(hosts[0]!.vms[0]!.findings[0]).toMatchObject({
      repairable: false,
      detail: "domain t-web is not defined here, but is defined on b: placed differently from the deploy (give audit the deploy's --host order)",
    });
  });
});
