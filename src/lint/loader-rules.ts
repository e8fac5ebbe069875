/**
 * Diagnostics raised while loading a file, before any rule can run: the file
 * is not readable as a package, not well-formed XML, or not an OVF envelope.
 * They are listed here as rule metadata so they are documented, appear in
 * SARIF `rules[]`, and can be looked up like any other rule id. They cannot
 * be turned off: nothing else can be checked when they fire.
 */
import type { RuleMeta } from './rule.js';

export const loaderRules: readonly RuleMeta[] = [
  {
    id: 'package-readable',
    family: 'package',
    defaultSeverity: 'error',
    description: 'The package opens safely: a known form, no hostile or truncated members, a single descriptor',
    messages: { failed: '{{message}}' },
  },
  {
    id: 'xml-well-formed',
    family: 'parse',
    defaultSeverity: 'error',
    description: 'The descriptor or filter is well-formed UTF-8 XML within the size and depth limits, with no DOCTYPE',
    messages: { failed: '{{message}}' },
  },
  {
    id: 'ovf-envelope',
    family: 'parse',
    defaultSeverity: 'error',
    description: 'The root element is an OVF Envelope in a known OVF namespace (0.9, 1.x or 2.x)',
    messages: { failed: '{{message}}' },
  },
];
