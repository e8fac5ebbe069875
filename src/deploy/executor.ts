/**
 * Runs a HostPlan over one Transport (PRODUCT.md §7 steps 2–5): filters in
 * definition order, images uploaded once (streamed out of the package,
 * verified, renamed into the store) and converted, then per VM its overlays,
 * OVF environment ISO, definition and start. A VM that fails has what this
 * run created for it removed; nothing else is touched.
 */
import { createHash, randomBytes } from 'node:crypto';
import PQueue from 'p-queue';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buildOvfEnvIso } from '../render/ovf-env.js';
import type { HostPlan, ImageStep, VmPlan } from './plan.js';
import { cleanupTemps } from './ssh/put.js';
import type { Transport } from './transport.js';

export type VmStatus = 'created' | 'updated' | 'unchanged' | 'failed';

export interface VmOutcome {
  name: string;
  host: string;
  status: VmStatus;
  error?: string;
  seconds: number;
}

export interface ExecuteContext {
  transport: Transport;
  host: string;
  connectUri: string;
  /** Opens the package member an image step uploads (the pipeline mixes several packages). */
  openImage: (step: ImageStep) => Promise<Readable>;
  /** Called with bytes as they are sent. */
  onBytes?: (n: number) => void;
  onVm?: (o: VmOutcome) => void;
  /** VMs applied at once on this host (default 1). */
  perHost?: number;
  log?: (line: string) => void;
}

export interface HostOutcome {
  vms: VmOutcome[];
  bytesUploaded: number;
}

export async function executeHostPlan(plan: HostPlan, ctx: ExecuteContext): Promise<HostOutcome> {
  const out: HostOutcome = { vms: [], bytesUploaded: 0 };
  const failedFilters = new Map<string, string>();
  for (const f of plan.filters) {
    if (f.action === 'refuse') failedFilters.set(f.filter.name, f.reason!);
    else if (f.action !== 'unchanged') {
      const r = await virsh(ctx, ['nwfilter-define', '--validate', '/dev/stdin'], f.filter.xml);
      if (r) failedFilters.set(f.filter.name, r);
      else ctx.log?.(`${ctx.host}: filter ${f.filter.name} ${f.action === 'define' ? 'defined' : 'updated'}`);
    }
  }
  const failedImages = new Map<string, string>();
  // Temporary files of uploads that died with an earlier run (older than 10 minutes, so a
  // concurrent run's upload is left alone). They never carry a store name.
  const storeDirs = new Set(plan.images.map((i) => i.storedPath.replace(/\/[^/]+$/, '')));
  for (const dir of storeDirs) await cleanupTemps(ctx.transport, dir).catch(() => undefined);
  for (const img of plan.images) {
    const err = await placeImage(img, ctx, out);
    if (err) failedImages.set(img.sha256, err);
  }
  // Per-host limit: VMs of one host are applied `perHost` at a time (images are shared, so they go first).
  const queue = new PQueue({ concurrency: ctx.perHost ?? 1 });
  await Promise.all(plan.vms.map((vm) => queue.add(async () => {
    const started = Date.now();
    let message = vm.action === 'refuse' ? vm.reason : blockingFailure(vm, failedFilters, failedImages);
    let status: VmStatus = 'failed';
    if (!message)
      try {
        status = await applyVm(vm, ctx, out);
      } catch (e) {
        message = (e as Error).message;
      }
    const o: VmOutcome = { name: vm.vm.name, host: ctx.host, status, seconds: (Date.now() - started) / 1000 };
    if (status === 'failed') o.error = message ?? 'failed';
    out.vms.push(o);
    ctx.onVm?.(o);
  })));
  out.vms.sort((a, b) => plan.vms.findIndex((v) => v.vm.name === a.name) - plan.vms.findIndex((v) => v.vm.name === b.name));
  return out;
}

function blockingFailure(vm: VmPlan, filters: Map<string, string>, images: Map<string, string>): string | undefined {
  for (const f of vm.vm.filterrefs) if (filters.has(f)) return `filter ${f}: ${filters.get(f)}`;
  for (const d of vm.disks) if (d.sha256 && images.has(d.sha256)) return `image ${d.href}: ${images.get(d.sha256)}`;
  return undefined;
}

async function virsh(ctx: ExecuteContext, args: string[], stdin?: string): Promise<string | undefined> {
  const r = await ctx.transport.exec(['virsh', '-c', ctx.connectUri, ...args], { stdin, allowFailure: true });
  return r.code === 0 ? undefined : (r.stderr || r.stdout).trim() || `virsh ${args[0]} exited ${r.code}`;
}

