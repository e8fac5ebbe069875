/**
 * The timeline of a run: one block per host, one lane per VM, its steps as
 * bars on one time axis shared by every host (and every shard of a merged
 * report). Plain HTML positioned by percentages: readable without script.
 */
import type { VmOutcome } from '../executor.js';
import type { RunReport } from '../report.js';
import { esc } from './escape.js';

const KNOWN_BARS = new Set(['rollback', 'preflight', 'upload', 'convert', 'filters', 'prepare', 'define', 'overlays', 'start']);

function span(r: RunReport): { t0: number; t1: number } {
  let t0 = Infinity;
  let t1 = -Infinity;
  for (const v of r.vms)
    for (const s of v.steps ?? []) {
      const a = Date.parse(s.start);
      t0 = Math.min(t0, a);
      t1 = Math.max(t1, a + s.seconds * 1000);
    }
  if (r.startedAt) t0 = Math.min(t0, Date.parse(r.startedAt));
  if (r.startedAt && r.seconds !== undefined) t1 = Math.max(t1, Date.parse(r.startedAt) + r.seconds * 1000);
  if (!Number.isFinite(t0) || !Number.isFinite(t1) || t1 <= t0) return { t0: Number.isFinite(t0) ? t0 : 0, t1: (Number.isFinite(t0) ? t0 : 0) + 1000 };
  return { t0, t1 };
}

function barClass(id: string): string {
  const first = id.split('+')[0]!;
  return KNOWN_BARS.has(first) ? `bar-${first}` : 'bar-other';
}

/** Steps that overlap in time (filters run while images stream) go on rows of their own: greedy interval packing. */
function rows(steps: ReadonlyArray<{ start: string; seconds: number }>): number[] {
  const ends: number[] = [];
  return steps.map((s) => {
    const a = Date.parse(s.start);
    // ISO times keep milliseconds: steps laid end to end may touch within a few of them.
    let row = ends.findIndex((e) => e <= a + 5);
    if (row < 0) row = ends.push(0) - 1;
    ends[row] = a + s.seconds * 1000;
    return row;
  });
}

function lane(v: VmOutcome, t0: number, total: number): string {
  const steps = v.steps ?? [];
  const rowOf = rows(steps);
  const height = 16 * Math.max(1, ...rowOf.map((r) => r + 1)) + 2;
  const bars = steps
    .map((s, i) => {
      const left = ((Date.parse(s.start) - t0) / total) * 100;
      const width = Math.max((s.seconds * 1000 * 100) / total, 0.3);
      const title = `${s.id}: ${s.seconds.toFixed(2)} s${s.error ? ` — FAILED: ${s.error}` : ''}`;
      return `<div class="bar ${barClass(s.id)}${s.error ? ' failed' : ''}" data-step="${esc(s.id)}" style="left:${left.toFixed(3)}%;width:${width.toFixed(3)}%;top:${2 + 16 * rowOf[i]!}px" title="${esc(title)}">${esc(s.id)}</div>`;
    })
    .join('');
  const failed = v.status === 'failed';
  const error = failed ? `<div class="lane-error" role="note">✗ ${esc(v.error ?? 'failed')}</div>` : '';
  return `<div class="lane${failed ? ' failed' : ''}" data-vm="${esc(v.name)}" data-status="${esc(v.status)}"><div class="lane-name" title="${esc(v.name)}">${failed ? '✗ ' : ''}${esc(v.name)} <span class="status status-${esc(v.status)}">${esc(v.status)}</span></div><div class="track" style="height:${height}px">${bars}</div>${error}</div>`;
}

export function timelineHtml(r: RunReport): string {
  const { t0, t1 } = span(r);
  const total = t1 - t0;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => `<span style="left:${f * 100}%">${((total * f) / 1000).toFixed(1)} s</span>`).join('');
  const axis = `<div class="axis"><div></div><div class="ticks">${ticks}</div></div>`;
  const legend = `<p class="legend">${['preflight', 'upload', 'convert', 'filters', 'prepare', 'define', 'rollback'].map((k) => `<span><i class="bar-${k}"></i>${k}</span>`).join('')}<span><i style="background:var(--failed)"></i>failed</span> <span class="muted">(verify and convert run in the upload's pass when the image is streamed)</span></p>`;
  const hosts = r.hosts.map((h) => {
    const vms = r.vms.filter((v) => v.host === h.host);
    return `<div class="host-timeline" data-host="${esc(h.host)}"><h3>${esc(h.host)} <span class="status status-${esc(h.status)}">${esc(h.status)}</span>${h.error ? ` <span class="status-failed">${esc(h.error)}</span>` : ''}</h3>${axis}<div class="lanes">${vms.map((v) => lane(v, t0, total)).join('')}</div></div>`;
  });
  return `${legend}${hosts.join('')}`;
}
