/**
 * `ovfpipe spec PKG`: an editable vars template listing every value the
 * package needs — the macros its bindings and profiles use, and the
 * user-configurable OVF properties — with type, default and where it is
 * used (like `govc import.spec`). Written in the flat vars form that
 * `render --vars FILE` reads: `name: value` for a package with one
 * VirtualSystem; for several, one block per VirtualSystem under `vms:`
 * (`vms: { web: { vars: { ip: … } } }`), the form a pipeline deployment's
 * `vms:` takes too, so that two VMs never share one `ip`. Secrets use
 * `{ value, secret: true }` and never show a default.
 */
import { Document, isMap, type Pair, type Scalar, type YAMLMap } from 'yaml';
import { isGeneratedMacroName } from '../macros/generate.js';
import { bindingMacroRequests } from '../netsec/binding-macros.js';
import { netsecOf } from '../netsec/view.js';
import { virtualSystems, type Envelope } from '../ovf/model.js';
import { productSectionsFor } from './resolve-vm.js';

export interface SpecEntry {
  name: string;
  type: string;
  default?: string;
  secret: boolean;
  /** A secret property with a default: not required, and its default is never shown. */
  secretDefault?: boolean;
  generated: boolean;
  /** Where the value is used, by meaning. */
  usedBy: string[];
  /** The OVF property it comes from, if any (`class.key`). */
  property?: string;
  /** The VirtualSystems that use it. */
  vms: string[];
}

/** The entries of one VirtualSystem (its NICs' bindings, the properties it sees), or of the whole package. */
export function collectSpec(env: Envelope, vsId?: string): SpecEntry[] {
  const entries = new Map<string, SpecEntry>();
  const entry = (name: string, type: string) => {
    let e = entries.get(name);
    if (!e) entries.set(name, (e = { name, type, secret: false, generated: isGeneratedMacroName(name), usedBy: [], vms: [] }));
    return e;
  };
  const usedIn = (e: SpecEntry, vs: string, use: string) => {
    if (!e.usedBy.includes(use)) e.usedBy.push(use);
    if (!e.vms.includes(vs)) e.vms.push(vs);
  };
  const { view } = netsecOf(env);
  for (const b of view.bindings) {
    if (vsId !== undefined && b.nic.vs.id !== vsId) continue;
    for (const r of bindingMacroRequests(b, view.filtersFor(b.nic.vs.id)))
      usedIn(entry(r.name, r.expectedType), b.nic.vs.id, `${b.nic.vs.id} NIC ${b.nic.instanceId}: ${r.usedAt.field.replace(`${b.nic.locator}/`, '')}`);
  }
  for (const vs of virtualSystems(env.content)) {
    if (vsId !== undefined && vs.id !== vsId) continue;
    for (const ps of productSectionsFor(env, vs.id))
      for (const p of ps.properties) {
        if (!p.key) continue;
        const byMacro = entries.get(p.key);
        if (!p.userConfigurable && !byMacro) continue;
        const e = entry(p.key, byMacro?.type ?? p.type);
        e.property = ps.class ? `${ps.class}.${p.key}` : p.key;
        e.secret ||= p.password;
        const hasDefault = p.defaultValue !== undefined && p.defaultValue !== '';
        if (hasDefault && p.password) e.secretDefault = true;
        else if (hasDefault) e.default = p.defaultValue;
        usedIn(e, vs.id, `${vs.id}: OVF property${p.label ? ` "${p.label}"` : ''} (ovf-env)`);
      }
  }
  return [...entries.values()].filter((e) => !e.generated || e.usedBy.length === 0).sort((a, b) => a.name.localeCompare(b.name));
}

/** The template: flat for one VirtualSystem, else one `vms:` block per VirtualSystem. */
export function renderSpecYaml(pkg: string, env: Envelope): string {
  const systems = [...virtualSystems(env.content)].map((vs) => vs.id);
  const perVm = systems.length > 1;
  const generated = generatedMacrosUsed(env);
  const withheld = collectSpec(env).filter((e) => e.secretDefault && e.default === undefined);
  const doc = new Document({});
  doc.commentBefore = [
    ` ovfpipe vars for ${pkg}`,
    ' Edit the values, then: ovfpipe render PKG --tenant T --vars THIS_FILE --out DIR',
    perVm ? ` One block per VirtualSystem (${systems.join(', ')}); a pipeline deployment's vms: takes the same blocks.` : '',
    generated.length ? ` Generated per tenant/VM/NIC, no need to set: ${generated.join(', ')}` : '',
    withheld.length ? ` Secrets with a default in the package (add to override): ${withheld.map((e) => e.name).join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('\n');
  const map = doc.contents;
  if (!isMap(map)) throw new Error('unreachable');
  if (!perVm) {
    addEntries(doc, map, collectSpec(env));
    return doc.toString({ lineWidth: 0 });
  }
  const vms = doc.createNode({}) as YAMLMap;
  for (const vs of systems) {
    const vars = doc.createNode({}) as YAMLMap;
    addEntries(doc, vars, collectSpec(env, vs));
    const block = doc.createNode({}) as YAMLMap;
    block.items.push(doc.createPair('vars', vars));
    vms.items.push(doc.createPair(vs, block));
  }
  map.items.push(doc.createPair('vms', vms));
  return doc.toString({ lineWidth: 0 });
}

function addEntries(doc: Document, map: YAMLMap, entries: readonly SpecEntry[]): void {
  for (const e of entries) {
    if (e.secretDefault) continue; // listed in the header: an empty value here would replace the package's default
    const value = e.secret ? doc.createNode({ value: '', secret: true }) : doc.createNode(e.default ?? '');
    const pair = doc.createPair(e.name, value) as Pair<Scalar, unknown>;
    const need = e.default !== undefined ? `default ${JSON.stringify(e.default)}` : 'required';
    pair.key.commentBefore = ` ${e.name}: ${e.type}, ${e.secret ? 'secret, ' : ''}${need}${e.property ? `; OVF property ${e.property}` : ''}\n used by: ${e.usedBy.join('; ')}`;
    map.items.push(pair);
  }
}

export function generatedMacrosUsed(env: Envelope): string[] {
  const names = new Set<string>();
  const { view } = netsecOf(env);
  for (const b of view.bindings) for (const r of bindingMacroRequests(b, view.filtersFor(b.nic.vs.id))) if (isGeneratedMacroName(r.name)) names.add(r.name);
  return [...names].sort();
}
