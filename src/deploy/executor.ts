/**
 * Runs a HostPlan over one Transport (PRODUCT.md §7 steps 2–5): filters in
 * definition order, images uploaded once (streamed out of the package,
 * verified, converted into the store), then per VM its overlays, OVF
 * environment ISO, definition and start. A VM that fails has what this run
 * created for it removed; nothing else is touched.
 *
 * Round trips cost (docs/deploy-benchmark.md), so what does not depend on the
 * images runs while they stream: the cleanup of stale temporaries, all filter
 * definitions (one batch), and each VM's directory and ISO. After its images,
 * a VM takes one exec: overlays, define, start.
 */
import { createHash, randomBytes } from 'node:crypto';
import PQueue from 'p-queue';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buildOvfEnvIso } from './ovf-env-iso.js';
import type { HostPlan, ImageStep, VmPlan } from './plan.js';
import { type BatchCommand, execBatch } from './batch.js';
import { cleanupTemps, SELF_CONTAINED, TEMP_MARKER } from './ssh/put.js';
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
  // Temporary files of uploads that died with an earlier run (older than 10 minutes, so a
  // concurrent run's upload is left alone). They never carry a store name.
  const storeDirs = [...new Set(plan.images.map((i) => i.storedPath.replace(/\/[^/]+$/, '')))];
  const cleanup = Promise.all(storeDirs.map((dir) => cleanupTemps(ctx.transport, dir).catch(() => undefined)));
  const filters = defineFilters(plan, ctx);
  const images = (async () => {
    const failed = new Map<string, string>();
    for (const img of plan.images) {
      const err = await placeImage(img, ctx, out);
      if (err) failed.set(img.sha256, err);
    }
    return failed;
  })();
  const ready = Promise.all([filters, images]);
  // Per-host limit: VMs of one host are applied `perHost` at a time; each prepares while the images stream.
  const queue = new PQueue({ concurrency: ctx.perHost ?? 1 });
  await Promise.all(plan.vms.map((vm) => queue.add(async () => {
    const started = Date.now();
    let message = vm.action === 'refuse' ? vm.reason : undefined;
    let status: VmStatus = 'failed';
    if (!message)
      try {
        status = await applyVm(vm, ctx, out, ready);
      } catch (e) {
        message = (e as Error).message;
      }
    const o: VmOutcome = { name: vm.vm.name, host: ctx.host, status, seconds: (Date.now() - started) / 1000 };
    if (status === 'failed') o.error = message ?? 'failed';
    out.vms.push(o);
    ctx.onVm?.(o);
  })));
  await Promise.all([cleanup, ready]);
  out.vms.sort((a, b) => plan.vms.findIndex((v) => v.vm.name === a.name) - plan.vms.findIndex((v) => v.vm.name === b.name));
  return out;
}

/** Filters in plan (definition) order, all in one batch; returns name → error for those that failed. */
async function defineFilters(plan: HostPlan, ctx: ExecuteContext): Promise<Map<string, string>> {
  const failed = new Map<string, string>();
  const todo = plan.filters.filter((f) => {
    if (f.action === 'refuse') failed.set(f.filter.name, f.reason!);
    return f.action === 'define' || f.action === 'update';
  });
  if (todo.length === 0) return failed;
  // The XML travels as an argv word (batches are split well under the kernel's and sshd's limits).
  const define = 'printf %s "$2" | virsh -c "$1" nwfilter-define --validate /dev/stdin';
  try {
    const results = await execBatch(
      ctx.transport,
      todo.map((f) => ({ argv: ['sh', '-c', define, 'ovfpipe-filter', ctx.connectUri, f.filter.xml], stderr: 'merge' as const })),
      { timeoutMs: VIRSH_TIMEOUT_MS + 10_000 * todo.length },
    );
    todo.forEach((f, i) => {
      const r = results[i]!;
      if (r.code !== 0) failed.set(f.filter.name, r.output.trim() || `virsh nwfilter-define exited ${r.code}`);
      else ctx.log?.(`${ctx.host}: filter ${f.filter.name} ${f.action === 'define' ? 'defined' : 'updated'}`);
    });
  } catch (e) {
    for (const f of todo) failed.set(f.filter.name, (e as Error).message);
  }
  return failed;
}

