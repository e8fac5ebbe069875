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
 * a VM takes one round trip: its remote steps (steps.ts: overlays, define,
 * start), compiled into one script by the step runner (step-runner.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import PQueue from 'p-queue';
import { Readable } from 'node:stream';
import { ovfEnvIso } from '../render/ovf-env.js';
import type { HostPlan, ImageStep, VmPlan } from './plan.js';
import { execBatch } from './batch.js';
import { cleanupTemps, putBytes } from './ssh/put.js';
import { StepRunner, type StepDuration } from './step-runner.js';
import { convertSteps, isoUploadStep, startSteps, STEP_TIMEOUT_MS, vmApplySteps, vmDirectory, type RemoteStep } from './steps.js';
import type { Transport } from './transport.js';
import { roundTripLabel, timed, type StepTiming } from './step-timing.js';

export type VmStatus = 'created' | 'updated' | 'unchanged' | 'failed';

export interface VmOutcome {
  name: string;
  host: string;
  status: VmStatus;
  error?: string;
  seconds: number;
  /** Tenant the VM was rendered for. */
  tenant?: string;
  /** Bytes sent for this VM: its ISO, and the images it was first to need. */
  bytes?: number;
  /** The steps it went through, on the run's clock (step-timing.ts). */
  steps?: StepTiming[];
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
  /** The package member's length, when known: uploads of known length are resumable. */
  imageSize?: (step: ImageStep) => number | undefined;
  /** Stops new work: uploads in flight are cut (their partials kept), VMs not yet applied fail, what this run created for them is removed. */
  signal?: AbortSignal;
}

export interface HostOutcome {
  vms: VmOutcome[];
  /** Bytes actually sent (a resumed upload counts only what it sent). */
  bytesUploaded: number;
  /** Uploads that continued a partial an earlier, cut run left: how many bytes were not sent again. */
  resumed: Array<{ href: string; resumedAt: number }>;
}

const INTERRUPTED = 'interrupted (signal): not applied';

export async function executeHostPlan(plan: HostPlan, ctx: ExecuteContext): Promise<HostOutcome> {
  const out: HostOutcome = { vms: [], bytesUploaded: 0, resumed: [] };
  // Temporary files of uploads that died with an earlier run (older than 10 minutes, so a
  // concurrent run's upload is left alone). They never carry a store name.
  const storeDirs = [...new Set(plan.images.map((i) => i.storedPath.replace(/\/[^/]+$/, '')))];
  const cleanup = Promise.all(storeDirs.map((dir) => cleanupTemps(ctx.transport, dir).catch(() => undefined)));
  const shared = new Map<string, StepTiming[]>();
  const filterTimes: StepTiming[] = [];
  const filters = timed(filterTimes, 'filters', () => defineFilters(plan, ctx));
  const imageBytes = new Map<string, number>();
  const images = (async () => {
    const failed = new Map<string, string>();
    for (const img of plan.images) {
      // An image may have two steps (kept as uploaded for one deployment, converted for another): one lane entry, bytes summed.
      const times = shared.get(img.sha256) ?? [];
      shared.set(img.sha256, times);
      const before = out.bytesUploaded;
      const started = Date.now();
      const err = failed.get(img.sha256) ?? (await placeImage(img, ctx, out));
      imageBytes.set(img.sha256, (imageBytes.get(img.sha256) ?? 0) + out.bytesUploaded - before);
      if (img.upload || img.convert)
        times.push({ id: img.upload ? 'upload' : 'convert', start: new Date(started).toISOString(), seconds: (Date.now() - started) / 1000, ...(err ? { error: err } : {}) });
      if (err) failed.set(img.sha256, err);
    }
    return failed;
  })();
  const ready = Promise.all([filters, images]);
  // Per-host limit: VMs of one host are applied `perHost` at a time; each prepares while the images stream.
  const queue = new PQueue({ concurrency: ctx.perHost ?? 1 });
  await Promise.all(
    plan.vms.map((vm) =>
      queue.add(async () => {
        const started = Date.now();
        let message = vm.action === 'refuse' ? vm.reason : ctx.signal?.aborted && vm.action !== 'unchanged' ? INTERRUPTED : undefined;
        let status: VmStatus = 'failed';
        const own: StepTiming[] = [];
        const sent = { bytes: 0 };
        if (!message)
          try {
            status = await applyVm(vm, ctx, out, ready, own, sent);
          } catch (e) {
            message = (e as Error).message;
          }
        const o: VmOutcome = { name: vm.vm.name, host: ctx.host, status, seconds: (Date.now() - started) / 1000, tenant: vm.vm.tenant };
        if (status === 'failed') o.error = message ?? 'failed';
        o.steps = vmTimeline(vm, own, filterTimes, shared);
        o.bytes = sent.bytes + firstNeed(vm, plan, imageBytes);
        if (status === 'failed' && message && !o.steps.some((t) => t.error))
          o.steps.push({ id: vm.action === 'refuse' ? 'plan' : 'apply', start: new Date(started).toISOString(), seconds: (Date.now() - started) / 1000, error: message });
        out.vms.push(o);
        ctx.onVm?.(o);
      }),
    ),
  );
  await Promise.all([cleanup, ready]);
  out.vms.sort((a, b) => plan.vms.findIndex((v) => v.vm.name === a.name) - plan.vms.findIndex((v) => v.vm.name === b.name));
  return out;
}

/** The steps of one VM's lane: the shared ones it waited for (filters, its images), then its own, by start. */
function vmTimeline(vm: VmPlan, own: StepTiming[], filterTimes: StepTiming[], shared: Map<string, StepTiming[]>): StepTiming[] {
  const mine = [...own];
  if (vm.action !== 'unchanged' && vm.action !== 'refuse' && vm.vm.filterrefs.length > 0) mine.push(...filterTimes);
  for (const d of vm.disks) if (d.sha256) mine.push(...(shared.get(d.sha256) ?? []));
  return [...new Set(mine)].sort((a, b) => a.start.localeCompare(b.start));
}

/** Image bytes are counted on the first VM (in plan order) that uses the image. */
function firstNeed(vm: VmPlan, plan: HostPlan, imageBytes: Map<string, number>): number {
  let n = 0;
  for (const sha of new Set(vm.disks.map((d) => d.sha256).filter((x): x is string => Boolean(x)))) {
    const first = plan.vms.find((v) => v.disks.some((d) => d.sha256 === sha));
    if (first === vm) n += imageBytes.get(sha) ?? 0;
  }
  return n;
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
      { timeoutMs: STEP_TIMEOUT_MS.virsh + 10_000 * todo.length },
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
  // Bytes this upload has sent: a cut one counts them too (bytesUploaded is what went over the link).
  let last = 0;
  let counted = false;
  try {
    if (img.upload) {
      ctx.log?.(`${ctx.host}: uploading ${img.href} → ${img.convert ? img.basePath : img.storedPath}`);
      const size = ctx.imageSize?.(img);
      const r = await ctx.transport.put(await ctx.openImage(img), img.convert ? img.basePath : img.storedPath, {
        expectedSha256: img.sha256,
        ...(size !== undefined ? { resume: { size, reopen: () => ctx.openImage(img), probe: img.partial === true } } : {}),
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        // An ISO (CD-ROM) is attached raw and read-only; qemu-img has no format to check it as.
        ...(img.convert ? { convert: { from: img.sourceFormat ?? 'raw' } } : img.sourceFormat === 'iso' ? {} : { image: { format: img.sourceFormat ?? 'raw' } }),
        onProgress: (n) => {
          ctx.onBytes?.(n - last);
          last = n;
        },
      });
      out.bytesUploaded += r.bytes;
      counted = true;
      if (r.resumedAt !== undefined) {
        out.resumed.push({ href: img.href, resumedAt: r.resumedAt });
        ctx.log?.(`${ctx.host}: ${img.href}: resumed at ${r.resumedAt} bytes`);
      }
    } else if (img.convert) {
      if (ctx.signal?.aborted) throw new Error(INTERRUPTED);
      // The raw image is in the store already (an earlier ovfpipe kept it): checked, converted to a
      // temporary name unique to this run, then renamed, so a half-converted base never looks
      // complete and hosts sharing one store (NFS) never write the same temporary file.
      const steps = new StepRunner(ctx.transport, ctx.log);
      try {
        await steps.run('ovfpipe-convert', convertSteps(img, randomBytes(6).toString('hex')));
      } catch (e) {
        const incomplete = await steps.rollback();
        if (incomplete.length > 0) throw new Error(`${(e as Error).message}; rollback incomplete: ${incomplete.join('; ')}`);
        throw e;
      }
    }
    return undefined;
  } catch (e) {
    if (!counted) out.bytesUploaded += last;
    return (e as Error).message;
  }
}

/**
 * One VM. While the images stream: one batch makes its directory and reads the
 * digest of its OVF environment ISO, and the ISO is uploaded only if it
 * differs. Once its images and filters are in place: one round trip runs its
 * steps (steps.ts: overlays, define, and when asked start and autostart). On
 * failure one more round trip undoes what succeeded (StepRunner.rollback).
 */
async function applyVm(vm: VmPlan, ctx: ExecuteContext, out: HostOutcome, ready: Promise<[Map<string, string>, Map<string, string>]>, times: StepTiming[], sent: { bytes: number }): Promise<VmStatus> {
  if (vm.action === 'unchanged') {
    if (vm.start) {
      const remote = startSteps(vm, ctx.connectUri);
      await runTimed(times, remote, (onDurations) => new StepRunner(ctx.transport, ctx.log).run('ovfpipe-start', remote, onDurations));
    }
    return 'unchanged';
  }
  const steps = new StepRunner(ctx.transport, ctx.log);
  try {
    const env = vm.vm.ovfEnv;
    const vmDir = vmDirectory(vm);
    if (env)
      await timed(times, 'prepare', async () => {
        const iso = buildIso(env.xml);
        iso.catch(() => undefined); // settled here, awaited (and reported) below
        const [mkdir, remote] = await execBatch(ctx.transport, [{ argv: ['mkdir', '-p', '--', vmDir], stderr: 'merge' }, { argv: ['sha256sum', '--', env.isoPath] }], { timeoutMs: 60_000 });
        if (mkdir!.code !== 0) throw new Error(`creating ${vmDir}: ${mkdir!.output.trim()}`);
        const { bytes, sha } = await iso;
        if (!(remote!.code === 0 && remote!.output.startsWith(sha))) {
          // Through the host's worker (one exec with stdin), not a session of its own.
          const r = await putBytes(ctx.transport, bytes, env.isoPath, { expectedSha256: sha });
          out.bytesUploaded += r.bytes;
          sent.bytes += r.bytes;
          steps.record(isoUploadStep(env.isoPath));
        }
      });
    const [failedFilters, failedImages] = await ready;
    const blocked = blockingFailure(vm, failedFilters, failedImages);
    if (blocked) throw new Error(blocked);
    // The last point where an interrupt stops this VM: its apply is one round trip, left to finish.
    if (ctx.signal?.aborted) throw new Error(INTERRUPTED);
    const remote = vmApplySteps(vm, ctx.connectUri);
    await runTimed(times, remote, (onDurations) => steps.run('ovfpipe-apply', remote, onDurations));
    return vm.action === 'create' ? 'created' : 'updated';
  } catch (e) {
    const rolledBack = Date.now();
    const incomplete = await steps.rollback();
    times.push({ id: 'rollback', start: new Date(rolledBack).toISOString(), seconds: (Date.now() - rolledBack) / 1000, ...(incomplete.length > 0 ? { error: incomplete.join('; ') } : {}) });
    if (incomplete.length > 0) throw new Error(`${(e as Error).message}; rollback incomplete: ${incomplete.join('; ')}`);
    throw e;
  }
}

/**
 * One round trip of remote steps, on the timeline as one bar per kind of
 * step (overlays, define, start), each as long as the host measured it,
 * laid end to end from the round trip's start. Without the host's
 * durations, one bar named after the steps.
 */
async function runTimed(times: StepTiming[], remote: readonly RemoteStep[], run: (onDurations: (d: StepDuration[]) => void) => Promise<unknown>): Promise<void> {
  let durations: StepDuration[] = [];
  const own: StepTiming[] = [];
  try {
    await timed(own, roundTripLabel(remote.map((r) => r.id)), () => run((d) => (durations = d)));
  } finally {
    const trip = own[0]!;
    const kinds: StepTiming[] = [];
    let at = Date.parse(trip.start);
    for (const d of durations) {
      const kind = roundTripLabel([d.id]);
      if (kind === 'apply') continue; // bookkeeping (the VM directory, autostart): no bar of its own
      const last = kinds.at(-1);
      if (last?.id === kind) last.seconds += d.seconds;
      else kinds.push({ id: kind, start: new Date(at).toISOString(), seconds: d.seconds });
      if (d.failed && trip.error) kinds.at(-1)!.error = trip.error;
      at += d.seconds * 1000;
    }
    // A failure no finished step accounts for (a step killed mid-way, a lost connection): the rest of the trip.
    if (trip.error && !kinds.some((k) => k.error)) {
      const end = Date.parse(trip.start) + trip.seconds * 1000;
      const next = remote[durations.length];
      kinds.push({ id: next ? roundTripLabel([next.id]) : trip.id, start: new Date(at).toISOString(), seconds: Math.max(0, (end - at) / 1000), error: trip.error });
    }
    times.push(...(kinds.length > 0 ? kinds : [trip]));
  }
}

/** Builds the OVF environment ISO locally (reproducible bytes, so an unchanged ISO is not sent again). */
async function buildIso(xml: string): Promise<{ bytes: Buffer; sha: string }> {
  // The same in-process builder as render (no ISO tool needed on this machine or the host).
  const bytes = ovfEnvIso(xml, { sourceDateEpoch: 0 });
  return { bytes, sha: createHash('sha256').update(bytes).digest('hex') };
}
