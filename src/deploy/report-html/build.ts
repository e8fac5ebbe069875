/**
 * Builds the HTML report from run reports (several are merged, as `report
 * merge` merges shards) and an optional audit: each tenant's filter graph is
 * laid out by Graphviz (netsec/graph-svg.ts), then the page is written by the
 * pure renderReportHtml.
 */
import type { AuditResult } from '../audit/model.js';
import { mergeReports, type RunReport } from '../report.js';
import type { TenantSecurity } from '../report-security.js';
import { toDot, type FilterGraph } from '../../netsec/graph.js';
import { dotToSvg } from '../../netsec/graph-svg.js';
import { VERSION } from '../../version.js';
import { renderReportHtml } from './page.js';

export function tenantGraph(t: TenantSecurity): FilterGraph {
  return {
    title: `tenant ${t.tenant}`,
    filters: t.filters,
    nics: t.nics.map((n) => ({
      vm: n.vm,
      nic: n.nic,
      network: n.network,
      filter: n.filter,
      parameters: n.parameters,
      profile: n.profile
        ? `${n.profile.mode} ${n.profile.source}${n.profile.virtualport ? ` ${n.profile.virtualport.split(' ')[0]}` : ''}${n.profile.vlan ? ` vlan ${n.profile.vlan}` : ''}`
        : undefined,
    })),
  };
}

export async function buildHtmlReport(reports: readonly RunReport[], opts: { audit?: AuditResult; sources?: string[] } = {}): Promise<string> {
  const report = reports.length === 1 ? reports[0]! : mergeReports(reports);
  const graphs = new Map<string, string>();
  for (const t of report.security ?? []) graphs.set(t.tenant, await dotToSvg(toDot(tenantGraph(t))));
  return renderReportHtml({ report, audit: opts.audit, graphs, sources: opts.sources, generator: `ovfpipe ${VERSION}` });
}