function blockingFailure(vm: VmPlan, filters: Map<string, string>, images: Map<string, string>): string | undefined {
  for (const f of vm.vm.filterrefs) if (filters.has(f)) return `filter ${f}: ${filters.get(f)}`;
  for (const d of vm.disks) if (d.sha256 && images.has(d.sha256)) return `image ${d.href}: ${images.get(d.sha256)}`;
  return undefined;
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
        // An ISO (CD-ROM) is attached raw and read-only; qemu-img has no format to check it as.
        ...(img.convert ? { convert: { from: img.sourceFormat ?? 'raw' } } : img.sourceFormat === 'iso' ? {} : { image: { format: img.sourceFormat ?? 'raw' } }),
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
      const tmp = `${img.basePath}${TEMP_MARKER}convert-${randomBytes(6).toString('hex')}`;
      // The same self-containment check as a fresh upload gets (put.ts): the stored file may predate it.
      const script = `t=$2 img=$1 c=$5; fail() { rm -f -- "$c"; exit "\${1:-1}"; }; ${SELF_CONTAINED}\nset -e; trap 'rm -f -- "$5"' EXIT; qemu-img convert -q -f "$1" -O qcow2 -- "$2" "$5"; mv -f -T -- "$5" "$3"; sync -- "$4"`;
      const dir = img.basePath.replace(/\/[^/]+$/, '');
      const c = await ctx.transport.exec(['bash', '-c', script, 'ovfpipe-convert', img.sourceFormat ?? 'raw', img.storedPath, img.basePath, dir, tmp], { allowFailure: true });
      if (c.code === 6) return c.stderr.trim();
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
 * One VM. While the images stream: one batch makes its directory and reads the
 * digest of its OVF environment ISO, and the ISO is uploaded only if it
 * differs. Once its images and filters are in place: one exec creates its
 * overlays, defines it and, when asked, starts it and marks it autostart.
 */
async function applyVm(vm: VmPlan, ctx: ExecuteContext, out: HostOutcome, ready: Promise<[Map<string, string>, Map<string, string>]>): Promise<VmStatus> {
  if (vm.action === 'unchanged') {
    if (vm.start) await startVm(vm, ctx);
    return 'unchanged';
  }
  const created: string[] = [];
  let defined = false;
  const rollback = async () => {
    // A domain this run defined (and perhaps started before autostart failed) goes again.
    if (vm.action === 'create' && defined)
      await ctx.transport.exec(['sh', '-c', 'virsh -c "$1" destroy -- "$2" >/dev/null 2>&1; virsh -c "$1" undefine -- "$2"', 'ovfpipe-rollback', ctx.connectUri, vm.vm.name], { allowFailure: true, timeoutMs: VIRSH_TIMEOUT_MS });
    if (created.length > 0) await ctx.transport.exec(['rm', '-f', '--', ...created], { allowFailure: true, timeoutMs: 60_000 });
  };
  try {
    const env = vm.vm.ovfEnv;
    const vmDir = `${vm.disks[0]?.overlayPath ?? env?.isoPath ?? ''}`.replace(/\/[^/]+$/, '');
    if (env) {
      const iso = buildIso(env.xml);
      iso.catch(() => undefined); // settled here, awaited (and reported) below
      const [mkdir, remote] = await execBatch(ctx.transport, [{ argv: ['mkdir', '-p', '--', vmDir], stderr: 'merge' }, { argv: ['sha256sum', '--', env.isoPath] }], { timeoutMs: 60_000 });
      if (mkdir!.code !== 0) throw new Error(`creating ${vmDir}: ${mkdir!.output.trim()}`);
      const { bytes, sha } = await iso;
      if (!(remote!.code === 0 && remote!.output.startsWith(sha))) {
        const r = await ctx.transport.put(Readable.from([bytes]), env.isoPath, { expectedSha256: sha });
        out.bytesUploaded += r.bytes;
        created.push(env.isoPath);
      }
    }
    const [failedFilters, failedImages] = await ready;
    const blocked = blockingFailure(vm, failedFilters, failedImages);
    if (blocked) throw new Error(blocked);
    const overlays = vm.disks.filter((d) => d.createOverlay);
    const r = await ctx.transport.exec(['bash', '-c', APPLY_SCRIPT, 'ovfpipe-apply', ctx.connectUri, vm.vm.name, vm.start ? '1' : '0', env ? '' : vmDir, ...overlays.flatMap(overlayArgv)], {
      stdin: vm.vm.xml,
      allowFailure: true,
      timeoutMs: VIRSH_TIMEOUT_MS + 30_000 * overlays.length + (vm.start ? START_TIMEOUT_MS : 0),
    });
    for (const m of r.stdout.matchAll(/^created (\d+)$/gm)) created.push(overlays[Number(m[1])]!.overlayPath);
    defined = /^defined$/m.test(r.stdout);
    if (r.code !== 0) throw new Error(applyError(r.stderr, r.code, overlays));
    return vm.action === 'create' ? 'created' : 'updated';
  } catch (e) {
    await rollback();
    throw e;
  }
}

/** `qemu-img create` of one overlay as a counted argv group for APPLY_SCRIPT. */
function overlayArgv(d: VmPlan['disks'][number]): string[] {
  const argv = d.basePath
    ? ['qemu-img', 'create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', d.basePath, '--', d.overlayPath]
    : ['qemu-img', 'create', '-q', '-f', 'qcow2', '--', d.overlayPath, String(d.capacityBytes ?? 1 << 30)];
  return [String(argv.length), ...argv];
}

/** `start` then `autostart`, each only if the step before it worked. */
const START_SCRIPT = 'virsh -c "$1" start -- "$2" && virsh -c "$1" autostart -- "$2"';
/**
 * $1 URI, $2 domain, $3 start (1/0), $4 the VM's directory to make ('' when
 * the ISO step made it already), then counted argv
 * groups, one per overlay; the domain XML on stdin. Prints `created I` per
 * overlay and `defined`; on failure the last stderr line names the step.
 */
const APPLY_SCRIPT = [
  'uri=$1 name=$2 start=$3 dir=$4; shift 4; i=0',
  'if [ -n "$dir" ]; then mkdir -p -- "$dir" || { echo "ovfpipe-step mkdir" >&2; exit 1; }; fi',
  'while [ $# -gt 0 ]; do',
  '  n=$1; shift; cmd=("${@:1:$n}"); shift "$n"',
  '  "${cmd[@]}" </dev/null >&2 || { echo "ovfpipe-step overlay $i" >&2; exit 1; }',
  '  echo "created $i"; i=$((i+1))',
  'done',
  'virsh -c "$uri" define /dev/stdin >/dev/null || { echo "ovfpipe-step define" >&2; exit 1; }',
  'echo defined',
  'if [ "$start" = 1 ]; then',
  `  set -- "$uri" "$name"; { ${START_SCRIPT}; } >/dev/null </dev/null || { echo "ovfpipe-step start" >&2; exit 1; }`,
  'fi',
].join('\n');

function applyError(stderr: string, code: number, overlays: VmPlan['disks']): string {
  const lines = stderr.trim().split('\n');
  const step = /^ovfpipe-step (\w+)(?: (\d+))?$/.exec(lines.at(-1) ?? '');
  const detail = (step ? lines.slice(0, -1) : lines).join('\n').trim() || `exit ${code}`;
  if (!step) return `virsh define: ${detail}`;
  if (step[1] === 'overlay') return `creating overlay ${overlays[Number(step[2])]?.overlayPath}: ${detail}`;
  if (step[1] === 'mkdir') return `creating the VM directory: ${detail}`;
  return `virsh ${step[1]}: ${detail}`;
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
