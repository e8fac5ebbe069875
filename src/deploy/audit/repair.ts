/**
 * `audit --repair`: puts back what drifted, and only what ovfpipe owns
 * (findings marked repairable; `not-owned` never is). In order, per host:
 * 1. filters missing or changed: `nwfilter-define --validate` of ours, in
 *    definition order (a changed filter's redefinition also makes libvirt
 *    re-instantiate it for running VMs);
 * 2. domains missing or with another desired-state digest: the normal apply
 *    path (deployHost); a hand-edited domain whose digest still matches is
 *    redefined from the rendered XML (`virsh define`);
 *    a running VM's interface changed live is updated live (`update-device --live`);
 * 3. interfaces unbound, with other parameters, or whose kernel rules are
 *    gone: the binding is deleted and created again from the rendered
 *    filterref, which makes libvirt instantiate the rules anew. Measured on
 *    libvirt 9.0: redefining an unchanged filter does not restore a flushed
 *    ebtables chain; delete + create does (about 2 s, during which the
 *    interface is unfiltered).
 */
import { deployHost, type HostJob, type HostUnit } from '../deploy.js';
import { execBatch } from '../batch.js';
import type { Transport } from '../transport.js';
import { escapeAttribute, escapeText } from '../../xml/writer.js';
import type { AuditHostState } from './host-state.js';
import type { HostAudit, RepairAction } from './model.js';
import { parseXml } from '../../xml/parse.js';
import { parseInterfaces } from './xml-facts.js';

const DEFINE_FILTER = 'printf %s "$2" | virsh -c "$1" nwfilter-define --validate /dev/stdin';
const DEFINE_DOMAIN = 'printf %s "$2" | virsh -c "$1" define /dev/stdin';
const UPDATE_INTERFACE = 'printf %s "$3" | virsh -c "$1" update-device --live -- "$2" /dev/stdin';
// Create is retried: once, in a full e2e run, it failed right after the delete (cause not captured).
const RECREATE_BINDING = 'virsh -c "$1" nwfilter-binding-delete -- "$2" >/dev/null 2>&1; for i in 1 2 3; do printf %s "$3" | virsh -c "$1" nwfilter-binding-create /dev/stdin && exit 0; sleep 1; done; exit 1';

export interface RepairContext {
  host: string;
  transport: Transport;
  units: readonly HostUnit[];
  audit: HostAudit;
  state: AuditHostState;
  job: HostJob;
}

