/**
 * `audit --repair`: puts back what drifted, and only what ovfpipe owns
 * (findings marked repairable; `not-owned` never is). In order, per host:
 * 1. filters missing or changed: `nwfilter-define --validate` of ours, in
 *    definition order, all in one virsh process (a changed filter's
 *    redefinition also makes libvirt re-instantiate it for running VMs);
 * 2. domains missing or with another desired-state digest: the normal apply
 *    path (deployHost, batched); a hand-edited domain whose digest still
 *    matches is redefined from the rendered XML (`virsh define`, all of them
 *    in one virsh process);
 *    a running VM's interface changed live is updated live (`update-device --live`);
 * 3. interfaces unbound, with other parameters, or whose kernel rules are
 *    gone: the binding is deleted and created again from the rendered
 *    filterref, which makes libvirt instantiate the rules anew. Measured on
 *    libvirt 9.0: redefining an unchanged filter does not restore a flushed
 *    ebtables chain; delete + create does (about 2 s, during which the
 *    interface is unfiltered).
 */
import { deployHost, type HostJob, type HostUnit } from '../deploy.js';
import { randomBytes } from 'node:crypto';
import { execBatch } from '../batch.js';
import { defineSessionStep, type DefineKind, parseDefineSession } from '../step-batch.js';
import { runSteps } from '../step-runner.js';
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
const RECREATE_BINDING =
  'virsh -c "$1" nwfilter-binding-delete -- "$2" >/dev/null 2>&1; for i in 1 2 3; do printf %s "$3" | virsh -c "$1" nwfilter-binding-create /dev/stdin && exit 0; sleep 1; done; exit 1';

export interface RepairContext {
  host: string;
  transport: Transport;
  units: readonly HostUnit[];
  audit: HostAudit;
  state: AuditHostState;
  job: HostJob;
}

/** One remote step of a repair, as data (the shape of the steps deploy runs): what it acts on and its argv. */
export interface RepairStep {
  action: RepairAction['action'];
  target: string;
  argv: string[];
  /** A definition: run with the host's other definitions in one virsh process (step-batch.ts) rather than as its own argv. */
  document?: { kind: DefineKind; name: string; xml: string };
}

type Finding = HostAudit['vms'][number]['findings'][number];
type Vms = ReadonlyMap<string, HostUnit['vms'][number]>;

export async function repairHost(ctx: RepairContext): Promise<RepairAction[]> {
  const actions: RepairAction[] = [];
  const findings = ctx.audit.vms.flatMap((v) => v.findings.filter((f) => f.repairable));
  const vms: Vms = new Map(ctx.units.flatMap((u) => u.vms).map((v) => [v.name, v]));
  const uri = ctx.job.connectUri;
  const outdated = outdatedDomains(findings);
  const run = async (steps: RepairStep[]) => {
    if (steps.length === 0) return;
    // Definitions first, every one of a kind in one virsh process; then the rest, in one exec.
    const results = new Map<RepairStep, { code: number; output: string }>();
    for (const kind of ['filter', 'domain'] as const) {
      const docs = steps.filter((x) => x.document?.kind === kind);
      for (const [x, r] of (await defineAll(ctx.transport, uri, docs, kind)).entries()) results.set(x, r);
    }
    const rest = steps.filter((x) => !x.document);
    if (rest.length > 0) {
      const r = await execBatch(
        ctx.transport,
        rest.map((i) => ({ argv: i.argv, stderr: 'merge' as const })),
        { timeoutMs: 120_000 + 15_000 * rest.length },
      );
      rest.forEach((x, n) => results.set(x, r[n]!));
    }
    steps.forEach((step) => actions.push(outcome(ctx.host, step, results.get(step)!)));
  };
  await run(filterSteps(findings, ctx.units, uri));
  await run(domainSteps(findings, vms, uri, outdated));
  if (outdated.size > 0) actions.push(...(await reapply(ctx, outdated)));
  await run(bindingSteps(findings, vms, ctx.state, uri, outdated));
  return actions;
}

/** Definitions of one kind in one virsh process; each step's result from its own frame. */
async function defineAll(t: Transport, uri: string, docs: RepairStep[], kind: DefineKind): Promise<Map<RepairStep, { code: number; output: string }>> {
  const out = new Map<RepairStep, { code: number; output: string }>();
  if (docs.length === 0) return out;
  const boundary = `ovfpipe-${randomBytes(16).toString('hex')}`;
  const names = docs.map((x) => x.document!.name);
  const step = defineSessionStep(
    uri,
    docs.map((x) => ({ name: x.document!.name, xml: x.document!.xml })),
    boundary,
    kind,
  );
  try {
    const [r] = await runSteps(t, [step], { name: 'ovfpipe-repair', stopOnFailure: true });
    const results = parseDefineSession(r?.output ?? '', boundary, names, kind);
    docs.forEach((x, i) => out.set(x, { code: results[i]!.code === 0 ? 0 : 1, output: results[i]!.output }));
  } catch (e) {
    for (const x of docs) out.set(x, { code: 1, output: (e as Error).message });
  }
  return out;
}

