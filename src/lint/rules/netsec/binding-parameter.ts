/**
 * Filter parameters passed through <filterref>: names are libvirt variable
 * names, and literal values fit their meaning (IP, MAC, …) and libvirt's
 * value charset `[A-Za-z0-9_.:]` (src/conf/nwfilter_params.c). libvirt does
 * not report a bad value: it silently drops the parameter, leaving `$IP`
 * unbound and the rule ineffective. A CIDR such as `10.0.0.0/24` is the
 * classic mistake. Macros are checked when they resolve (macro-type).
 */
import { findMacros } from '../../../macros/syntax.js';
import { checkMacroValue } from '../../../macros/types.js';
import { parameterType } from '../../../netsec/binding-macros.js';
import { netsecOf } from '../../../netsec/view.js';
import type { DescriptorTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LITERAL_CHARS = /^[A-Za-z0-9_.:]*$/;

export default defineRule<DescriptorTarget>({
  meta: {
    id: 'binding-parameter',
    family: 'binding',
    defaultSeverity: 'error',
    description: 'Filter parameter names are libvirt variable names and literal values fit their type and [A-Za-z0-9_.:]',
    messages: {
      badName: "NIC {{nic}}: parameter name '{{name}}' is not a libvirt variable name (letters, digits, _)",
      badValue: "NIC {{nic}}: {{name}}='{{value}}' {{reason}}",
      badLiteral: "NIC {{nic}}: {{name}}='{{value}}' has characters outside [A-Za-z0-9_.:] around its macros; libvirt would drop the parameter",
      badMacro: 'NIC {{nic}}: {{name}}: {{problem}}',
      noFilter: 'NIC {{nic}}: parameters are given but no filter is bound; they are ignored',
    },
  },
  scope: 'descriptor',
  check({ envelope }, ctx) {
    for (const b of netsecOf(envelope).view.bindings) {
      const at = { loc: b.binding?.loc, locator: b.nic.locator };
      const nic = b.nic.instanceId;
      if (b.parameters.length > 0 && b.filterName === undefined) ctx.report({ messageId: 'noFilter', data: { nic }, severity: 'warning', ...at });
      for (const p of b.parameters) {
        if (!VARIABLE_NAME.test(p.name)) ctx.report({ messageId: 'badName', data: { nic, name: p.name }, ...at });
        const scan = findMacros(p.value);
        for (const problem of scan.problems) ctx.report({ messageId: 'badMacro', data: { nic, name: p.name, problem: problem.message }, ...at });
        if (scan.refs.length === 0) {
          const reason = checkMacroValue(parameterType(p.name), p.value);
          if (reason) ctx.report({ messageId: 'badValue', data: { nic, name: p.name, value: p.value, reason: `is not valid: ${reason}` }, ...at });
          continue;
        }
        let rest = p.value;
        for (const r of [...scan.refs].reverse()) rest = rest.slice(0, r.start) + rest.slice(r.end);
        if (!LITERAL_CHARS.test(rest)) ctx.report({ messageId: 'badLiteral', data: { nic, name: p.name, value: p.value }, ...at });
      }
    }
  },
});
