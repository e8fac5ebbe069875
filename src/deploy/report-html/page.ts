/**
 * The HTML run report (PRODUCT.md §11 "Pictures"): one self-contained file,
 * inline CSS, script and SVG, nothing fetched. Sections: summary, timeline
 * per host, VM table (sortable, filterable), placement, security per tenant
 * (the filter graph laid out by Graphviz, and each NIC's parameters and port
 * profile), drift (from an audit). A pure function of its inputs; every
 * string from a report is escaped (esc) or laid out by Graphviz, which
 * escapes its SVG text itself.
 */
import type { AuditResult, HostAudit } from '../audit/model.js';
import type { RunReport } from '../report.js';
import type { TenantSecurity } from '../report-security.js';
import { CSS, SCRIPT } from './assets.js';
import { esc } from './escape.js';
import { timelineHtml } from './timeline.js';

export interface HtmlReportInput {
  report: RunReport;
  audit?: AuditResult;
  /** Tenant → the SVG of its filter graph. */
  graphs: Map<string, string>;
  /** Where the report came from (file names), for the summary. */
  sources?: string[];
  /** The ovfpipe that wrote the page. */
  generator: string;
}

function counts(values: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}

function summary(i: HtmlReportInput): string {
  const r = i.report;
  const c = counts(r.vms.map((v) => v.status));
  const countHtml = [...c.entries()].map(([k, n]) => `<span class="count status-${esc(k)}" data-status="${esc(k)}"><b>${n}</b> ${esc(k)}</span>`).join('') || 'none';
  const rows: Array<[string, string]> = [
    ['pipeline', esc(r.pipeline ?? '—')],
    ['shard(s)', esc(r.shards?.join(', ') ?? r.shard ?? 'all hosts')],
    ['VMs', `<span id="vm-count">${r.vms.length}</span> <span class="counts">${countHtml}</span>`],
    ['hosts', `${r.hosts.length} (${r.hosts.filter((h) => h.status === 'failed').length} failed)`],
    ['bytes sent', `<span id="bytes-sent">${r.bytesUploaded}</span> (${(r.bytesUploaded / 1048576).toFixed(1)} MiB)`],
    ['wall time', r.seconds !== undefined ? `${r.seconds.toFixed(1)} s` : '—'],
    ['started', esc(r.startedAt ?? '—')],
    ['ovfpipe', esc(r.version ?? '—')],
  ];
  if (i.sources?.length) rows.push(['from', esc(i.sources.join(', '))]);
  return `<dl class="summary">${rows.map(([k, v]) => `<dt>${k}</dt><dd data-field="${k}">${v}</dd>`).join('')}</dl>`;
}

