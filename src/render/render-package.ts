/**
 * Render, the pure part: one package, one tenant → domain XML per
 * VirtualSystem, the tenant-scoped nwfilter documents in definition order,
 * and the disk plan (PRODUCT.md §6). Nothing here touches a disk or a host.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { diagnostic, hasErrors } from '../diagnostics/diagnostic.js';
import { isOvfpipeError } from '../diagnostics/errors.js';
import type { VarsFile } from '../macros/vars.js';
import { virtualSystems, type Envelope } from '../ovf/model.js';
import { netsecOf } from '../netsec/view.js';
import { renderDomain } from './domain.js';
import { activeHardware } from './hardware.js';
import type { FirmwareChoice } from './firmware.js';
import { planDisks, placementsFor, type DiskPlanEntry } from './disk-plan.js';
import { scopeFilters, type ScopedFilter } from './filters.js';
import { ovfEnvironmentXml } from './ovf-env.js';
import { resolveVm } from './resolve-vm.js';
import { varsFileKeyProblems } from './var-keys.js';
import type { RenderOptions, ResolvedNic } from './types.js';
import { createHash } from 'node:crypto';
import { OvfpipeError } from '../diagnostics/errors.js';
import { writeXml, type XmlNode } from '../xml/writer.js';

export interface RenderRequest {
  envelope: Envelope;
  /** Recorded in each domain's metadata (e.g. the OVA file name). */
  packageName: string;
  tenant: string;
  vars?: VarsFile;
  /** Storage root on the hosts (default /var/lib/ovfpipe). */
  storageRoot: string;
  options: RenderOptions;
  configuration?: string;
  /** sha256 of each References href, when known (from the manifest or a hashing pass). */
  digests: ReadonlyMap<string, string>;
  /** Render even when values are missing (destroy only needs the names). */
  lenient?: boolean;
  /** One of several deployments of this package in the tenant (pipelines): names domains and keys generated values. */
  instance?: string;
  /**
   * Check that every name in `vars` is one the package uses (var-keys.ts); default on.
   * Pipelines check their vars themselves (a shared value may be for another package).
   */
  checkVarKeys?: boolean;
}

export interface RenderedVm {
  name: string;
  virtualSystem: string;
  uuid: string;
  xml: string;
  /** ovf-env.xml content and the ISO path on the host, when the package asks for the iso transport. */
  ovfEnv?: { xml: string; isoPath: string };
  notes: string[];
  values: Array<{ name: string; nic?: string; value: string; source: string }>;
  filterrefs: string[];
  nics: ResolvedNic[];
  tenant: string;
  /** Memory (KiB) and vCPUs, for placement. */
  memoryKiB: number;
  vcpus: number;
  /** Firmware rendered: bios, efi or efi-secure. */
  firmware: FirmwareChoice;
  /** Deployment configuration rendered, when the package declares any. */
  configuration?: string;
}

export interface RenderResult {
  tenant: string;
  domains: RenderedVm[];
  filters: ScopedFilter[];
  builtinFilters: string[];
  disks: DiskPlanEntry[];
  diagnostics: Diagnostic[];
  /** VMs left out because their document cannot be used (a disk that cannot be rendered); the others are whole. */
  failedVms: Array<{ name: string; virtualSystem: string; reason: string }>;
}

const TENANT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

export function renderPackage(req: RenderRequest): RenderResult {
  const result: RenderResult = { tenant: req.tenant, domains: [], filters: [], builtinFilters: [], disks: [], diagnostics: [], failedVms: [] };
  if (!TENANT.test(req.tenant)) {
    result.diagnostics.push({
      ruleId: 'macro-type',
      severity: 'error',
      message: `tenant '${req.tenant}' must be 1-63 of A-Z a-z 0-9 _ . - (it prefixes domain and filter names)`,
      line: 0,
      column: 0,
      locator: '',
    });
    return result;
  }
  checkNetworkMap(req.envelope, req.options);
  checkStorageRoot(req.storageRoot);
  if (req.vars && !req.lenient && req.checkVarKeys !== false) result.diagnostics.push(...varsFileKeyProblems(req.envelope, req.vars, req.tenant));
  const { sections } = netsecOf(req.envelope);
  let scope: ReturnType<typeof scopeFilters>;
  try {
    scope = scopeFilters(req.tenant, [
      { vsId: '', filters: sections.filter((s) => s.scope === 'package').flatMap((s) => s.filters) },
      ...sections.filter((s) => s.scope === 'virtual-system').map((s) => ({ vsId: s.virtualSystemId!, filters: s.filters })),
    ]);
  } catch (e) {
    result.diagnostics.push(packageProblem(e, 'nwfilter-filterref', 'NetworkSecuritySection'));
    return result;
  }
  result.filters = scope.filters;
  const builtins = new Set<string>();
  const systems = [...virtualSystems(req.envelope.content)];
  for (const vs of systems) {
    const instance = req.instance === undefined ? undefined : { name: req.instance, singleVirtualSystem: systems.length === 1 };
    const vm = resolveVm(req.envelope, vs, req.tenant, req.vars, req.options, req.configuration, instance);
    result.diagnostics.push(...vm.diagnostics);
    if (hasErrors(vm.diagnostics) && !req.lenient) continue;
    for (const nic of vm.nics)
      if (nic.filterref) {
        const scoped = scope.nameFor(vs.id, nic.filterref.filter);
        if (scoped === undefined) builtins.add(nic.filterref.filter);
        nic.filterref = { ...nic.filterref, filter: scoped ?? nic.filterref.filter };
      }
    try {
      const disks = planDisks(req.envelope, vs, vm.domainName, req.storageRoot, req.digests, activeHardware(vs, req.envelope, req.configuration, []).items);
      const wantsIso = vs.virtualHardware.some((h) => h.transport.includes('iso'));
      const isoPath = wantsIso ? `${req.storageRoot}/vms/${vm.domainName}/ovf-env.iso` : undefined;
      const rendered = renderDomain(vs, req.envelope, {
        name: vm.domainName,
        uuid: vm.uuid,
        nics: vm.nics,
        disks: placementsFor(disks),
        ovfEnvIso: isoPath,
        configuration: req.configuration,
        packageName: req.packageName,
        tenant: req.tenant,
        options: req.options,
      });
      // A VM that would lose a disk is not rendered at all (render and deploy fail for it).
      result.diagnostics.push(...rendered.problems.map((p) => ({ ...p, file: p.file ?? req.envelope.loc.file })));
      if (hasErrors(rendered.problems) && !req.lenient) {
        result.failedVms.push({
          name: vm.domainName,
          virtualSystem: vs.id,
          reason: rendered.problems
            .filter((p) => p.severity === 'error')
            .map((p) => p.message)
            .join('; '),
        });
        continue;
      }
      result.disks.push(...disks);
      const xml = stampDigest(rendered.node);
      const domain: RenderedVm = {
        name: vm.domainName,
        virtualSystem: vs.id,
        uuid: vm.uuid,
        xml,
        ovfEnv: isoPath ? { xml: ovfEnvironmentXml(vs, vm.properties), isoPath } : undefined,
        notes: rendered.notes,
        values: vm.values,
        filterrefs: vm.nics.flatMap((n) => (n.filterref ? [n.filterref.filter] : [])),
        nics: vm.nics,
        tenant: req.tenant,
        memoryKiB: rendered.memoryKiB,
        vcpus: rendered.vcpus,
        firmware: rendered.firmware,
        configuration: rendered.configuration,
      };
      DOMAIN_TREES.set(domain, { node: rendered.node, xml });
      result.domains.push(domain);
    } catch (e) {
      result.diagnostics.push(packageProblem(e, 'package-readable', `VirtualSystem[${vs.id}]`));
    }
  }
  for (const f of scope.filters) for (const r of f.references) if (!scope.filters.some((x) => x.name === r)) builtins.add(r);
  result.builtinFilters = [...builtins].sort();
  return result;
}