export async function repairHost(ctx: RepairContext): Promise<RepairAction[]> {
  const actions: RepairAction[] = [];
  const findings = ctx.audit.vms.flatMap((v) => v.findings.filter((f) => f.repairable));
  const vms = new Map(ctx.units.flatMap((u) => u.vms).map((v) => [v.name, v]));
  const uri = ctx.job.connectUri;
  const run = async (kind: RepairAction['action'], items: Array<{ target: string; argv: string[] }>) => {
    if (items.length === 0) return;
    const r = await execBatch(ctx.transport, items.map((i) => ({ argv: i.argv, stderr: 'merge' as const })), { timeoutMs: 120_000 + 15_000 * items.length });
    items.forEach((i, n) => {
      const x = r[n]!;
      // On success, keep only errors of attempts that were retried (they say why a first try failed).
      const errors = x.output.split('\n').filter((l) => l.startsWith('error:')).join('; ');
      const detail = x.code === 0 ? errors || undefined : x.output.trim() || `exit ${x.code}`;
      actions.push({ host: ctx.host, action: kind, target: i.target, ok: x.code === 0, ...(detail ? { detail } : {}) });
    });
  };

  // 1. Our filters, in definition order.
  const filterNames = new Set(findings.filter((f) => (f.class === 'missing-filter' || f.class === 'changed-filter') && f.filter).map((f) => f.filter!));
  const ordered = dedupe(ctx.units.flatMap((u) => u.result.filters)).filter((f) => filterNames.has(f.name));
  await run('define-filter', ordered.map((f) => ({ target: f.name, argv: ['sh', '-c', DEFINE_FILTER, 'ovfpipe-filter', uri, f.xml] })));

  // 2. Domains: outdated or missing through apply; hand-edited ones redefined.
  const outdated = new Set(findings.filter((f) => f.class === 'missing-domain' || (f.class === 'changed-domain' && f.detail.startsWith('desired-state digest'))).map((f) => f.vm));
  const edited = new Set(findings.filter((f) => (f.class === 'changed-domain' || f.class === 'changed-port-profile') && !outdated.has(f.vm)).map((f) => f.vm));
  await run('redefine-domain', [...edited].map((name) => ({ target: name, argv: ['sh', '-c', DEFINE_DOMAIN, 'ovfpipe-domain', uri, vms.get(name)!.xml] })));
  // A running VM's interface changed live: the rendered <interface> applied live (libvirt re-instantiates its
  // filter; what it cannot change live, such as a vlan on a bridge, fails here and stays reported).
  const live = new Map<string, { target: string; argv: string[] }>();
  for (const f of findings) {
    if (!(f.class === 'changed-domain' || f.class === 'changed-port-profile') || !f.detail.startsWith('running:') || !f.mac || outdated.has(f.vm)) continue;
    const xml = interfaceXml(vms.get(f.vm)!.xml, f.mac);
    if (xml) live.set(`${f.vm}/${f.mac}`, { target: `${f.vm}/${f.mac}`, argv: ['sh', '-c', UPDATE_INTERFACE, 'ovfpipe-interface', uri, f.vm, xml] });
  }
  await run('update-interface', [...live.values()]);
  if (outdated.size > 0) {
    const wasRunning = new Set(ctx.audit.vms.filter((v) => v.state === 'running').map((v) => v.name));
    for (const start of [false, true]) {
      // Started again if it was running, or if apply starts VMs (a pipeline's defaults.start).
      const pick = (name: string) => outdated.has(name) && (wasRunning.has(name) || ctx.job.start === true) === start;
      const units = ctx.units.map((u) => ({ ...u, vms: u.vms.filter((v) => pick(v.name)) })).filter((u) => u.vms.length > 0);
      if (units.length === 0) continue;
      const r = await deployHost(ctx.host, units, { ...ctx.job, start });
      for (const o of r.vms) actions.push({ host: ctx.host, action: 'apply-domain', target: o.name, ok: o.status !== 'failed', detail: o.status === 'failed' ? o.error : o.status });
    }
  }

  // 3. Bindings of running interfaces, from the rendered filterref.
  const bindingItems = new Map<string, { target: string; argv: string[] }>();
  for (const f of findings) {
    if (!(f.class === 'unbound-interface' || f.class === 'changed-parameters' || f.class === 'firewall-rules-missing') || !f.interface || !f.mac || outdated.has(f.vm)) continue;
    const vm = vms.get(f.vm);
    const live = ctx.state.domains.get(f.vm)?.live;
    const want = vm && parseInterfaces(vm.xml).interfaces.find((i) => i.mac === f.mac);
    if (!vm || !live || !want?.filterref) continue;
    const xml = bindingXml(vm.name, parseInterfaces(live).uuid ?? vm.uuid, f.interface, f.mac, want.filterref.filter, want.filterref.parameters);
    bindingItems.set(f.interface, { target: `${f.vm}/${f.interface}`, argv: ['sh', '-c', RECREATE_BINDING, 'ovfpipe-binding', uri, f.interface, xml] });
  }
  await run('recreate-binding', [...bindingItems.values()]);
  return actions;
}

/** A <filterbinding> (libvirt formatnwfilter "Filter bindings"): owner, port, MAC, and the filterref with our parameters. */
export function bindingXml(owner: string, uuid: string, portdev: string, mac: string, filter: string, parameters: ReadonlyMap<string, readonly string[]>): string {
  const params = [...parameters].flatMap(([n, vs]) => vs.map((v) => `    <parameter name='${escapeAttribute(n)}' value='${escapeAttribute(v)}'/>`));
  if (!parameters.has('MAC')) params.push(`    <parameter name='MAC' value='${escapeAttribute(mac)}'/>`);
  return [
    '<filterbinding>',
    `  <owner>\n    <name>${escapeText(owner)}</name>\n    <uuid>${escapeText(uuid)}</uuid>\n  </owner>`,
    `  <portdev name='${escapeAttribute(portdev)}'/>`,
    `  <mac address='${escapeAttribute(mac)}'/>`,
    `  <filterref filter='${escapeAttribute(filter)}'>`,
    ...params,
    '  </filterref>',
    '</filterbinding>',
  ].join('\n');
}

/** The rendered <interface> element with this MAC, as text. */
function interfaceXml(domainXml: string, mac: string): string | undefined {
  const r = parseXml(domainXml);
  if (!r.ok) return undefined;
  const iface = r.root.children
    .find((c) => c.local === 'devices')
    ?.children.find((c) => c.local === 'interface' && c.children.some((m) => m.local === 'mac' && m.attributes.some((a) => a.local === 'address' && a.value.toLowerCase() === mac)));
  return iface ? domainXml.slice(iface.start, iface.end) : undefined;
}

function dedupe<T extends { name: string }>(items: T[]): T[] {
  const seen = new Set<string>();
  return items.filter((x) => (seen.has(x.name) ? false : (seen.add(x.name), true)));
}
