/**
 * The data of an audit (PRODUCT.md §11): per host, per VM, the drift found
 * between what ovfpipe rendered and what the host really enforces. Drift
 * classes are named (docs/audit.md); `unreachable` and `cannot-verify` are
 * not drift but are never reported clean either.
 */

export const DRIFT_CLASSES = [
  'missing-domain',
  'changed-domain',
  'not-owned',
  'missing-filter',
  'changed-filter',
  'unbound-interface',
  'changed-parameters',
  'firewall-rules-missing',
  'changed-port-profile',
  'cannot-verify',
] as const;

export type DriftClass = (typeof DRIFT_CLASSES)[number];

export const DRIFT_DESCRIPTIONS: Record<DriftClass, string> = {
  'missing-domain': 'the domain is not defined on its host',
  'changed-domain': "the domain differs from ovfpipe's desired state (digest or interfaces)",
  'not-owned': 'a domain or filter with this name exists but ovfpipe did not create it; never repaired',
  'missing-filter': 'a filter of the tree is not defined',
  'changed-filter': 'a filter differs in content from what ovfpipe defines',
  'unbound-interface': 'a running interface that should carry a filter has no nwfilter binding',
  'changed-parameters': 'the binding carries other parameters (IP, MAC, …) or another filter than rendered',
  'firewall-rules-missing': 'the kernel rules libvirt instantiated for the interface are gone (chain empty or missing, jump missing)',
  'changed-port-profile': "the interface's source, virtualport or vlan differ from its port profile",
  'cannot-verify': 'the host tooling cannot list the rules (no ebtables/iptables, or listing refused)',
};

export interface AuditFinding {
  class: DriftClass;
  vm: string;
  /** Filter name, when the finding is about one. */
  filter?: string;
  /** Interface: the tap device of a running VM, else the MAC. */
  interface?: string;
  mac?: string;
  detail: string;
  /** Whether `--repair` may put it back (only what ovfpipe owns). */
  repairable: boolean;
}

export type VmAuditStatus = 'clean' | 'drift' | 'cannot-verify';

export interface VmAudit {
  name: string;
  tenant: string;
  state: 'running' | 'stopped' | 'missing';
  status: VmAuditStatus;
  findings: AuditFinding[];
}

export interface HostAudit {
  host: string;
  status: 'clean' | 'drift' | 'cannot-verify' | 'unreachable';
  error?: string;
  /** The tools that list the rules, as the host reports them (e.g. `ebtables 1.8.9 (nf_tables)`). */
  tooling?: { ebtables?: string; iptables?: string };
  vms: VmAudit[];
  seconds: number;
}

export interface RepairAction {
  host: string;
  action: 'define-filter' | 'recreate-binding' | 'redefine-domain' | 'update-interface' | 'apply-domain';
  target: string;
  ok: boolean;
  detail?: string;
}

export interface AuditResult {
  hosts: HostAudit[];
  /** With --repair: what was done, then the audit run again. */
  repairs?: RepairAction[];
  before?: HostAudit[];
}

export function vmStatus(findings: readonly AuditFinding[]): VmAuditStatus {
  if (findings.some((f) => f.class !== 'cannot-verify')) return 'drift';
  return findings.length > 0 ? 'cannot-verify' : 'clean';
}

export function hostStatus(vms: readonly VmAudit[]): HostAudit['status'] {
  if (vms.some((v) => v.status === 'drift')) return 'drift';
  return vms.some((v) => v.status === 'cannot-verify') ? 'cannot-verify' : 'clean';
}

/** Clean only when every host answered and every VM was proven in force. */
export function auditClean(r: AuditResult): boolean {
  return r.hosts.every((h) => h.status === 'clean');
}