/** Each rendered domain's tree (what its `xml` was written from), kept beside it rather than in it: plans and reports serialise RenderedVm. */
const DOMAIN_TREES = new WeakMap<RenderedVm, { node: XmlNode; xml: string }>();

/** The tree `vm.xml` was written from, when `vm` is the object render returned and its xml is still that (else parse its xml). */
export function renderedDomainTree(vm: RenderedVm): XmlNode | undefined {
  const t = DOMAIN_TREES.get(vm);
  return t !== undefined && t.xml === vm.xml ? t.node : undefined;
}

/** The OVF networks a package names: its NetworkSection and every NIC's Connection. */
export function packageNetworks(env: Envelope): Set<string> {
  const names = new Set(env.networks.map((n) => n.name));
  for (const vs of virtualSystems(env.content)) for (const h of vs.virtualHardware) for (const i of h.items) for (const c of i.connection) if (c !== '') names.add(c);
  return names;
}

/** A mapping must name a network of the package (NetworkSection, or a NIC's Connection): a typo is a usage error. */
function checkNetworkMap(env: Envelope, options: RenderOptions): void {
  const mapped = Object.keys(options.networkMap ?? {});
  if (mapped.length === 0) return;
  const names = packageNetworks(env);
  const unknown = mapped.filter((m) => !names.has(m));
  if (unknown.length > 0)
    throw new OvfpipeError(
      'OVFPIPE_USAGE',
      `network mapping names ${unknown.map((u) => `'${u}'`).join(', ')}, which the package does not have; its networks: ${[...names].sort().join(', ') || '(none)'}`,
    );
}

/**
 * The storage root is a path on the hosts: every disk path is rendered under it and reaches the remote
 * shell quoted, where `~` is not expanded (a `~/vms` would make a directory named `~`). A local `~` is not
 * the host's either, so it is refused rather than expanded (src/paths.ts expands local paths only).
 */
export function checkStorageRoot(root: string): void {
  if (!root.startsWith('/')) throw new OvfpipeError('OVFPIPE_USAGE', `storage root '${root}' must be an absolute path on the hosts ('~' and relative paths are not expanded there)`);
}

/**
 * Records a digest of the desired document in ovfpipe's domain metadata,
 * which libvirt keeps verbatim: deploy compares it with the one `virsh
 * dumpxml` returns to tell an unchanged domain from one to update, without
 * second-guessing the defaults libvirt adds on define.
 */
function stampDigest(node: XmlNode): string {
  const digest = createHash('sha256').update(writeXml(node)).digest('hex');
  const source = node.children.find((c): c is XmlNode => 'name' in c && c.name === 'metadata')?.children.find((c): c is XmlNode => 'name' in c && c.name.endsWith(':source'));
  source?.attributes.push(['digest', digest]);
  return writeXml(node);
}

/**
 * A package problem found while rendering (a filter reference that leads nowhere, a value
 * XML cannot carry) is a diagnostic like any other: render returns a verdict, it does not
 * throw. Anything else is a bug and still propagates.
 */
function packageProblem(e: unknown, ruleId: string, locator: string): Diagnostic {
  if (isOvfpipeError(e) && (e.code === 'OVFPIPE_PACKAGE' || e.code === 'OVFPIPE_XML')) return diagnostic(ruleId, 'error', e.message, {}, locator);
  throw e;
}
