/**
 * The audit proper: a pure comparison of what render wants on a host (the
 * VMs placed there, their filter trees) with what the host holds and
 * enforces (host-state.ts), in the spirit of planHost (plan.ts) — tested
 * from recorded host state. Only VMs of the tenant are looked at; anything
 * with one of our names that ovfpipe did not create is `not-owned` and never
 * repairable.
 */
import type { ScopedFilter } from '../../render/filters.js';
import type { RenderedVm } from '../../render/render-package.js';
import { sameFilter } from '../../netsec/nwfilter/identity.js';
import { digestOf, ownerOf } from '../plan.js';
import { checkEnforcement, filterLayers } from './firewall.js';
import type { AuditHostState } from './host-state.js';
import { type AuditFinding, type VmAudit, vmStatus } from './model.js';
import { type BindingFacts, type FilterParameters, type InterfaceFacts, parseBinding, parseInterfaces } from './xml-facts.js';

export interface DesiredHost {
  vms: readonly RenderedVm[];
  /** The tenant-scoped filters ovfpipe defines (any order). */
  filters: readonly ScopedFilter[];
}

export function auditVms(desired: DesiredHost, state: AuditHostState): VmAudit[] {
  const scoped = new Map(desired.filters.map((f) => [f.name, f]));
  const bindings = Array.isArray(state.bindings)
    ? new Map(
        state.bindings
          .map(parseBinding)
          .filter((b): b is BindingFacts => b !== undefined)
          .map((b) => [b.portdev, b]),
      )
    : state.bindings;
  // Content for layer analysis: ours as rendered, built-ins as the host has them.
  const contents = new Map<string, string>([...state.filters, ...[...scoped].map(([n, f]) => [n, f.xml] as [string, string])]);
  return desired.vms.map((vm) => {
    const findings: AuditFinding[] = [];
    const current = state.domains.get(vm.name);
    const running = state.running.has(vm.name);
    findings.push(...filterFindings(vm, scoped, state));
    if (current === undefined) findings.unshift({ class: 'missing-domain', vm: vm.name, detail: `domain ${vm.name} is not defined`, repairable: true });
    else {
      const owner = ownerOf(current.inactive);
      if (owner !== vm.tenant) {
        const who = owner === undefined ? 'was not created by ovfpipe' : `belongs to tenant '${owner}'`;
        return {
          name: vm.name,
          tenant: vm.tenant,
          state: running ? 'running' : 'stopped',
          status: 'drift',
          findings: [{ class: 'not-owned', vm: vm.name, detail: `domain ${vm.name} ${who}`, repairable: false }],
        };
      }
      if (digestOf(current.inactive) !== digestOf(vm.xml))
        findings.unshift({
          class: 'changed-domain',
          vm: vm.name,
          detail: `desired-state digest ${digestOf(vm.xml) ?? '?'} differs from the domain's ${digestOf(current.inactive) ?? '(none)'}`,
          repairable: true,
        });
      const rendered = parseInterfaces(vm.xml).interfaces;
      findings.push(...interfaceFindings(vm.name, rendered, parseInterfaces(current.inactive).interfaces, 'configuration'));
      if (running) {
        const live = parseInterfaces(current.live).interfaces;
        findings.push(...interfaceFindings(vm.name, rendered, live, 'running'));
        findings.push(...bindingFindings(vm.name, rendered, live, bindings, contents, state));
      }
    }
    return { name: vm.name, tenant: vm.tenant, state: current === undefined ? 'missing' : running ? 'running' : 'stopped', status: vmStatus(findings), findings };
  });
}

/** Every filter of the VM's tree: ours by content and uuid, built-ins by presence. */
function filterFindings(vm: RenderedVm, scoped: ReadonlyMap<string, ScopedFilter>, state: AuditHostState): AuditFinding[] {
  const out: AuditFinding[] = [];
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const ours = scoped.get(name);
    const have = state.filters.get(name);
    if (!state.filterNames.has(name))
      out.push({
        class: 'missing-filter',
        vm: vm.name,
        filter: name,
        detail: `filter ${name} is not defined${ours ? '' : ' (a libvirt built-in: reinstall libvirt)'}`,
        repairable: ours !== undefined,
      });
    else if (ours && have !== undefined) {
      const uuid = /<uuid>([^<]+)<\/uuid>/.exec(have)?.[1]?.trim();
      if (uuid !== ours.uuid) out.push({ class: 'not-owned', vm: vm.name, filter: name, detail: `filter ${name} has uuid ${uuid ?? '?'}, not ovfpipe's ${ours.uuid}`, repairable: false });
      else if (!sameFilter(have, ours.xml)) out.push({ class: 'changed-filter', vm: vm.name, filter: name, detail: `filter ${name} differs from what ovfpipe defines`, repairable: true });
    }
    for (const ref of ours?.references ?? []) visit(ref);
  };
  for (const root of vm.filterrefs) visit(root);
  return out;
}

const key = (i: InterfaceFacts) => i.mac ?? '';

