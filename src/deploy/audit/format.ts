/**
 * Audit output, pure functions from the result to a string (eslint's
 * formatters): text grouped by host and VM, JSON, SARIF 2.1.0 (one result
 * per drift, logically located at host/VM/interface/filter) and JUnit (a
 * suite per host, a case per VM).
 */
import { element, writeXml } from '../../xml/writer.js';
import { REPOSITORY_URL, VERSION } from '../../version.js';
import { type AuditResult, DRIFT_CLASSES, DRIFT_DESCRIPTIONS, type AuditFinding, type HostAudit } from './model.js';

const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

export function auditText(r: AuditResult): string {
  const lines: string[] = [];
  if (r.repairs) {
    lines.push(...hostLines(r.before ?? [], 'before repair'));
    lines.push(r.repairs.length === 0 ? 'repairs: none' : 'repairs:');
    for (const a of r.repairs) lines.push(`  ${a.ok ? 'done  ' : 'FAILED'} ${a.action} ${a.target} on ${a.host}${a.detail ? `: ${a.detail}` : ''}`);
    lines.push(...hostLines(r.hosts, 'after repair'));
  } else lines.push(...hostLines(r.hosts));
  lines.push(summary(r.hosts));
  return `${lines.join('\n')}\n`;
}

function hostLines(hosts: readonly HostAudit[], title?: string): string[] {
  const lines: string[] = title ? [`${title}:`] : [];
  for (const h of hosts) {
    const tools = h.tooling ? ` [${[h.tooling.ebtables, h.tooling.iptables].filter(Boolean).join('; ')}]` : '';
    lines.push(`${h.host}: ${h.status}${h.error ? `: ${h.error}` : ''}${tools}`);
    for (const v of h.vms) {
      lines.push(`  ${v.name} (${v.state}): ${v.status}`);
      for (const f of v.findings) lines.push(`    ${f.class}  ${where(f)}${f.detail}${f.repairable ? '' : ' [not repairable]'}`);
    }
  }
  return lines;
}

const where = (f: AuditFinding) => [f.interface && `interface ${f.interface}`, f.filter && `filter ${f.filter}`].filter(Boolean).join(', ') + (f.interface || f.filter ? ': ' : '');

function summary(hosts: readonly HostAudit[]): string {
  const vms = hosts.flatMap((h) => h.vms);
  const findings = vms.flatMap((v) => v.findings);
  const unreachable = hosts.filter((h) => h.status === 'unreachable').length;
  return `audit: ${hosts.length} host(s), ${vms.length} VM(s): ${vms.filter((v) => v.status === 'clean').length} clean, ${vms.filter((v) => v.status === 'drift').length} with drift (${findings.filter((f) => f.class !== 'cannot-verify').length} finding(s)), ${vms.filter((v) => v.status === 'cannot-verify').length} cannot be verified; ${unreachable} host(s) unreachable`;
}

export const auditJson = (r: AuditResult): string => `${JSON.stringify(r, null, 2)}\n`;

/** `source`: the pipeline file or package audited (a relative URI), as each result's physical location, which code-scanning services require. */
export function auditSarif(r: AuditResult, source?: string): string {
  const physical = source === undefined ? {} : { physicalLocation: { artifactLocation: { uri: source } } };
  const results = r.hosts.flatMap((h) => [
    ...h.vms.flatMap((v) =>
      v.findings.map((f) => ({
        ruleId: f.class,
        ruleIndex: DRIFT_CLASSES.indexOf(f.class),
        level: f.class === 'cannot-verify' ? 'warning' : 'error',
        message: { text: `${v.name}: ${where(f)}${f.detail}` },
        locations: [
          {
            ...physical,
            logicalLocations: [
              { name: v.name, fullyQualifiedName: `${h.host}/${v.name}`, kind: 'resource' },
              ...(f.interface ? [{ name: f.interface, fullyQualifiedName: `${h.host}/${v.name}/${f.interface}`, kind: 'member' }] : []),
              ...(f.filter ? [{ name: f.filter, fullyQualifiedName: `${h.host}/nwfilter/${f.filter}`, kind: 'resource' }] : []),
            ],
          },
        ],
        properties: { host: h.host, vm: v.name, tenant: v.tenant, filter: f.filter, interface: f.interface, repairable: f.repairable },
      })),
    ),
    ...(h.status === 'unreachable' || h.error
      ? [
          {
            ruleId: 'cannot-verify',
            ruleIndex: DRIFT_CLASSES.indexOf('cannot-verify'),
            level: 'warning',
            message: { text: `${h.host}: ${h.status}: ${h.error ?? ''}` },
            locations: [{ ...physical, logicalLocations: [{ name: h.host, fullyQualifiedName: h.host, kind: 'resource' }] }],
            properties: { host: h.host },
          },
        ]
      : []),
  ]);
  const rules = DRIFT_CLASSES.map((id) => ({
    id,
    shortDescription: { text: DRIFT_DESCRIPTIONS[id] },
    defaultConfiguration: { level: id === 'cannot-verify' ? 'warning' : 'error' },
    // docs/audit.md has an anchor per drift class; linked only when package.json names the repository.
    ...(REPOSITORY_URL !== undefined ? { helpUri: `${REPOSITORY_URL}/blob/HEAD/docs/audit.md#${id}` } : {}),
  }));
  const info = REPOSITORY_URL !== undefined ? { informationUri: `${REPOSITORY_URL}/blob/HEAD/docs/audit.md` } : {};
  return `${JSON.stringify({ $schema: SARIF_SCHEMA, version: '2.1.0', runs: [{ tool: { driver: { name: 'ovfpipe-audit', version: VERSION, ...info, rules } }, results }] }, null, 2)}\n`;
}

/** Characters XML 1.0 cannot carry (from host output in a detail) become U+FFFD; writeXml would refuse them. */
const xmlSafe = (v: string) => v.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '\uFFFD');

export function auditJunit(r: AuditResult): string {
  const failed = (h: HostAudit) => (h.status === 'unreachable' || (h.vms.length === 0 && h.status !== 'clean') ? 1 : h.vms.filter((v) => v.status !== 'clean').length);
  const suites = r.hosts.map((h) => {
    const cases =
      h.vms.length === 0
        ? [
            element(
              'testcase',
              [
                ['classname', h.host],
                ['name', '(host)'],
                ['time', h.seconds.toFixed(3)],
              ],
              h.status === 'clean'
                ? undefined
                : element('failure', [
                    ['type', h.status],
                    ['message', xmlSafe(h.error ?? h.status)],
                  ]),
            ),
          ]
        : h.vms.map((v) =>
            element(
              'testcase',
              [
                ['classname', h.host],
                ['name', v.name],
              ],
              v.findings.map((f) =>
                element('failure', [
                  ['type', f.class],
                  ['message', xmlSafe(`${where(f)}${f.detail}`)],
                ]),
              ),
            ),
          );
    return element(
      'testsuite',
      [
        ['name', `audit ${h.host}`],
        ['tests', cases.length],
        ['failures', failed(h)],
        ['time', h.seconds.toFixed(3)],
      ],
      ...cases,
    );
  });
  return writeXml(
    element(
      'testsuites',
      [
        ['name', 'ovfpipe audit'],
        ['failures', r.hosts.reduce((n, h) => n + failed(h), 0)],
      ],
      ...suites,
    ),
    { declaration: true, quote: '"' },
  );
}
