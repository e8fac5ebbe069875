/**
 * Runs a HostPlan over one Transport (PRODUCT.md §7 steps 2–5): filters in
 * definition order, images uploaded once (streamed out of the package,
 * verified, converted into the store), then per VM its overlays, OVF
 * environment ISO, definition and start. A VM that fails has what this run
 * created for it removed; nothing else is touched.
 *
 * Round trips cost (docs/deploy-benchmark.md), so what does not depend on the
 * images runs while they stream: the cleanup of stale temporaries, all filter
 * definitions (one batch), and every VM's directory and ISO (one batch).
 * After the images, all VMs together take a constant number of round trips
 * (apply-vms.ts: overlays, one virsh process for every definition, start),
 * whatever their number.
 */
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { applyVms, INTERRUPTED } from './apply-vms.js';
import type { HostPlan, ImageStep } from './plan.js';
import { cleanupTemps } from './ssh/put.js';
import { defineSessionStep, parseDefineSession } from './step-batch.js';
import { runSteps, stepFailureMessage, StepRunner } from './step-runner.js';
import { convertSteps } from './steps.js';
import type { Transport } from './transport.js';
import { timed, type StepTiming } from './step-timing.js';

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

export async function executeHostPlan(plan: HostPlan, ctx: ExecuteContext): Promise<HostOutcome> {
  const out: HostOutcome = { vms: [], bytesUploaded: 0, resumed: [] };
  // Temporary files of uploads that died with an earlier run (older than 10 minutes, so a
  // concurrent run's upload is left alone). They never carry a store name. Only when this run
  // writes into the store (an upload or a conversion): a run that changes nothing there costs no round trip for it.
  const storeDirs = [...new Set(plan.images.filter((i) => i.upload || i.convert).map((i) => i.storedPath.replace(/\/[^/]+$/, '')))];
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
  await applyVms(plan, ctx, out, ready, { filterTimes, shared, imageBytes });
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
  // Every definition in one virsh process, in plan order (referenced filters first); each filter's result in its own frame.
  const boundary = `ovfpipe-${randomBytes(16).toString('hex')}`;
  const names = todo.map((f) => f.filter.name);
  const step = defineSessionStep(
    ctx.connectUri,
    todo.map((f) => ({ name: f.filter.name, xml: f.filter.xml })),
    boundary,
    'filter',
  );
  try {
    const [r] = await runSteps(ctx.transport, [step], { name: 'ovfpipe-filters', stopOnFailure: true });
    const results = parseDefineSession(r?.output ?? '', boundary, names, 'filter');
    todo.forEach((f, i) => {
      const x = results[i]!;
      if (x.code !== 0) failed.set(f.filter.name, (x.interrupted && r && r.code !== 0 ? stepFailureMessage(step, r) : x.output) || `virsh nwfilter-define exited ${x.code}`);
      else ctx.log?.(`${ctx.host}: filter ${f.filter.name} ${f.action === 'define' ? 'defined' : 'updated'}`);
    });
  } catch (e) {
    for (const f of todo) failed.set(f.filter.name, (e as Error).message);
  }
  return failed;
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
      if (r.installedByOther) ctx.log?.(`${ctx.host}: ${img.href}: installed meanwhile by another upload to the same storage (nothing sent)`);
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
