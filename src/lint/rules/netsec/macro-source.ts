/**
 * Every template macro used by a binding or a profile has a source. At lint
 * time only the package's own sources exist (OVF ProductSection properties,
 * generated values: mac, vm_uuid, instanceid, interfaceid); a macro with
 * neither must be supplied in vars for every deployment, so lint warns.
 * A macro backed by a declared ProductSection property that has no value is
 * the package saying so itself (ovftool and `ovfpipe spec` ask for it): info.
 * `render` and `apply` report an unresolved macro as an error.
 */
import { MACRO_MESSAGES, resolveMacros } from '../../../macros/resolve.js';
import { bindingMacroRequests } from '../../../netsec/binding-macros.js';
import { netsecOf } from '../../../netsec/view.js';
import { contentWithParents } from '../../../ovf/locators.js';
import type { DescriptorTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';
import type { ProductSection } from '../../../ovf/model.js';
import { environmentKey } from '../../../ovf/properties/walk.js';
import type { Diagnostic } from '../../../diagnostics/diagnostic.js';

export default defineRule<DescriptorTarget>({
  meta: {
    id: 'macro-source',
    family: 'binding',
    defaultSeverity: 'warning',
    description: 'Every template macro ${name} has a source: vars, an OVF property or a generated value (lint: the package has no default)',
    messages: {
      noDefault: '{{where}}: ${{{name}}} ({{type}}, used in {{field}}) has no default in the package (no OVF property value, not a generated value): every deployment must set it in vars',
      declaredNoDefault: '{{where}}: ${{{name}}} ({{type}}, used in {{field}}) is the OVF property {{property}}, which has no default: every deployment sets it',
      unresolvable: MACRO_MESSAGES['macro-source'].unresolvable,
    },
  },
  scope: 'descriptor',
  check({ envelope }, ctx) {
    for (const { diagnostic: r, sections } of resolveNetsecMacrosPerVm(envelope)) {
      if (r.ruleId !== 'macro-source') continue;
      // The resolver lists every vars level searched; at lint time there are none yet, so the package lacks a default.
      if (r.messageId === 'notSet') {
        const data = Object.fromEntries(Object.entries(r.data ?? {}).filter(([key]) => key !== 'searched'));
        const property = declaringProperty(String(r.data?.['name'] ?? ''), sections);
        if (property !== undefined) ctx.report({ messageId: 'declaredNoDefault', data: { ...data, property }, loc: r, locator: r.locator, severity: 'info' });
        else ctx.report({ messageId: 'noDefault', data, loc: r, locator: r.locator });
      } else ctx.report({ messageId: 'unresolvable', data: r.data, loc: r, locator: r.locator, severity: 'error' });
    }
  },
});

/** The property a macro name stands for (`key`, `class.key` or `class.key.instance`, as the resolver looks it up), shown as its environment name. */
function declaringProperty(name: string, sections: readonly ProductSection[]): string | undefined {
  for (const ps of sections)
    for (const p of ps.properties) {
      const full = environmentKey(ps, p.key);
      if (p.key === name || full === name || (ps.class !== undefined && `${ps.class}.${p.key}` === name)) return `'${full}'`;
    }
  return undefined;
}

/** Resolves every binding's macros from the package alone (OVF properties, generated values), with the sections searched. */
function resolveNetsecMacrosPerVm(envelope: DescriptorTarget['envelope']): Array<{ diagnostic: Diagnostic; sections: ProductSection[] }> {
  const sectionsFor = new Map<string, ProductSection[]>();
  for (const { node, parents } of contentWithParents(envelope.content))
    if (node.kind === 'VirtualSystem') sectionsFor.set(node.id, [...node.productSections, ...parents.flatMap((p) => p.productSections)]);
  const { view } = netsecOf(envelope);
  return view.bindings.flatMap((b) => {
    const requests = bindingMacroRequests(b, view.filtersFor(b.nic.vs.id));
    if (requests.length === 0) return [];
    const sections = sectionsFor.get(b.nic.vs.id) ?? [];
    return resolveMacros(requests, { ovf: { sections }, generate: true }, { tenant: 'lint', vm: b.nic.vs.id }).diagnostics.map((diagnostic) => ({ diagnostic, sections }));
  });
}

/** Resolves every binding's macros from the package alone (OVF properties, generated values). */
export function resolveNetsecMacros(envelope: DescriptorTarget['envelope']): Diagnostic[] {
  return resolveNetsecMacrosPerVm(envelope).map((r) => r.diagnostic);
}
