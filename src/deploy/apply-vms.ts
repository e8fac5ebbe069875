/**
 * The VMs of one host, applied in a constant number of round trips whatever
 * their count (issue 19; docs/remote-steps.md "Round trips"):
 *
 *   1. `ovfpipe-prepare`, while the images stream: every VM's directory and
 *      OVF environment ISO (built here, sent gzip-compressed as an argv word).
 *   2. `ovfpipe-prepare`, once images and filters are in place: every VM's
 *      overlays (`qemu-img create -b`).
 *   3. `ovfpipe-apply`: every definition in one virsh process.
 *   4. `ovfpipe-apply`, with `--start`: start and autostart.
 *
 * 1, 2 and 4 run one sequence of steps per VM, `perHost` at once and never
 * more than the host's cores (step-batch.ts). A batch too long for one
 * command line is split into several. Each VM's results come back under its
 * own step ids, so a VM that fails is known and named exactly as with one
 * round trip per VM, it alone stops there, and one `ovfpipe-rollback` per
 * failed VM undoes what succeeded for it (StepRunner), as before.
 */
import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import PQueue from 'p-queue';
import { ovfEnvIso } from '../render/ovf-env.js';
import { splitBySize } from './batch.js';
import type { ExecuteContext, HostOutcome, VmOutcome, VmStatus } from './executor.js';
import type { HostPlan, VmPlan } from './plan.js';
import { defineSessionStep, groupSize, groupsStep, parseDefineSession, parseGroups } from './step-batch.js';
import { runSteps, stepFailureMessage, StepRunner, type StepDuration } from './step-runner.js';
import { roundTripLabel, type StepTiming } from './step-timing.js';
import { defineStep, ISO_KEPT, overlaySteps, startSteps, vmSetupSteps, type IsoPayload, type RemoteStep } from './steps.js';

/** A VM (or image) not applied because the run was interrupted. */
export const INTERRUPTED = 'interrupted (signal): not applied';
/** Below the step runner's bound on one command line (96 KiB): a bigger batch is split. */
const MAX_BATCH_CHARS = 80 * 1024;

interface VmWork {
  vm: VmPlan;
  runner: StepRunner;
  times: StepTiming[];
  sentBytes: number;
  error?: string;
  iso?: IsoPayload;
}

/** What the VMs share with the rest of the host's run: the filter batch and image timings, the bytes each image cost. */
export interface SharedTimes {
  filterTimes: StepTiming[];
  shared: Map<string, StepTiming[]>;
  imageBytes: Map<string, number>;
}

export async function applyVms(plan: HostPlan, ctx: ExecuteContext, out: HostOutcome, ready: Promise<[Map<string, string>, Map<string, string>]>, times: SharedTimes): Promise<void> {
  const started = Date.now();
  const work: VmWork[] = plan.vms.map((vm) => ({ vm, runner: new StepRunner(ctx.transport, ctx.log), times: [], sentBytes: 0 }));
  for (const w of work) {
    if (w.vm.action === 'refuse') w.error = w.vm.reason ?? 'refused';
    else if (ctx.signal?.aborted && w.vm.action !== 'unchanged') w.error = INTERRUPTED;
  }
  const applying = () => work.filter((w) => w.error === undefined && (w.vm.action === 'create' || w.vm.action === 'update'));
  for (const w of applying()) {
    if (!w.vm.vm.ovfEnv) continue;
    w.iso = isoPayload(w.vm.vm.ovfEnv.xml);
    w.sentBytes += w.iso.gzipBase64.length;
    out.bytesUploaded += w.iso.gzipBase64.length;
  }
  const setup = runGroups(ctx, 'ovfpipe-prepare', applying(), (w) => vmSetupSteps(w.vm, w.iso), 'prepare');
  const [[failedFilters, failedImages]] = await Promise.all([ready, setup]);
  for (const w of applying()) w.error = blockingFailure(w.vm, failedFilters, failedImages);
  if (ctx.signal?.aborted) for (const w of applying()) w.error = INTERRUPTED;
  await runGroups(ctx, 'ovfpipe-prepare', applying(), (w) => overlaySteps(w.vm));
  // The last point where an interrupt stops a VM: the definitions are one round trip, left to finish.
  if (ctx.signal?.aborted) for (const w of applying()) w.error = INTERRUPTED;
  await defineAll(ctx, applying());
  const starting = work.filter((w) => w.error === undefined && w.vm.start && w.vm.action !== 'refuse');
  await runGroups(ctx, 'ovfpipe-apply', starting, (w) => startSteps(w.vm, ctx.connectUri));
  const rollbacks = new PQueue({ concurrency: ctx.perHost ?? 1 });
  await Promise.all(work.filter((w) => w.error !== undefined && w.vm.action !== 'refuse').map((w) => rollbacks.add(() => rollback(w))));
  for (const w of work) {
    const status: VmStatus = w.error !== undefined ? 'failed' : w.vm.action === 'create' ? 'created' : w.vm.action === 'update' ? 'updated' : 'unchanged';
    const o: VmOutcome = { name: w.vm.vm.name, host: ctx.host, status, seconds: (Date.now() - started) / 1000, tenant: w.vm.vm.tenant };
    if (w.error !== undefined) o.error = w.error;
    o.steps = vmTimeline(w.vm, w.times, times.filterTimes, times.shared);
    o.bytes = w.sentBytes + firstNeed(w.vm, plan, times.imageBytes);
    if (w.error !== undefined && !o.steps.some((t) => t.error))
      o.steps.push({ id: w.vm.action === 'refuse' ? 'plan' : 'apply', start: new Date(started).toISOString(), seconds: (Date.now() - started) / 1000, error: w.error });
    out.vms.push(o);
    ctx.onVm?.(o);
  }
}

