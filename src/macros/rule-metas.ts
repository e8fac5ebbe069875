/**
 * Metadata of the diagnostics the resolve stage reports, in the lint rule
 * format, so SARIF `rules[]`, `--rule` overrides and docs can know them. They
 * are not table rules: resolveMacros and parseVarsYaml report them directly.
 */
import { reportedRuleMeta, type RuleMeta } from '../diagnostics/rule.js';
import { MACRO_MESSAGES } from './resolve.js';

export const MACRO_RULE_METAS: readonly RuleMeta[] = [
  {
    id: 'macro-source',
    family: 'binding',
    defaultSeverity: 'error',
    description: 'Every template macro ${name} resolves from per-VM, per-tenant, default, OVF property or generated values',
    messages: MACRO_MESSAGES['macro-source'],
  },
  {
    id: 'macro-type',
    family: 'binding',
    defaultSeverity: 'error',
    description: 'Every resolved macro value has the type its use needs (IPv4, MAC, VLAN, libvirt nwfilter parameter, …)',
    messages: MACRO_MESSAGES['macro-type'],
  },
  reportedRuleMeta('vars-yaml', 'parse', 'A vars file is well-formed YAML in the full (defaults, tenants) or flat (name: value) form'),
];
