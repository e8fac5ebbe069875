/**
 * `ovfpipe spec PKG`: an editable vars template listing every value the
 * package needs — the macros its bindings and profiles use, and the
 * user-configurable OVF properties — with type, default and where it is
 * used (like `govc import.spec`). Written in the flat vars form
 * (`name: value`) that `render --vars FILE` reads; secrets use
 * `{ value, secret: true }` and never show a default.
 */
import { Document, isMap, type Pair, type Scalar } from 'yaml';
import { isGeneratedMacroName } from '../macros/generate.js';
import { bindingMacroRequests } from '../netsec/binding-macros.js';
import { netsecOf } from '../netsec/view.js';
import { contentWithParents } from '../ovf/locators.js';
import type { Envelope } from '../ovf/model.js';

export interface SpecEntry {
  name: string;
  type: string;
  default?: string;
  secret: boolean;
  generated: boolean;
  /** Where the value is used, by meaning. */
  usedBy: string[];
  /** The OVF property it comes from, if any (`class.key`). */
  property?: string;
}

export function collectSpec(env: Envelope): SpecEntry[] {
  const entries = new Map<string, SpecEntry>();
  const entry = (name: string, type: string) => {
    let e = entries.get(name);
    if (!e) entries.set(name, (e = { name, type, secret: false, generated: isGeneratedMacroName(name), usedBy: [] }));
    return e;
  };
  for (const b of netsecOf(env).view.bindings)
    for (const r of bindingMacroRequests(b)) {
      const e = entry(r.name, r.expectedType);
      const use = `${b.nic.vs.id} NIC ${b.nic.instanceId}: ${r.usedAt.field.replace(`${b.nic.locator}/`, '')}`;
      if (!e.usedBy.includes(use)) e.usedBy.push(use);
    }
  for (const { node } of contentWithParents(env.content))
    for (const ps of node.productSections)
      for (const p of ps.properties) {
        if (!p.key) continue;
        const byMacro = entries.get(p.key);
        if (!p.userConfigurable && !byMacro) continue;
        const e = entry(p.key, byMacro?.type ?? p.type);
        e.property = ps.class ? `${ps.class}.${p.key}` : p.key;
        e.secret ||= p.password;
        if (!p.password && p.defaultValue !== undefined && p.defaultValue !== '') e.default = p.defaultValue;
        e.usedBy.push(`${node.id}: OVF property${p.label ? ` "${p.label}"` : ''} (ovf-env)`);
      }
  return [...entries.values()].filter((e) => !e.generated || e.usedBy.length === 0).sort((a, b) => a.name.localeCompare(b.name));
}

export function renderSpecYaml(pkg: string, entries: readonly SpecEntry[], generated: readonly string[]): string {
  const doc = new Document({});
  doc.commentBefore = [
    ` ovfpipe vars for ${pkg}`,
    ' Edit the values, then: ovfpipe render PKG --tenant T --vars THIS_FILE --out DIR',
    generated.length ? ` Generated per tenant/VM/NIC, no need to set: ${generated.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('\n');
  const map = doc.contents;
  if (!isMap(map)) throw new Error('unreachable');
  for (const e of entries) {
    const value = e.secret ? doc.createNode({ value: '', secret: true }) : doc.createNode(e.default ?? '');
    const pair = doc.createPair(e.name, value) as Pair<Scalar, unknown>;
    const need = e.default !== undefined ? `default ${JSON.stringify(e.default)}` : 'required';
    pair.key.commentBefore = ` ${e.name}: ${e.type}, ${e.secret ? 'secret, ' : ''}${need}${e.property ? `; OVF property ${e.property}` : ''}\n used by: ${e.usedBy.join('; ')}`;
    map.items.push(pair);
  }
  return doc.toString({ lineWidth: 0 });
}

export function generatedMacrosUsed(env: Envelope): string[] {
  const names = new Set<string>();
  for (const b of netsecOf(env).view.bindings) for (const r of bindingMacroRequests(b)) if (isGeneratedMacroName(r.name)) names.add(r.name);
  return [...names].sort();
}