/** Upload (if absent) and convert (if needed) one image into the content-addressed store. */
async function placeImage(img: ImageStep, ctx: ExecuteContext, out: HostOutcome): Promise<string | undefined> {
  try {
    if (img.upload) {
      ctx.log?.(`${ctx.host}: uploading ${img.href} → ${img.storedPath}`);
      let last = 0;
      const r = await ctx.transport.put(await ctx.openImage(img), img.storedPath, {
        expectedSha256: img.sha256,
        onProgress: (n) => {
          ctx.onBytes?.(n - last);
          last = n;
        },
      });
      out.bytesUploaded += r.bytes;
    }
    if (img.convert) {
      // Convert to a temporary name unique to this run, then rename: a half-converted base never
      // looks complete, and hosts sharing one store (NFS) never write the same temporary file.
      const tmp = `${img.basePath}.ovfpipe-tmp-convert-${randomBytes(6).toString('hex')}`;
      const c = await ctx.transport.exec(['qemu-img', 'convert', '-f', img.sourceFormat ?? 'raw', '-O', 'qcow2', '--', img.storedPath, tmp], { allowFailure: true });
      const mv = c.code === 0 ? await ctx.transport.exec(['mv', '-f', '--', tmp, img.basePath], { allowFailure: true }) : c;
      if (mv.code !== 0) {
        await ctx.transport.exec(['rm', '-f', '--', tmp], { allowFailure: true });
        // Another host sharing the store may have finished the same conversion meanwhile.
        if ((await ctx.transport.exec(['test', '-s', img.basePath], { allowFailure: true })).code !== 0) return `qemu-img convert failed: ${mv.stderr.trim()}`;
      }
    }
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

async function applyVm(vm: VmPlan, ctx: ExecuteContext, out: HostOutcome): Promise<VmStatus> {
  if (vm.action === 'unchanged') {
    if (vm.start) await startVm(vm, ctx);
    return 'unchanged';
  }
  const created: string[] = [];
  const rollback = async () => {
    if (vm.action === 'create') await virsh(ctx, ['undefine', '--', vm.vm.name]);
    if (created.length > 0) await ctx.transport.exec(['rm', '-f', '--', ...created], { allowFailure: true });
  };
  try {
    const vmDir = `${vm.disks[0]?.overlayPath ?? vm.vm.ovfEnv?.isoPath ?? ''}`.replace(/\/[^/]+$/, '');
    if (vmDir) await ctx.transport.exec(['mkdir', '-p', '--', vmDir]);
    for (const d of vm.disks) {
      if (!d.createOverlay) continue;
      const argv = d.basePath
        ? ['qemu-img', 'create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', d.basePath, '--', d.overlayPath]
        : ['qemu-img', 'create', '-q', '-f', 'qcow2', '--', d.overlayPath, String(d.capacityBytes ?? 1 << 30)];
      const r = await ctx.transport.exec(argv, { allowFailure: true });
      if (r.code !== 0) throw new Error(`creating overlay ${d.overlayPath}: ${r.stderr.trim()}`);
      created.push(d.overlayPath);
    }
    if (vm.vm.ovfEnv && (await uploadIso(vm, ctx, out))) created.push(vm.vm.ovfEnv.isoPath);
    const err = await virsh(ctx, ['define', '/dev/stdin'], vm.vm.xml);
    if (err) throw new Error(`virsh define: ${err}`);
    if (vm.start) await startVm(vm, ctx);
    ctx.log?.(`${ctx.host}: ${vm.vm.name} ${vm.action === 'create' ? 'created' : 'updated'}`);
    return vm.action === 'create' ? 'created' : 'updated';
  } catch (e) {
    await rollback();
    throw e;
  }
}

async function startVm(vm: VmPlan, ctx: ExecuteContext): Promise<void> {
  const err = await virsh(ctx, ['start', '--', vm.vm.name]);
  if (err) throw new Error(`virsh start: ${err}`);
  await virsh(ctx, ['autostart', '--', vm.vm.name]);
}

/** Builds the OVF environment ISO locally and uploads it unless the host already has the same bytes. */
async function uploadIso(vm: VmPlan, ctx: ExecuteContext, out: HostOutcome): Promise<boolean> {
  const env = vm.vm.ovfEnv!;
  const dir = await mkdtemp(join(tmpdir(), 'ovfpipe-iso-'));
  try {
    const iso = join(dir, 'ovf-env.iso');
    await buildOvfEnvIso(env.xml, iso, { sourceDateEpoch: 0 });
    const bytes = await readFile(iso);
    const sha = createHash('sha256').update(bytes).digest('hex');
    const remote = await ctx.transport.exec(['sha256sum', '--', env.isoPath], { allowFailure: true });
    if (remote.code === 0 && remote.stdout.startsWith(sha)) return false;
    const r = await ctx.transport.put(Readable.from([bytes]), env.isoPath, { expectedSha256: sha });
    out.bytesUploaded += r.bytes;
    return true;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