function outcome(host: string, step: RepairStep, x: { code: number; output: string }): RepairAction {
  // On success, keep only errors of attempts that were retried (they say why a first try failed).
  const errors = x.output
    .split('\n')
    .filter((l) => l.startsWith('error:'))
    .join('; ');
  const detail = x.code === 0 ? errors || undefined : x.output.trim() || `exit ${x.code}`;
  return { host, action: step.action, target: step.target, ok: x.code === 0, ...(detail ? { detail } : {}) };
}

/** 1. Our filters that are missing or changed, in definition order. */
export function filterSteps(findings: readonly Finding[], units: readonly HostUnit[], uri: string): RepairStep[] {
  const names = new Set(findings.filter((f) => (f.class === 'missing-filter' || f.class === 'changed-filter') && f.filter).map((f) => f.filter!));
  return dedupe(units.flatMap((u) => u.result.filters))
    .filter((f) => names.has(f.name))
    .map((f) => ({ action: 'define-filter', target: f.name, argv: ['sh', '-c', DEFINE_FILTER, 'ovfpipe-filter', uri, f.xml], document: { kind: 'filter', name: f.name, xml: f.xml } }));
}

/** Domains missing or with another desired-state digest: they go through the apply path. */
function outdatedDomains(findings: readonly Finding[]): Set<string> {
  return new Set(findings.filter((f) => f.class === 'missing-domain' || (f.class === 'changed-domain' && f.detail.startsWith('desired-state digest'))).map((f) => f.vm));
}

/**
 * 2. Hand-edited domains redefined from the rendered XML; a running VM's interface changed live is put back
 * live (libvirt re-instantiates its filter; what it cannot change live, such as a bridge's vlan, fails and stays reported).
 */
export function domainSteps(findings: readonly Finding[], vms: Vms, uri: string, outdated: ReadonlySet<string>): RepairStep[] {
  const edited = findings.filter((f) => (f.class === 'changed-domain' || f.class === 'changed-port-profile') && !outdated.has(f.vm));
  const redefine = [...new Set(edited.filter((f) => !f.detail.startsWith('running:')).map((f) => f.vm))].map(
    (name): RepairStep => ({
      action: 'redefine-domain',
      target: name,
      argv: ['sh', '-c', DEFINE_DOMAIN, 'ovfpipe-domain', uri, vms.get(name)!.xml],
      document: { kind: 'domain', name, xml: vms.get(name)!.xml },
    }),
  );
  const live = new Map<string, RepairStep>();
  for (const f of edited) {
    const xml = f.detail.startsWith('running:') && f.mac ? interfaceXml(vms.get(f.vm)!.xml, f.mac) : undefined;
    if (xml) live.set(`${f.vm}/${f.mac}`, { action: 'update-interface', target: `${f.vm}/${f.mac}`, argv: ['sh', '-c', UPDATE_INTERFACE, 'ovfpipe-interface', uri, f.vm, xml] });
  }
  return [...redefine, ...live.values()];
}

/** Outdated or missing domains through deployHost; started if they were running or apply starts VMs (a pipeline's defaults.start). */
async function reapply(ctx: RepairContext, outdated: ReadonlySet<string>): Promise<RepairAction[]> {
  const actions: RepairAction[] = [];
  const wasRunning = new Set(ctx.audit.vms.filter((v) => v.state === 'running').map((v) => v.name));
  for (const start of [false, true]) {
    const pick = (name: string) => outdated.has(name) && (wasRunning.has(name) || ctx.job.start === true) === start;
    const units = ctx.units.map((u) => ({ ...u, vms: u.vms.filter((v) => pick(v.name)) })).filter((u) => u.vms.length > 0);
    if (units.length === 0) continue;
    const r = await deployHost(ctx.host, units, { ...ctx.job, start });
    for (const o of r.vms) actions.push({ host: ctx.host, action: 'apply-domain', target: o.name, ok: o.status !== 'failed', detail: o.status === 'failed' ? o.error : o.status });
  }
  return actions;
}

/** 3. Bindings of running interfaces, re-created from the rendered filterref. */
export function bindingSteps(findings: readonly Finding[], vms: Vms, state: AuditHostState, uri: string, outdated: ReadonlySet<string>): RepairStep[] {
  const steps = new Map<string, RepairStep>();
  for (const f of findings) {
    if (!(f.class === 'unbound-interface' || f.class === 'changed-parameters' || f.class === 'firewall-rules-missing') || !f.interface || !f.mac || outdated.has(f.vm)) continue;
    const vm = vms.get(f.vm);
    const live = state.domains.get(f.vm)?.live;
    const want = vm && parseInterfaces(vm.xml).interfaces.find((i) => i.mac === f.mac);
    if (!vm || !live || !want?.filterref) continue;
    const xml = bindingXml(vm.name, parseInterfaces(live).uuid ?? vm.uuid, f.interface, f.mac, want.filterref.filter, want.filterref.parameters);
    steps.set(f.interface, { action: 'recreate-binding', target: `${f.vm}/${f.interface}`, argv: ['sh', '-c', RECREATE_BINDING, 'ovfpipe-binding', uri, f.interface, xml] });
  }
  return [...steps.values()];
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
