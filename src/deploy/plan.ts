/**
 * Planning is separate from doing (ARCHITECTURE.md): a pure diff of what
 * render wants on a host against the facts found there. `plan` prints it,
 * `deploy`/`apply` execute it. Ownership: a domain is ours when its
 * metadata carries ovfpipe's source element for this tenant; a filter is
 * ours when its uuid is the UUIDv5 ovfpipe gives its name. Anything else
 * with a clashing name is refused unless forced (PRODUCT.md §7).
 */
import { PARTIAL_MARKER } from './ssh/put.js';
import { filterUuid, sameFilter } from '../netsec/nwfilter/identity.js';
import type { DiskPlanEntry } from '../render/disk-plan.js';
import type { ScopedFilter } from '../render/filters.js';
import type { RenderedVm } from '../render/render-package.js';
import type { XmlElement } from '../xml/element.js';
import { parseXml } from '../xml/parse.js';
import type { HostFacts } from './facts.js';

export type FilterAction = 'define' | 'update' | 'unchanged' | 'refuse';
export type VmAction = 'create' | 'update' | 'unchanged' | 'refuse';

export interface ImageStep {
  sha256: string;
  href: string;
  sourceFormat?: string;
  bytes?: number;
  storedPath: string;
  basePath: string;
  upload: boolean;
  convert: boolean;
  /** The store holds a partial of this upload that a cut transfer left (put.ts PARTIAL_MARKER): worth probing to resume. */
  partial?: boolean;
}

export interface VmPlan {
  vm: RenderedVm;
  action: VmAction;
  reason?: string;
  disks: Array<DiskPlanEntry & { createOverlay: boolean }>;
  uploadIso: boolean;
  start: boolean;
}

export interface HostPlan {
  filters: Array<{ filter: ScopedFilter; action: FilterAction; reason?: string }>;
  images: ImageStep[];
  vms: VmPlan[];
  bytesToSend: number;
  problems: string[];
}

export interface PlanOptions {
  force?: boolean;
  start?: boolean;
  /** VMs the host cannot run (capabilities.ts), with the reason: refused, and nothing is sent for them. */
  unsupported?: ReadonlyMap<string, string>;
}

export function planHost(desired: { filters: ScopedFilter[]; vms: RenderedVm[]; disks: DiskPlanEntry[] }, facts: HostFacts, opts: PlanOptions): HostPlan {
  const plan: HostPlan = { filters: [], images: [], vms: [], bytesToSend: 0, problems: [] };
  for (const filter of desired.filters) plan.filters.push({ filter, ...filterAction(filter, facts, opts.force) });
  const images = new Map<string, ImageStep>();
  // Keys whose base some disk needs this run: a CD-ROM, or a disk whose overlay is still to be made.
  const needed = new Set<string>();
  for (const d of desired.disks) {
    if (opts.unsupported?.has(d.domain)) continue;
    // Disks get a qcow2 base (converted if need be); a CD-ROM image from the package is stored as it is.
    if (!d.sha256 || !d.storedPath || (d.device === 'disk' && !d.basePath)) continue;
    const basePath = d.basePath ?? d.storedPath;
    // One step per image and base: a host may hold one image both converted and as uploaded (--disk-mode per deployment).
    const key = `${d.sha256}\u0000${basePath}`;
    if (d.device !== 'disk' || !facts.existing.has(d.overlayPath)) needed.add(key);
    if (images.has(key)) continue;
    const storedName = d.storedPath.split('/').pop()!;
    const baseName = basePath.split('/').pop()!;
    const haveBase = facts.images.has(baseName);
    const step: ImageStep = {
      sha256: d.sha256,
      href: d.href!,
      sourceFormat: d.sourceFormat,
      bytes: d.fileSize,
      storedPath: d.storedPath,
      basePath,
      // An image already in the store is never sent again; a converted base is enough.
      upload: !haveBase && !facts.images.has(storedName),
      convert: !haveBase && d.storedPath !== basePath,
    };
    const target = (step.convert ? basePath : d.storedPath).split('/').pop()!;
    if (step.upload && facts.images.has(`${target}${PARTIAL_MARKER}${d.sha256}`)) step.partial = true;
    images.set(key, step);
  }
  // Overlays that exist keep the base they were made on. A backing-mode image that no overlay of this run needs
  // is not sent when the store holds its conversion (the VMs were made in convert mode: a pipeline whose diskMode
  // changed). The other way round the conversion still runs (no upload): the raw file may be what an earlier
  // version left under overlays that name the missing qcow2.
  for (const [key, step] of images) if (!needed.has(key) && !step.convert && step.upload && facts.images.has(`${step.sha256}.qcow2`)) images.set(key, { ...step, upload: false, partial: undefined });
  plan.images = sendOnce([...images.values()]);
  for (const step of plan.images) if (step.upload) plan.bytesToSend += step.bytes ?? 0;
  const unknownDigest = desired.disks.filter((d) => d.href && !d.sha256);
  for (const d of unknownDigest) plan.problems.push(`${d.domain}: the digest of ${d.href} is unknown (rendered with --descriptor-only?)`);
  for (const vm of desired.vms) plan.vms.push(vmPlan(vm, desired.disks, facts, opts));
  if (facts.freeBytes !== undefined && plan.bytesToSend * 2 > facts.freeBytes)
    plan.problems.push(`not enough space in ${facts.storageRoot}: ${facts.freeBytes} bytes free, ${plan.bytesToSend * 2} needed (images and their conversion)`);
  return plan;
}