/** The OVF environment ISO as deploy sends it: built here (reproducible bytes), its digest, gzip (level 6: 12 bytes more than 9 for a fifth of the CPU) then base64. */
export function isoPayload(xml: string): IsoPayload {
  const bytes = ovfEnvIso(xml, { sourceDateEpoch: 0 });
  return { sha256: createHash('sha256').update(bytes).digest('hex'), gzipBase64: gzipSync(bytes, { level: 6 }).toString('base64') };
}

async function rollback(w: VmWork): Promise<void> {
  const at = Date.now();
  const incomplete = await w.runner.rollback();
  w.times.push({ id: 'rollback', start: new Date(at).toISOString(), seconds: (Date.now() - at) / 1000, ...(incomplete.length > 0 ? { error: incomplete.join('; ') } : {}) });
  if (incomplete.length > 0) w.error = `${w.error}; rollback incomplete: ${incomplete.join('; ')}`;
}

/**
 * One sequence of steps per VM, in as few round trips as the command line
 * allows. A VM whose sequence fails gets the failing step's message; the
 * steps that succeeded (and a failed one that owns what it half did) are
 * recorded for its rollback. An ISO the host already held is not recorded:
 * this run did not write it.
 */
async function runGroups(ctx: ExecuteContext, name: string, works: VmWork[], stepsOf: (w: VmWork) => RemoteStep[], bar?: string): Promise<void> {
  const items = works.map((w) => ({ w, steps: stepsOf(w) })).filter((x) => x.steps.length > 0);
  for (const chunk of splitBySize(items, (x) => groupSize(x.steps), MAX_BATCH_CHARS)) {
    const boundary = `ovfpipe-${randomBytes(16).toString('hex')}`;
    const groups = chunk.map((x) => x.steps);
    const step = groupsStep({ id: name.replace(/^ovfpipe-/, ''), groups, parallel: ctx.perHost ?? 1, boundary });
    const t0 = Date.now();
    const trip = await runTrip(ctx, name, step);
    const parsed = parseGroups(trip.output, boundary, groups);
    chunk.forEach((x, j) => {
      const g = parsed[j]!;
      g.results.forEach((r, i) => {
        const s = x.steps[i]!;
        if ((r.code === 0 && !(s.id === 'iso' && r.output.includes(ISO_KEPT))) || (r.code !== 0 && s.undoOnFailure)) x.w.runner.record(s);
      });
      const failed = g.results.findIndex((r) => r.code !== 0);
      const error = failed >= 0 ? stepFailureMessage(x.steps[failed]!, g.results[failed]!) : g.results.length < x.steps.length ? (trip.error ?? 'the batch ended early') : undefined;
      if (error !== undefined) x.w.error ??= error;
      x.w.times.push(...(bar ? [oneBar(bar, t0, g.durations, error)] : bars(t0, Date.now(), x.steps, g.durations, error)));
    });
  }
}

