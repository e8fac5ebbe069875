/**
 * Evaluates the XSD constraint table (src/ovf/xsd-constraints.ts, read from
 * DSP8023): every OVF attribute whose XSD type, enumeration or `use="required"`
 * is not already checked by another rule (`reportedBy`). Severity per row, under
 * the contract in docs/rules/README.md.
 */
import { XSD_CONSTRAINTS, constraintApplies, type XsdConstraint } from '../../../ovf/xsd-constraints.js';
import { checkXsdValue, xsdRange } from '../../../ovf/xsd-values.js';
import { ovfElements } from '../../../ovf/xsd-walk.js';
import { abbreviate } from '../../../strings.js';
import { attrAny } from '../../../xml/element.js';
import type { DescriptorTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';

/** The rows this rule evaluates, by element name (the last path segment) for a linear walk. */
const ROWS_BY_NAME = new Map<string, XsdConstraint[]>();
for (const row of XSD_CONSTRAINTS) {
  if (row.reportedBy !== undefined) continue;
  const name = row.element.slice(row.element.indexOf('/') + 1);
  ROWS_BY_NAME.set(name, [...(ROWS_BY_NAME.get(name) ?? []), row]);
}
const SECTION_ROWS = ROWS_BY_NAME.get('Section') ?? [];

export default defineRule<DescriptorTarget>({
  meta: {
    id: 'xsd-types',
    family: 'structure',
    defaultSeverity: 'error',
    description: 'OVF attributes have the XSD type, enumeration value and presence DSP8023 gives them (one table, severity per row)',
    messages: {
      missing: '{{element}} has no ovf:{{attribute}}, which the OVF XSD requires',
      type: "{{element}} ovf:{{attribute}} '{{value}}' is not an xs:{{type}}",
      range: "{{element}} ovf:{{attribute}} '{{value}}' is outside xs:{{type}} ({{range}})",
      negative: "{{element}} ovf:{{attribute}} '{{value}}' is negative; a size is at least 0",
      inexact: "{{element}} ovf:{{attribute}} '{{value}}' is past 2^53 bytes: more than any host holds and more than ovfpipe can count exactly",
      enumeration: "{{element}} ovf:{{attribute}} '{{value}}' is not one of {{values}}",
    },
  },
  scope: 'descriptor',
  check({ envelope }, ctx) {
    const ns = [envelope.ns];
    for (const visit of ovfElements(envelope.root)) {
      const rows = [...(ROWS_BY_NAME.get(visit.name) ?? []), ...(visit.isSection ? SECTION_ROWS : [])];
      for (const row of rows) {
        if (!constraintApplies(row.element, visit.parent, visit.name, visit.isSection)) continue;
        const element = visit.name;
        const a = attrAny(visit.el, row.attribute, ns);
        if (a === undefined) {
          if (row.required)
            ctx.report({
              messageId: 'missing',
              data: { element, attribute: row.attribute },
              severity: row.severity,
              loc: { file: envelope.file, line: visit.el.line, column: visit.el.column },
              locator: visit.locator,
            });
          continue;
        }
        const problem = checkXsdValue(row, a.value);
        if (problem === undefined) continue;
        ctx.report({
          messageId: problem,
          data: { element, attribute: row.attribute, value: abbreviate(a.value), type: row.type, range: xsdRange(row.type), values: (row.values ?? []).map((v) => `'${v}'`).join(', ') },
          severity: row.severity,
          loc: { file: envelope.file, line: a.line, column: a.column },
          locator: visit.locator,
        });
      }
    }
  },
});
