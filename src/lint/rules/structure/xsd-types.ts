/**
 * Evaluates the XSD constraint table (src/ovf/xsd-constraints.ts, read from
 * DSP8023 and the CIM RASD schema it imports): every OVF attribute or child
 * element whose XSD type, enumeration or required presence is not already
 * checked by another rule (`reportedBy`). Severity per row, under the contract
 * in docs/rules/README.md.
 */
import { XSD_CONSTRAINTS, constraintApplies, type XsdConstraint } from '../../../ovf/xsd-constraints.js';
import { checkXsdValue, xsdRange } from '../../../ovf/xsd-values.js';
import { ovfElements } from '../../../ovf/xsd-walk.js';
import { NS } from '../../../ovf/versions.js';
import { abbreviate } from '../../../strings.js';
import { attr, attrAny, type XmlElement } from '../../../xml/element.js';
import type { DescriptorTarget } from '../../rule.js';
import { defineRule } from '../../rule.js';

/** The rows this rule evaluates, by element name (the last path segment) for a linear walk. */
const ROWS_BY_NAME = new Map<string, XsdConstraint[]>();
for (const row of XSD_CONSTRAINTS) {
  // A row another rule reports is left to it, unless that rule covers only some ResourceTypes.
  if ((row.reportedBy !== undefined && row.exceptResourceTypes === undefined) || row.tolerated === true) continue;
  const name = row.element.slice(row.element.indexOf('/') + 1);
  ROWS_BY_NAME.set(name, [...(ROWS_BY_NAME.get(name) ?? []), row]);
}
const SECTION_ROWS = ROWS_BY_NAME.get('Section') ?? [];
const NO_ROWS: readonly XsdConstraint[] = [];
/** The rows that apply to an element, by its name, its parent's name and whether it is a section (a small, bounded cache). */
const applicable = new Map<string, readonly XsdConstraint[]>();
function rowsFor(name: string, parent: string, isSection: boolean): readonly XsdConstraint[] {
  const named = ROWS_BY_NAME.get(name);
  if (named === undefined && !isSection) return NO_ROWS;
  const key = `${parent}/${name}/${isSection}`;
  let rows = applicable.get(key);
  if (rows === undefined) {
    rows = [...(named ?? []), ...(isSection ? SECTION_ROWS : [])].filter((row) => constraintApplies(row.element, parent, name, isSection));
    // Element names come from the package: cache only the names the table knows, so the cache stays bounded.
    if (named !== undefined && applicable.size < 1000) applicable.set(key, rows);
  }
  return rows;
}

interface Found {
  value: string;
  line: number;
  column: number;
  /** As the message shows it: `ovf:size`, `rasd:VirtualQuantity`, `<Label>`. */
  name: string;
}

/** The row's value on `el`: the attribute, or the child element's text (a CIM field with xsi:nil="true" has none). */
function valueOf(el: XmlElement, row: XsdConstraint, envelopeNs: string): Found | 'absent' | 'nil' {
  if (row.in === undefined) {
    const a = attrAny(el, row.attribute, [envelopeNs]);
    return a === undefined ? 'absent' : { value: a.value, line: a.line, column: a.column, name: `ovf:${row.attribute}` };
  }
  const c =
    row.in === 'ovf'
      ? el.children.find((x) => x.local === row.attribute && (x.ns === envelopeNs || x.ns === ''))
      : el.children.find((x) => x.local === row.attribute || (row.attribute === 'InstanceID' && x.local === 'InstanceId'));
  if (c === undefined) return 'absent';
  if (row.in === 'rasd' && attr(c, 'nil', NS.xsi)?.trim() === 'true') return 'nil';
  return { value: c.text, line: c.line, column: c.column, name: row.in === 'ovf' ? `<${row.attribute}>` : `rasd:${row.attribute}` };
}

function resourceType(el: XmlElement): number | undefined {
  const t = el.children.find((c) => c.local === 'ResourceType')?.text.trim();
  return t !== undefined && /^\d{1,5}$/.test(t) ? Number(t) : undefined;
}

export default defineRule<DescriptorTarget>({
  meta: {
    id: 'xsd-types',
    family: 'structure',
    defaultSeverity: 'error',
    description: 'OVF attributes and fields have the XSD type, enumeration value and presence DSP8023 gives them (one table, severity per row)',
    messages: {
      missing: '{{element}} has no {{name}}, which the OVF XSD requires',
      type: "{{element}} {{name}} '{{value}}' is not an xs:{{type}}",
      range: "{{element}} {{name}} '{{value}}' is outside xs:{{type}} ({{range}})",
      negative: "{{element}} {{name}} '{{value}}' is negative; a size is at least 0",
      inexact: "{{element}} {{name}} '{{value}}' is past 2^53 bytes: more than any host holds and more than ovfpipe can count exactly",
      enumeration: "{{element}} {{name}} '{{value}}' is not one of {{values}}",
    },
  },
  scope: 'descriptor',
  check({ envelope }, ctx) {
    for (const visit of ovfElements(envelope.root)) {
      for (const row of rowsFor(visit.name, visit.parent, visit.isSection)) {
        if (row.exceptResourceTypes?.includes(resourceType(visit.el) ?? -1)) continue;
        const element = visit.name;
        const found = valueOf(visit.el, row, envelope.ns);
        if (found === 'nil') continue;
        if (found === 'absent') {
          const name = row.in === undefined ? `ovf:${row.attribute}` : row.in === 'ovf' ? `<${row.attribute}>` : `rasd:${row.attribute}`;
          if (row.required)
            ctx.report({
              messageId: 'missing',
              data: { element, attribute: row.attribute, name },
              severity: row.severity,
              loc: { file: envelope.file, line: visit.el.line, column: visit.el.column },
              locator: visit.locator(),
            });
          continue;
        }
        const problem = checkXsdValue(row, found.value);
        if (problem === undefined) continue;
        ctx.report({
          messageId: problem,
          data: {
            element,
            attribute: row.attribute,
            name: found.name,
            value: abbreviate(found.value.trim()),
            type: row.type,
            range: xsdRange(row.type),
            values: (row.values ?? []).map((v) => `'${v}'`).join(', '),
          },
          severity: row.severity,
          loc: { file: envelope.file, line: found.line, column: found.column },
          locator: visit.locator(),
        });
      }
    }
  },
});