function vmTable(r: RunReport): string {
  const cols: Array<[string, boolean]> = [
    ['name', false],
    ['tenant', false],
    ['host', false],
    ['status', false],
    ['seconds', true],
    ['bytes', true],
    ['error', false],
  ];
  const head = cols.map(([c, num]) => `<th${num ? ' class="num"' : ''} data-col="${c}"><button type="button">${c}</button></th>`).join('');
  const rows = r.vms.map(
    (v) =>
      `<tr data-vm="${esc(v.name)}" data-status="${esc(v.status)}"><td>${esc(v.name)}</td><td>${esc(v.tenant ?? '')}</td><td>${esc(v.host)}</td><td class="status status-${esc(v.status)}">${esc(v.status)}</td><td class="num" data-v="${v.seconds}">${v.seconds.toFixed(2)}</td><td class="num" data-v="${v.bytes ?? 0}">${v.bytes ?? ''}</td><td>${esc(v.error ?? '')}</td></tr>`,
  );
  return `<p class="filterbar"><input id="vm-filter" type="search" placeholder="filter VMs (name, tenant, host, status, error)" aria-label="filter VMs" hidden> <span class="muted"><span id="vm-shown">${r.vms.length}</span> shown</span></p><table id="vm-table"><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function placement(r: RunReport): string {
  if (!r.placement?.length) return `<p class="muted">The report carries no placement (a single-package deploy places round-robin).</p>` + placementFromVms(r);
  return `<table id="placement"><thead><tr><th>VM</th><th>tenant</th><th>host</th><th>why</th></tr></thead><tbody>${r.placement.map((p) => `<tr><td>${esc(p.vm)}</td><td>${esc(p.tenant ?? '')}</td><td>${esc(p.host)}</td><td>${esc(p.reason ?? '')}</td></tr>`).join('')}</tbody></table>`;
}

function placementFromVms(r: RunReport): string {
  return `<ul>${r.hosts
    .map(
      (h) =>
        `<li>${esc(h.host)}: ${r.vms
          .filter((v) => v.host === h.host)
          .map((v) => esc(v.name))
          .join(', ')}</li>`,
    )
    .join('')}</ul>`;
}

function securitySection(t: TenantSecurity, svg: string | undefined): string {
  const nics = t.nics
    .map((n) => {
      const p = n.profile;
      const profile = p
        ? `${esc(p.mode)} ${esc(p.source)}${p.sourceMode ? ` (${esc(p.sourceMode)})` : ''}${p.virtualport ? `; virtualport ${esc(p.virtualport)}` : ''}${p.vlan ? `; vlan ${esc(p.vlan)}` : ''}`
        : '';
      return `<tr><td>${esc(n.vm)}</td><td>${esc(n.nic)}</td><td>${esc(n.network ?? '')}</td><td>${esc(n.mac ?? '')}</td><td>${esc(n.filter ?? '— (unfiltered)')}</td><td>${n.parameters.map((x) => `${esc(x.name)}=${esc(x.value)}`).join('<br>')}</td><td>${profile}</td></tr>`;
    })
    .join('');
  return `<div class="tenant-security" data-tenant="${esc(t.tenant)}" data-filters="${t.filters.length}" data-filterrefs="${t.filters.reduce((n, f) => n + f.references.length, 0)}"><h3>tenant ${esc(t.tenant)}</h3><div class="graph">${svg ?? ''}</div><table class="nics"><thead><tr><th>VM</th><th>NIC</th><th>network</th><th>MAC</th><th>filter</th><th>parameters</th><th>port profile</th></tr></thead><tbody>${nics}</tbody></table></div>`;
}

/** The local stages of a pipeline run (lint, verify, render): one row per package or VM, with its diagnostics. */
function checksTable(r: RunReport): string {
  const rows = (r.checks ?? []).map((c) => {
    const diags = c.diagnostics
      .map((d) => `<li class="sev-${esc(d.severity)}">${esc(d.severity)}: ${esc(d.message)} <span class="muted">[${esc(d.ruleId)}]${d.file ? ` ${esc(d.file)}:${d.line}:${d.column}` : ''}</span></li>`)
      .join('');
    return `<tr data-check="${esc(`${c.stage}:${c.name}`)}" data-status="${esc(c.status)}"><td>${esc(c.stage)}</td><td>${esc(c.kind)} ${esc(c.name)}</td><td class="status status-${esc(c.status)}">${esc(c.status)}</td><td>${diags ? `<ul>${diags}</ul>` : ''}</td></tr>`;
  });
  return `<table id="checks"><thead><tr><th>stage</th><th>subject</th><th>status</th><th>diagnostics</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function driftRows(hosts: readonly HostAudit[], after: readonly HostAudit[] | undefined, audit: AuditResult): string {
  return hosts
    .flatMap((h) =>
      h.vms.map((v) => {
        const now = after?.find((x) => x.host === h.host)?.vms.find((x) => x.name === v.name);
        const repaired = audit.repairs ? (now?.status === 'clean' && v.status !== 'clean' ? 'yes' : v.status === 'clean' ? '—' : 'no') : 'not asked';
        const what = v.findings.map((f) => `<li><b>${esc(f.class)}</b>${f.filter ? ` ${esc(f.filter)}` : ''}${f.interface ? ` (${esc(f.interface)})` : ''}: ${esc(f.detail)}</li>`).join('');
        return `<tr data-vm="${esc(v.name)}" data-status="${esc(v.status)}"><td>${esc(h.host)}</td><td>${esc(v.name)}</td><td>${esc(v.tenant)}</td><td class="status status-${esc(v.status)}">${esc(v.status)}</td><td>${what ? `<ul>${what}</ul>` : ''}</td><td>${repaired}</td></tr>`;
      }),
    )
    .join('');
}

function drift(a: AuditResult): string {
  const before = a.before ?? a.hosts;
  const unreachable = before
    .filter((h) => h.status === 'unreachable')
    .map((h) => `<p class="status-failed">${esc(h.host)} unreachable: ${esc(h.error ?? '')}</p>`)
    .join('');
  return `${unreachable}<table id="drift"><thead><tr><th>host</th><th>VM</th><th>tenant</th><th>status</th><th>what drifted</th><th>repaired</th></tr></thead><tbody>${driftRows(before, a.before ? a.hosts : undefined, a)}</tbody></table>`;
}

export function renderReportHtml(i: HtmlReportInput): string {
  const r = i.report;
  const title = `ovfpipe run report${r.pipeline ? ` — ${r.pipeline}` : ''}`;
  const sections: Array<[string, string, string]> = [
    ['summary', 'Summary', summary(i)],
    ...(r.checks?.length ? [['checks', 'Checks', checksTable(r)] as [string, string, string]] : []),
    ['timeline', 'Timeline per host', timelineHtml(r)],
    ['vms', 'VMs', vmTable(r)],
    ['placement', 'Placement', placement(r)],
    ['security', 'Security per tenant', r.security?.length ? r.security.map((t) => securitySection(t, i.graphs.get(t.tenant))).join('') : '<p class="muted">The report carries no security data.</p>'],
  ];
  if (i.audit) sections.push(['drift', 'Drift', drift(i.audit)]);
  const nav = sections.map(([id, h]) => `<a href="#${id}">${h}</a>`).join('');
  const body = sections.map(([id, h, html]) => `<section id="${id}"><h2>${h}</h2>${html}</section>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="${esc(i.generator)}">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body><header><h1>${esc(title)}</h1><nav>${nav}</nav></header><main>
${body}
</main><script>${SCRIPT}</script></body></html>
`;
}
