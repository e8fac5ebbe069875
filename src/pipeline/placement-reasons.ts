/**
 * Why each VM went where it did, for the run report (docs/run-report.md):
 * the placement stage's inputs (a named host, a host group, a profile
 * catalog) read back per VM. Pure.
 */
import type { PlacementEntry } from '../deploy/report-security.js';
import type { StageContext } from './stages.js';

export function placementEntries(ctx: Pick<StageContext, 'renders' | 'placement' | 'hosts' | 'catalog'>): PlacementEntry[] {
  return ctx.renders.flatMap((r) =>
    r.result.domains.flatMap((d) => {
      const host = ctx.placement?.byVm.get(d.name);
      if (!host) return [];
      const named = r.hints.vmHints[d.virtualSystem]?.host ?? r.hints.host;
      const group = r.hints.vmHints[d.virtualSystem]?.group ?? r.hints.group;
      const profiled = ctx.catalog !== undefined && d.nics.some((n) => n.virtualport !== undefined);
      const reason = named
        ? `named host ${named}`
        : group
          ? `host group ${group}`
          : profiled
            ? 'least loaded host of a group whose catalog entry offers its port profiles'
            : 'least loaded host with room';
      return [{ vm: d.name, tenant: d.tenant, host: ctx.hosts.get(host)?.address ?? host, reason }];
    }),
  );
}