/** The domain's interfaces against the rendered ones, matched by MAC: filterref, and the port profile (source, virtualport, vlan). */
function interfaceFindings(vm: string, rendered: InterfaceFacts[], host: InterfaceFacts[], where: 'configuration' | 'running'): AuditFinding[] {
  const out: AuditFinding[] = [];
  const byMac = new Map(host.map((i) => [key(i), i]));
  for (const want of rendered) {
    const have = byMac.get(key(want));
    const base = { vm, mac: want.mac, interface: have?.target ?? want.mac, filter: want.filterref?.filter, repairable: true };
    if (!have) {
      out.push({ ...base, class: 'changed-domain', detail: `${where}: no interface with MAC ${want.mac}` });
      continue;
    }
    if (want.filterref && (!have.filterref || have.filterref.filter !== want.filterref.filter || parameterDiff(want.filterref, have.filterref, want.mac).length > 0))
      out.push({
        ...base,
        class: 'changed-domain',
        detail: `${where}: interface ${want.mac} refers to ${have.filterref ? `filter ${have.filterref.filter}${describeDiff(want.filterref, have.filterref, want.mac)}` : 'no filter'}`,
      });
    const port = portDiff(want, have);
    if (port) out.push({ ...base, class: 'changed-port-profile', detail: `${where}: interface ${want.mac}: ${port}` });
  }
  return out;
}

function portDiff(want: InterfaceFacts, have: InterfaceFacts): string | undefined {
  if (want.type !== have.type || want.source !== have.source) return `source ${have.type ?? '?'} ${have.source ?? '?'}, expected ${want.type ?? '?'} ${want.source ?? '?'}`;
  if (want.virtualport) {
    const hv = have.virtualport;
    if (!hv || hv.type !== want.virtualport.type) return `virtualport ${hv?.type ?? 'none'}, expected ${want.virtualport.type ?? '(any)'}`;
    for (const [k, v] of Object.entries(want.virtualport.parameters)) if (hv.parameters[k] !== v) return `virtualport ${k}=${hv.parameters[k] ?? '(unset)'}, expected ${v}`;
  }
  const tags = (v?: InterfaceFacts['vlan']) => (v ? `${v.trunk === 'yes' ? 'trunk ' : ''}${v.tags.join(',')}` : 'none');
  if (tags(want.vlan) !== tags(have.vlan)) return `vlan ${tags(have.vlan)}, expected ${tags(want.vlan)}`;
  return undefined;
}

/** Names whose values differ; MAC (which libvirt adds itself) only when it is not the interface's own. */
function parameterDiff(want: FilterParameters, have: FilterParameters, mac?: string): string[] {
  const names = new Set([...want.parameters.keys(), ...have.parameters.keys()]);
  const same = (a?: string[], b?: string[]) => JSON.stringify([...(a ?? [])].sort()) === JSON.stringify([...(b ?? [])].sort());
  return [...names].filter((n) => {
    if (n === 'MAC' && !want.parameters.has(n)) return !same(have.parameters.get(n), mac ? [mac] : []);
    return !same(
      want.parameters.get(n)?.map((v) => (n === 'MAC' ? v.toLowerCase() : v)),
      have.parameters.get(n)?.map((v) => (n === 'MAC' ? v.toLowerCase() : v)),
    );
  });
}

function describeDiff(want: FilterParameters, have: FilterParameters, mac?: string): string {
  const diff = parameterDiff(want, have, mac);
  return diff.length === 0 ? '' : ` with ${diff.map((n) => `${n}=${(have.parameters.get(n) ?? ['(unset)']).join(',')} (rendered ${(want.parameters.get(n) ?? ['(unset)']).join(',')})`).join(', ')}`;
}

/** Running interfaces: each filtered one has its binding with our parameters, and the rules it implies are in the kernel. */
function bindingFindings(
  vm: string,
  rendered: InterfaceFacts[],
  live: InterfaceFacts[],
  bindings: ReadonlyMap<string, BindingFacts> | { error: string },
  contents: ReadonlyMap<string, string>,
  state: AuditHostState,
): AuditFinding[] {
  const out: AuditFinding[] = [];
  const byMac = new Map(live.map((i) => [key(i), i]));
  for (const want of rendered) {
    if (!want.filterref) continue;
    const tap = byMac.get(key(want))?.target;
    const base = { vm, mac: want.mac, filter: want.filterref.filter, repairable: true };
    if (!tap) {
      out.push({ ...base, interface: want.mac, class: 'unbound-interface', detail: `interface ${want.mac} has no tap device`, repairable: false });
      continue;
    }
    if ('error' in bindings) {
      out.push({ ...base, interface: tap, class: 'cannot-verify', detail: bindings.error, repairable: false });
      continue;
    }
    const b = bindings.get(tap);
    if (!b) {
      out.push({ ...base, interface: tap, class: 'unbound-interface', detail: `interface ${tap} (${want.mac}) has no nwfilter binding (filter ${want.filterref.filter} is not applied)` });
      continue;
    }
    if (b.filter !== want.filterref.filter || parameterDiff(want.filterref, b, want.mac).length > 0 || (b.mac !== undefined && b.mac !== want.mac)) {
      out.push({
        ...base,
        interface: tap,
        class: 'changed-parameters',
        detail: `binding of ${tap} uses filter ${b.filter}${describeDiff(want.filterref, b, want.mac)}${b.mac !== want.mac ? ` and MAC ${b.mac}` : ''}`,
      });
      continue;
    }
    for (const p of checkEnforcement(tap, filterLayers(want.filterref.filter, contents), state))
      out.push({ ...base, interface: tap, class: p.kind === 'missing' ? 'firewall-rules-missing' : 'cannot-verify', detail: p.detail, repairable: p.kind === 'missing' });
  }
  return out;
}
