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
import { type BatchCommand, execBatch } from './batch.js';
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
  const r = await ctx.transport.exec(['virsh', '-c', ctx.connectUri, ...args], { stdin, allowFailure: true, timeoutMs: VIRSH_TIMEOUT_MS });
  return r.code === 0 ? undefined : (r.stderr || r.stdout).trim() || `virsh ${args[0]} exited ${r.code}`;
}

/**
 * Upload (if absent) and convert (if needed) one image into the content-addressed store.
 * An image that needs converting is converted straight from the verified upload
 * (docs/deploy-benchmark.md): the raw file is never installed or fsynced, so the
 * store holds `<sha256>.qcow2` only, and it appears only once its data is synced.
 */
async function placeImage(img: ImageStep, ctx: ExecuteContext, out: HostOutcome): Promise<string | undefined> {
  try {
    if (img.upload) {
      ctx.log?.(`${ctx.host}: uploading ${img.href} → ${img.convert ? img.basePath : img.storedPath}`);
      let last = 0;
      const r = await ctx.transport.put(await ctx.openImage(img), img.convert ? img.basePath : img.storedPath, {
        expectedSha256: img.sha256,
        ...(img.convert ? { convert: { from: img.sourceFormat ?? 'raw' } } : {}),
        onProgress: (n) => {
          ctx.onBytes?.(n - last);
          last = n;
        },
      });
      out.bytesUploaded += r.bytes;
    } else if (img.convert) {
      // The raw image is in the store already (an earlier ovfpipe kept it): convert it to a
      // temporary name unique to this run, then rename, so a half-converted base never looks
      // complete and hosts sharing one store (NFS) never write the same temporary file.
      const tmp = `${img.basePath}.ovfpipe-tmp-convert-${randomBytes(6).toString('hex')}`;
      const script = 'set -e; trap \'rm -f -- "$5"\' EXIT; qemu-img convert -q -f "$1" -O qcow2 -- "$2" "$5"; mv -f -T -- "$5" "$3"; sync -- "$4"';
      const dir = img.basePath.replace(/\/[^/]+$/, '');
      const c = await ctx.transport.exec(['bash', '-c', script, 'ovfpipe-convert', img.sourceFormat ?? 'raw', img.storedPath, img.basePath, dir, tmp], { allowFailure: true });
      if (c.code !== 0) return `qemu-img convert failed: ${c.stderr.trim()}`;
    }
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Bounds on remote steps: a wedged libvirtd or storage fails this VM instead of hanging the run. */
const VIRSH_TIMEOUT_MS = 120_000;
const START_TIMEOUT_MS = 300_000;

/**
 * One VM in at most three round trips: (1) one batch makes its directory, its
 * overlays and reads the digest of its OVF environment ISO; (2) the ISO is
 * uploaded only if it differs; (3) one exec defines it and, when asked,
 * starts it and marks it autostart.
 */
async function applyVm(vm: VmPlan, ctx: ExecuteContext, out: HostOutcome): Promise<VmStatus> {
  if (vm.action === 'unchanged') {
    if (vm.start) await startVm(vm, ctx);
    return 'unchanged';
  }
  const created: string[] = [];
  const rollback = async () => {
    if (vm.action === 'create') await virsh(ctx, ['undefine', '--', vm.vm.name]);
    if (created.length > 0) await ctx.transport.exec(['rm', '-f', '--', ...created], { allowFailure: true, timeoutMs: 60_000 });
  };
  try {
    const env = vm.vm.ovfEnv;
    const iso = env ? buildIso(env.xml) : undefined;
    // Settle a failed local build at once; it is awaited (and reported) below.
    iso?.catch(() => undefined);
    const vmDir = `${vm.disks[0]?.overlayPath ?? env?.isoPath ?? ''}`.replace(/\/[^/]+$/, '');
    const overlays = vm.disks.filter((d) => d.createOverlay);
    const steps: BatchCommand[] = [];
    if (vmDir) steps.push({ argv: ['mkdir', '-p', '--', vmDir], stderr: 'merge' });
    for (const d of overlays) {
      const argv = d.basePath
        ? ['qemu-img', 'create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', d.basePath, '--', d.overlayPath]
        : ['qemu-img', 'create', '-q', '-f', 'qcow2', '--', d.overlayPath, String(d.capacityBytes ?? 1 << 30)];
      steps.push({ argv, stderr: 'merge' });
    }
    if (env) steps.push({ argv: ['sha256sum', '--', env.isoPath] });
    const results = await execBatch(ctx.transport, steps, { timeoutMs: 120_000 + 30_000 * overlays.length });
    const first = vmDir ? 1 : 0;
    if (vmDir && results[0]!.code !== 0) throw new Error(`creating ${vmDir}: ${results[0]!.output.trim()}`);
    overlays.forEach((d, i) => results[first + i]!.code === 0 && created.push(d.overlayPath));
    const failed = overlays.findIndex((_, i) => results[first + i]!.code !== 0);
    if (failed >= 0) throw new Error(`creating overlay ${overlays[failed]!.overlayPath}: ${results[first + failed]!.output.trim()}`);
    if (env && iso) {
      const { bytes, sha } = await iso;
      const remote = results.at(-1)!;
      if (!(remote.code === 0 && remote.output.startsWith(sha))) {
        const r = await ctx.transport.put(Readable.from([bytes]), env.isoPath, { expectedSha256: sha });
        out.bytesUploaded += r.bytes;
        created.push(env.isoPath);
      }
    }
    const err = await defineAndStart(vm, ctx);
    if (err) throw new Error(err);
    ctx.log?.(`${ctx.host}: ${vm.vm.name} ${vm.action === 'create' ? 'created' : 'updated'}`);
    return vm.action === 'create' ? 'created' : 'updated';
  } catch (e) {
    await rollback();
    throw e;
  }
}

/** `start` then `autostart`, each only if the step before it worked. */
const START_SCRIPT = 'virsh -c "$1" start -- "$2" && virsh -c "$1" autostart -- "$2"';
/** `define` from stdin, then the start script when $3 is 1; says which step failed. */
const DEFINE_SCRIPT = `virsh -c "$1" define /dev/stdin >/dev/null || { echo "virsh define failed" >&2; exit 1; }; if [ "$3" = 1 ]; then { ${START_SCRIPT}; } >/dev/null || { echo "virsh start failed" >&2; exit 1; }; fi`;

async function defineAndStart(vm: VmPlan, ctx: ExecuteContext): Promise<string | undefined> {
  const r = await ctx.transport.exec(['bash', '-c', DEFINE_SCRIPT, 'ovfpipe-define', ctx.connectUri, vm.vm.name, vm.start ? '1' : '0'], {
    stdin: vm.vm.xml,
    allowFailure: true,
    timeoutMs: vm.start ? VIRSH_TIMEOUT_MS + START_TIMEOUT_MS : VIRSH_TIMEOUT_MS,
  });
  if (r.code === 0) return undefined;
  const lines = r.stderr.trim().split('\n');
  const step = lines.pop() ?? '';
  const what = /^virsh (define|start) failed$/.exec(step)?.[1];
  if (!what) return `virsh define: ${r.stderr.trim() || r.stdout.trim() || `exit ${r.code}`}`;
  return `virsh ${what}: ${lines.join('\n').trim() || r.stdout.trim() || `exit ${r.code}`}`;
}

async function startVm(vm: VmPlan, ctx: ExecuteContext): Promise<void> {
  const r = await ctx.transport.exec(['bash', '-c', START_SCRIPT, 'ovfpipe-start', ctx.connectUri, vm.vm.name], { allowFailure: true, timeoutMs: START_TIMEOUT_MS });
  if (r.code !== 0) throw new Error(`virsh start: ${(r.stderr || r.stdout).trim() || `exit ${r.code}`}`);
}

/** Builds the OVF environment ISO locally (reproducible bytes, so an unchanged ISO is not sent again). */
async function buildIso(xml: string): Promise<{ bytes: Buffer; sha: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'ovfpipe-iso-'));
  try {
    const iso = join(dir, 'ovf-env.iso');
    await buildOvfEnvIso(xml, iso, { sourceDateEpoch: 0 });
    const bytes = await readFile(iso);
    return { bytes, sha: createHash('sha256').update(bytes).digest('hex') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
