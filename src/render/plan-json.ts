/** `plan.json`, the machine-readable summary `render` writes beside the XML: a pure function of the render result. */
import type { RenderResult } from './render-package.js';

export function planJson(packageName: string, r: RenderResult) {
  return {
    version: 1,
    package: packageName,
    tenant: r.tenant,
    filters: r.filters.map((f) => ({ name: f.name, file: `nwfilter/${f.name}.xml`, uuid: f.uuid, original: f.original, references: f.references })),
    builtinFilters: r.builtinFilters,
    domains: r.domains.map((d) => ({
      name: d.name,
      file: `${d.name}.xml`,
      virtualSystem: d.virtualSystem,
      uuid: d.uuid,
      configuration: d.configuration,
      firmware: d.firmware,
      filterrefs: d.filterrefs,
      ovfEnv: d.ovfEnv ? { xml: `${d.name}.ovf-env.xml`, iso: `${d.name}.ovf-env.iso`, hostPath: d.ovfEnv.isoPath } : undefined,
      values: d.values,
      notes: d.notes,
    })),
    disks: r.disks,
  };
}