/**
 * An image wanted both as uploaded (a backing-mode base) and converted is
 * sent once: the upload that keeps it comes first, and the conversion then
 * reads the stored file (executor: images are placed in plan order).
 */
function sendOnce(steps: ImageStep[]): ImageStep[] {
  const kept = new Set(steps.filter((s) => s.basePath === s.storedPath).map((s) => s.sha256));
  const out = steps.map(({ partial, ...s }) => (s.convert && s.upload && kept.has(s.sha256) ? { ...s, upload: false } : { ...s, ...(partial ? { partial } : {}) }));
  return [...out.filter((s) => s.basePath === s.storedPath), ...out.filter((s) => s.basePath !== s.storedPath)];
}

function filterAction(f: ScopedFilter, facts: HostFacts, force = false): { action: FilterAction; reason?: string } {
  const current = facts.filters.get(f.name);
  if (current === undefined) return { action: 'define' };
  const uuid = filterUuid(current);
  if (uuid !== f.uuid && !force) return { action: 'refuse', reason: `filter ${f.name} exists with uuid ${uuid ?? '?'}, not ovfpipe's; use --force to replace it` };
  return sameFilter(current, f.xml) ? { action: 'unchanged' } : { action: 'update' };
}

function vmPlan(vm: RenderedVm, disks: DiskPlanEntry[], facts: HostFacts, opts: PlanOptions): VmPlan {
  const mine = disks.filter((d) => d.domain === vm.name);
  const current = facts.domains.get(vm.name);
  const unsupported = opts.unsupported?.get(vm.name);
  const planned = {
    vm,
    disks: mine.map((d) => ({ ...d, createOverlay: d.device === 'disk' && !facts.existing.has(d.overlayPath) })),
    uploadIso: vm.ovfEnv !== undefined,
    start: opts.start === true && !current?.running,
  };
  if (unsupported !== undefined) return { ...planned, uploadIso: false, start: false, action: 'refuse', reason: `preflight: ${unsupported}` };
  if (!current) return { ...planned, action: 'create' };
  const meta = domainMeta(current.xml);
  const owner = meta.tenant;
  if (owner !== vm.tenant && !opts.force)
    return {
      ...planned,
      action: 'refuse',
      reason: owner === undefined ? `domain ${vm.name} exists and was not created by ovfpipe; use --force to replace it` : `domain ${vm.name} belongs to tenant '${owner}'`,
    };
  const same = meta.digest !== undefined && meta.digest === digestOf(vm.xml) && planned.disks.every((d) => !d.createOverlay);
  return { ...planned, action: same ? 'unchanged' : 'update' };
}

const OVFPIPE_DOMAIN_NS = 'http://ovfpipe.dev/schema/domain/1';

/** What ovfpipe recorded in a domain's metadata: the tenant that owns it and the digest of the desired document. */
export interface DomainMeta {
  tenant?: string;
  digest?: string;
}

/**
 * ovfpipe's `<source>` element in a domain's `<metadata>`. A fleet's plan,
 * audit and destroy read it for every domain (issue 19): parsing only the
 * metadata element costs a fraction of the whole document in a short-lived
 * process, where the parser is still cold. The slice is taken only when it
 * is unambiguous (libvirt escapes `<` in text and writes no comments or
 * processing instructions, so the first `<metadata` is the domain's own) and
 * must parse as one well-formed element; anything else (a comment, CDATA or
 * a processing instruction before it, a nested
 * `<metadata>` of another application, a namespace declared on the root)
 * falls back to parsing the whole document, with the same answer.
 */
export function domainMeta(domainXml: string): DomainMeta {
  const slice = metadataSlice(domainXml);
  if (slice !== undefined) {
    const r = parseXml(slice);
    if (r.ok && r.root.local === 'metadata') return metaOf(r.root);
  }
  const r = parseXml(domainXml);
  if (!r.ok) return {};
  const meta = r.root.children.find((c) => c.local === 'metadata');
  return meta ? metaOf(meta) : {};
}

function metadataSlice(xml: string): string | undefined {
  const open = /<metadata[\s>/]/.exec(xml);
  if (!open) return undefined;
  // Markup that can hold a literal `<metadata` before the element itself: comments, CDATA, a DOCTYPE, processing instructions.
  const before = xml.slice(0, open.index).replace(/^\s*<\?xml[^>]*\?>/, '');
  if (before.includes('<!') || before.includes('<?')) return undefined;
  if (/^<metadata\s*\/>/.test(xml.slice(open.index))) return '<metadata/>';
  const end = xml.indexOf('</metadata>', open.index);
  return end < 0 ? undefined : xml.slice(open.index, end + '</metadata>'.length);
}

function metaOf(meta: XmlElement): DomainMeta {
  const src = meta.children.find((c) => c.ns === OVFPIPE_DOMAIN_NS && c.local === 'source');
  if (!src) return {};
  const get = (n: string) => src.attributes.find((a) => a.local === n)?.value;
  return { tenant: get('tenant'), digest: get('digest') };
}

/** The tenant recorded in ovfpipe's domain metadata, if the domain is ours. */
export function ownerOf(domainXml: string): string | undefined {
  return domainMeta(domainXml).tenant;
}

export function digestOf(domainXml: string): string | undefined {
  return domainMeta(domainXml).digest;
}
