/** `netsec show`: the network security metadata of a package, as data. */
import type { Envelope } from '../ovf/model.js';
import type { PortProfile } from './model.js';
import { netsecOf } from './view.js';

export interface NetsecReport {
  filters: Array<{ name: string; scope: string; chain?: string; references: string[]; line: number }>;
  profiles: Array<PortProfile & { scope: string }>;
  bindings: Array<{ virtualSystem: string; nic: string; network?: string; origin: string; filter?: string; profile?: string; parameters: Array<{ name: string; value: string }> }>;
  unboundNics: Array<{ virtualSystem: string; nic: string; network?: string }>;
}

export function netsecReport(env: Envelope): NetsecReport {
  const { sections, view } = netsecOf(env);
  const scopeOf = (vs: string | undefined) => (vs === undefined ? 'package' : `VirtualSystem ${vs}`);
  return {
    filters: sections.flatMap((s) =>
      s.filters.map((f) => ({
        name: f.name,
        scope: scopeOf(s.virtualSystemId),
        chain: f.element.attributes.find((a) => a.local === 'chain')?.value,
        references: collectRefs(f.element),
        line: f.loc?.line ?? 0,
      })),
    ),
    profiles: sections.flatMap((s) => s.profiles.map((p) => ({ ...p, loc: undefined, scope: scopeOf(s.virtualSystemId) }))),
    bindings: view.bindings.map((b) => ({
      virtualSystem: b.nic.vs.id,
      nic: b.nic.instanceId,
      network: b.nic.network,
      origin: b.origin,
      filter: b.filterName,
      profile: b.profileName,
      parameters: b.parameters,
    })),
    unboundNics: view.nics.filter((n) => !view.bindings.some((b) => b.nic === n)).map((n) => ({ virtualSystem: n.vs.id, nic: n.instanceId, network: n.network })),
  };
}

function collectRefs(el: import('../xml/element.js').XmlElement): string[] {
  return el.children.filter((c) => c.local === 'filterref').map((c) => c.attributes.find((a) => a.local === 'filter')?.value ?? '');
}

export function renderNetsecText(r: NetsecReport): string {
  const lines: string[] = [];
  lines.push(`filters (${r.filters.length}):`);
  for (const f of r.filters) lines.push(`  ${f.name}  [${f.scope}]${f.chain ? ` chain=${f.chain}` : ''}${f.references.length ? ` → ${f.references.join(', ')}` : ''}`);
  lines.push(`port profiles (${r.profiles.length}):`);
  for (const p of r.profiles) {
    const vp = p.virtualport
      ? ` virtualport ${p.virtualport.type} ${Object.entries(p.virtualport.parameters)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}`
      : '';
    const vlan = p.vlan ? ` vlan ${p.vlan.tags.map((t) => t.id).join(',')}` : '';
    lines.push(`  ${p.name}  [${p.scope}] mode=${p.mode}${p.sourceMode ? `/${p.sourceMode}` : ''} source=${p.source}${vp}${vlan}`);
  }
  lines.push(`bindings (${r.bindings.length}):`);
  for (const b of r.bindings) {
    const params = b.parameters.map((p) => `${p.name}=${p.value}`).join(' ');
    lines.push(
      `  ${b.virtualSystem}/NIC ${b.nic} (${b.network ?? 'no network'})${b.filter ? ` filter=${b.filter}` : ''}${b.profile ? ` profile=${b.profile}` : ''}${params ? ` ${params}` : ''}  [${b.origin}]`,
    );
  }
  if (r.unboundNics.length) lines.push(`unprotected NICs: ${r.unboundNics.map((n) => `${n.virtualSystem}/NIC ${n.nic}`).join(', ')}`);
  return `${lines.join('\n')}\n`;
}