/** Every definition in one virsh process; each VM's result under its own `define` step (its undo, its message). */
async function defineAll(ctx: ExecuteContext, works: VmWork[]): Promise<void> {
  if (works.length === 0) return;
  const boundary = `ovfpipe-${randomBytes(16).toString('hex')}`;
  const step = defineSessionStep(
    ctx.connectUri,
    works.map((w) => ({ name: w.vm.vm.name, xml: w.vm.vm.xml })),
    boundary,
  );
  const t0 = Date.now();
  const trip = await runTrip(ctx, 'ovfpipe-apply', step);
  const results = parseDefineSession(
    trip.output,
    boundary,
    works.map((w) => w.vm.vm.name),
  );
  const seconds = (Date.now() - t0) / 1000;
  works.forEach((w, i) => {
    const def = defineStep(w.vm, ctx.connectUri);
    const r = results[i]!;
    if (r.code === 0) w.runner.record(def);
    else w.error ??= stepFailureMessage(def, r.interrupted && trip.error ? { ...r, output: trip.error } : r);
    w.times.push({ id: 'define', start: new Date(t0).toISOString(), seconds, ...(r.code !== 0 ? { error: w.error } : {}) });
  });
}

/** One round trip of one batch step: its output, and why it failed as a whole (lost connection, the script itself). */
async function runTrip(ctx: ExecuteContext, name: string, step: RemoteStep): Promise<{ output: string; error?: string }> {
  try {
    const [r] = await runSteps(ctx.transport, [step], { name, stopOnFailure: true });
    if (!r) return { output: '', error: `${step.label ?? step.id}: no result` };
    return r.code === 0 ? { output: r.output } : { output: r.output, error: stepFailureMessage(step, r) };
  } catch (e) {
    return { output: '', error: (e as Error).message };
  }
}

/** One bar for a VM's part of a batch: as long as its steps ran on the host. */
function oneBar(id: string, t0: number, durations: StepDuration[], error?: string): StepTiming {
  return { id, start: new Date(t0).toISOString(), seconds: durations.reduce((n, d) => n + d.seconds, 0), ...(error !== undefined ? { error } : {}) };
}

/**
 * A VM's sequence on the timeline as one bar per kind of step (overlays,
 * start), each as long as the host measured it, laid end to end from the
 * round trip's start; a failure no finished step accounts for is the rest
 * of the trip.
 */
function bars(t0: number, t1: number, steps: readonly RemoteStep[], durations: StepDuration[], error?: string): StepTiming[] {
  const kinds: StepTiming[] = [];
  let at = t0;
  for (const d of durations) {
    const kind = roundTripLabel([d.id]);
    if (kind === 'apply') continue; // bookkeeping (the VM directory, autostart): no bar of its own
    const last = kinds.at(-1);
    if (last?.id === kind) last.seconds += d.seconds;
    else kinds.push({ id: kind, start: new Date(at).toISOString(), seconds: d.seconds });
    if (d.failed && error !== undefined) kinds.at(-1)!.error = error;
    at += d.seconds * 1000;
  }
  if (error !== undefined && !kinds.some((k) => k.error)) {
    const next = steps[durations.length];
    kinds.push({ id: next ? roundTripLabel([next.id]) : roundTripLabel(steps.map((s) => s.id)), start: new Date(at).toISOString(), seconds: Math.max(0, (t1 - at) / 1000), error });
  }
  return kinds.length > 0 ? kinds : [{ id: roundTripLabel(steps.map((s) => s.id)), start: new Date(t0).toISOString(), seconds: (t1 - t0) / 1000 }];
}

function blockingFailure(vm: VmPlan, filters: Map<string, string>, images: Map<string, string>): string | undefined {
  for (const f of vm.vm.filterrefs) if (filters.has(f)) return `filter ${f}: ${filters.get(f)}`;
  for (const d of vm.disks) if (d.sha256 && images.has(d.sha256)) return `image ${d.href}: ${images.get(d.sha256)}`;
  return undefined;
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
