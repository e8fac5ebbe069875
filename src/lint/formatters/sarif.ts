/**
 * `--format sarif`: SARIF 2.1.0 (OASIS) for code-scanning services. One run,
 * `tool.driver` = ovfpipe with a rule descriptor per known rule (from the rule
 * metadata passed in, so this stays pure), one result per diagnostic with a
 * physical location (relative URI, forward slashes; a region only when the
 * line is known) and the locator as a logical location.
 */
import { isAbsolute, relative, sep } from 'node:path';
import type { Severity } from '../../diagnostics/diagnostic.js';
import type { LintResult } from '../engine.js';
import type { RuleMeta } from '../rule.js';
import { REPOSITORY_URL } from '../../version.js';
import { defaultDocsBaseUri, type FormatOptions } from './options.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

type SarifLevel = 'error' | 'warning' | 'note' | 'none';

const LEVEL: Record<Severity | 'off', SarifLevel> = { error: 'error', warning: 'warning', info: 'note', off: 'none' };

export interface SarifRule {
  id: string;
  shortDescription: { text: string };
  defaultConfiguration: { level: SarifLevel; enabled?: boolean };
  helpUri?: string;
  properties?: { tags: string[] };
}

function ruleDescriptor(meta: RuleMeta, docsBase: string | undefined): SarifRule {
  return {
    id: meta.id,
    shortDescription: { text: meta.description },
    defaultConfiguration: meta.defaultSeverity === 'off' ? { level: 'none', enabled: false } : { level: LEVEL[meta.defaultSeverity] },
    ...(docsBase !== undefined ? { helpUri: `${docsBase}/${encodeURIComponent(meta.id)}.md` } : {}),
    properties: { tags: [meta.family] },
  };
}

/** Rule ids reported without metadata (e.g. 'internal-error') still get a descriptor, so every ruleIndex is valid. */
function bareDescriptor(id: string): SarifRule {
  return { id, shortDescription: { text: id }, defaultConfiguration: { level: 'error' } };
}

/** A URI reference for a path: relative to `cwd` with forward slashes when inside it, else a file: URI. */
export function artifactUri(file: string, cwd?: string): string {
  let path = file;
  if (isAbsolute(file) && cwd !== undefined && isAbsolute(cwd)) {
    const rel = relative(cwd, file);
    if (rel !== '' && !rel.startsWith('..') && !isAbsolute(rel)) path = rel;
  }
  const slashed = path
    .split(sep)
    .join('/')
    .replace(/\\/g, '/')
    .replace(/^(\.\/)+/, '');
  const encoded = slashed
    .split('/')
    .map((seg) => encodeURIComponent(seg).replace(/%3A/gi, ':'))
    .join('/');
  if (!isAbsolute(path) && !/^[A-Za-z]:\//.test(slashed)) return encoded;
  return `file://${encoded.startsWith('/') ? '' : '/'}${encoded}`;
}

interface RuleTable {
  rules: SarifRule[];
  index: Map<string, number>;
}

function ruleTable(results: readonly LintResult[], metas: readonly RuleMeta[], docsBase: string | undefined): RuleTable {
  const rules: SarifRule[] = [];
  const index = new Map<string, number>();
  const add = (r: SarifRule) => {
    if (index.has(r.id)) return;
    index.set(r.id, rules.length);
    rules.push(r);
  };
  for (const m of metas) add(ruleDescriptor(m, docsBase));
  for (const r of results) for (const d of r.diagnostics) add(bareDescriptor(d.ruleId));
  return { rules, index };
}

/**
 * The file a result points at. A descriptor inside an OVA or zip is reported
 * as `archive!/member`; code scanning can only show the archive itself, and a
 * line inside the member means nothing there, so the region is dropped.
 */
function physicalFile(diagFile: string | undefined, result: LintResult): { file: string; inArchive: boolean } {
  const f = diagFile ?? result.file;
  if (result.archive !== undefined && (f === result.archive || f.startsWith(`${result.archive}!/`))) return { file: result.archive, inArchive: true };
  return { file: f, inArchive: false };
}

function sarifResults(results: readonly LintResult[], table: RuleTable, cwd: string | undefined): unknown[] {
  const out: unknown[] = [];
  for (const r of results)
    for (const d of r.diagnostics) {
      const { file, inArchive } = physicalFile(d.file, r);
      const region = d.line > 0 && !inArchive ? { region: { startLine: d.line, ...(d.column > 0 ? { startColumn: d.column } : {}) } } : {};
      out.push({
        ruleId: d.ruleId,
        ruleIndex: table.index.get(d.ruleId),
        level: LEVEL[d.severity],
        message: { text: d.message },
        locations: [
          {
            physicalLocation: { artifactLocation: { uri: artifactUri(file, cwd) }, ...region },
            ...(d.locator ? { logicalLocations: [{ fullyQualifiedName: d.locator }] } : {}),
          },
        ],
      });
    }
  return out;
}

/** Builds the SARIF log object (exported for tests and the library API). */
export function toSarif(results: readonly LintResult[], opts: FormatOptions = {}): Record<string, unknown> {
  const version = opts.toolVersion;
  const table = ruleTable(results, opts.rules ?? [], opts.docsBaseUri ?? defaultDocsBaseUri());
  const informationUri = opts.informationUri ?? REPOSITORY_URL;
  const driver = {
    name: 'ovfpipe',
    ...(version ? { version } : {}),
    ...(informationUri !== undefined ? { informationUri } : {}),
    rules: table.rules,
  };
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [{ tool: { driver }, results: sarifResults(results, table, opts.cwd) }],
  };
}

export function formatSarif(results: readonly LintResult[], opts: FormatOptions = {}): string {
  return `${JSON.stringify(toSarif(results, opts), null, 2)}\n`;
}
