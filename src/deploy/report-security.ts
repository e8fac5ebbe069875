/**
 * What a run report carries about network security and placement, for the
 * HTML report (docs/run-report.md): per tenant, the filters rendered for it
 * with the filters each references (built-ins included, marked), and per
 * NIC its filter with the resolved parameters and its port profile. Pure.
 */
import type { RenderResult } from '../render/render-package.js';

export interface ReportFilter {
  name: string;
  references: string[];
  builtin: boolean;
}

export interface ReportNic {
  vm: string;
  nic: string;
  network?: string;
  mac?: string;
  filter?: string;
  parameters: Array<{ name: string; value: string }>;
  /** The port profile as rendered: mode, source, virtualport type and parameters, VLAN tags. */
  profile?: { mode: string; source: string; sourceMode?: string; virtualport?: string; vlan?: string };
}

export interface TenantSecurity {
  tenant: string;
  filters: ReportFilter[];
  nics: ReportNic[];
}

export interface PlacementEntry {
  vm: string;
  tenant?: string;
  host: string;
  reason?: string;
}

/** One entry per tenant, merging every render of that tenant (a tenant may deploy several packages). */
export function securityOf(results: readonly RenderResult[]): TenantSecurity[] {
  const byTenant = new Map<string, TenantSecurity>();
  for (const r of results) {
    const t = byTenant.get(r.tenant) ?? { tenant: r.tenant, filters: [], nics: [] };
    byTenant.set(r.tenant, t);
    const add = (f: ReportFilter) => {
      if (!t.filters.some((x) => x.name === f.name)) t.filters.push(f);
    };
    for (const f of r.filters) add({ name: f.name, references: [...f.references], builtin: false });
    const scoped = new Set(r.filters.map((f) => f.name));
    const builtins = new Set([...r.builtinFilters, ...r.filters.flatMap((f) => f.references.filter((x) => !scoped.has(x)))]);
    for (const d of r.domains) for (const n of d.nics) if (n.filterref && !scoped.has(n.filterref.filter)) builtins.add(n.filterref.filter);
    for (const b of builtins) add({ name: b, references: [], builtin: true });
    for (const d of r.domains)
      for (const n of d.nics)
        t.nics.push({
          vm: d.name,
          nic: n.instanceId,
          ...(n.network !== undefined ? { network: n.network } : {}),
          mac: n.mac,
          ...(n.filterref ? { filter: n.filterref.filter } : {}),
          parameters: n.filterref?.parameters ?? [],
          profile: {
            mode: n.mode,
            source: n.source,
            ...(n.sourceMode ? { sourceMode: n.sourceMode } : {}),
            ...(n.virtualport
              ? {
                  virtualport: `${n.virtualport.type} ${Object.entries(n.virtualport.parameters)
                    .map(([k, v]) => `${k}=${v}`)
                    .join(' ')}`.trim(),
                }
              : {}),
            ...(n.vlan ? { vlan: n.vlan.tags.map((x) => x.id).join(',') } : {}),
          },
        });
  }
  return [...byTenant.values()].sort((a, b) => a.tenant.localeCompare(b.tenant));
}
