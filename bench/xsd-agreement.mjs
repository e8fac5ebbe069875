// XSD agreement (issue #12): puts `ovfpipe lint`'s verdict beside the DMTF
// envelope XSD's (xmllint --schema, offline through the corpus catalog) on every
// OVF descriptor of the reference corpus, and explains each disagreement from a
// reviewed reasons file (bench/xsd-agreement-reasons.yaml).
//
//   node bench/xsd-agreement.mjs [--corpus DIR] [--reasons FILE] [--markdown OUT.md]
//
// Exit: 0 when every disagreement has a reviewed reason and no reason is stale,
// 1 otherwise, 2 when xmllint, the corpus or dist/ is missing.
// The functions are exported for test/lint/xsd-agreement.test.ts, which runs the
// same comparison with the library's lintFiles instead of the CLI.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

const HERE = dirname(fileURLToPath(import.meta.url));
export const DEFAULT_REASONS = join(HERE, 'xsd-agreement-reasons.yaml');

/** The envelope XSD for each namespace the corpus schemas cover (DSP8023). OVF 0.9 has none there. */
const SCHEMAS = [
  { ns: 'http://schemas.dmtf.org/ovf/envelope/1', xsd: 'dsp8023_1.1.1.xsd' },
  { ns: 'http://schemas.dmtf.org/ovf/envelope/2', xsd: 'dsp8023_2.0.1.xsd' },
];
const NO_ROOT = 'No matching global declaration available for the validation root';

/** Every `.ovf` under the corpus, as sorted paths relative to it. */
export function findDescriptors(corpus) {
  const out = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.isFile() && e.name.toLowerCase().endsWith('.ovf')) out.push(relative(corpus, full));
    }
  };
  walk(corpus);
  return out.sort();
}

/**
 * Runs xmllint once per schema over all files (paths relative to `corpus`, run from there;
 * the schemas and their catalog are in `schemas`, by default the corpus's dmtf-schemas/).
 * Returns, per file, `{ verdict: 'valid'|'invalid'|'no-schema', schema, message }`:
 * the verdict of the schema whose namespace the root is in, with its first message.
 */
export function xsdVerdicts(corpus, files, schemas = join(corpus, 'dmtf-schemas')) {
  const runs = SCHEMAS.map((s) => ({ ...s, byFile: runXmllint(corpus, join(schemas, s.xsd), files) }));
  const out = new Map();
  for (const f of files) {
    let verdict = { verdict: 'no-schema', schema: '', message: '' };
    for (const run of runs) {
      const r = run.byFile.get(f);
      if (r === undefined) continue;
      const first = r.messages[0] ?? '';
      if (first.includes(NO_ROOT)) {
        // Root in another namespace: keep its message in case no schema claims it.
        if (verdict.message === '') verdict = { verdict: 'no-schema', schema: '', message: first };
        continue;
      }
      verdict = { verdict: r.valid ? 'valid' : 'invalid', schema: run.xsd, message: first };
      break;
    }
    out.set(f, verdict);
  }
  return out;
}

/** CPU seconds (user + system) of the child processes run through `timed`, by label: fair under load, unlike wall time. */
export const cpuSeconds = new Map();
const TIME = '/usr/bin/time';
const CPU_MARK = '@@xsd-agreement-cpu';

/** spawnSync through GNU time when it is there, adding the child's CPU time to `cpuSeconds` under `label`. */
function timed(label, cmd, args, opts) {
  if (!existsSync(TIME)) return spawnSync(cmd, args, opts);
  const r = spawnSync(TIME, ['-f', `${CPU_MARK} %U %S`, cmd, ...args], opts);
  const lines = String(r.stderr ?? '').split('\n');
  const i = lines.findLastIndex((l) => l.startsWith(CPU_MARK));
  if (i >= 0) {
    const [, user, sys] = lines[i].split(' ');
    cpuSeconds.set(label, (cpuSeconds.get(label) ?? 0) + Number(user) + Number(sys));
    lines.splice(i, 1);
  }
  return { ...r, stderr: lines.join('\n') };
}

function runXmllint(cwd, xsd, files) {
  const env = { ...process.env, XML_CATALOG_FILES: join(dirname(xsd), 'catalog.xml') };
  const r = timed('xmllint', 'xmllint', ['--nonet', '--noout', '--schema', xsd, ...files], { cwd, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw new Error(`cannot run xmllint: ${r.error.message} (Debian: apt-get install libxml2-utils)`);
  const known = new Set(files);
  // Message lines name the file as a URI (libxml escapes ' ' as %20 and '%' as %25); status lines name it as given.
  const escaped = new Map(
    files.flatMap((f) => [
      [f, f],
      [f.replaceAll('%', '%25').replaceAll(' ', '%20'), f],
      [encodeURI(f), f],
    ]),
  );
  const byFile = new Map(files.map((f) => [f, { valid: false, messages: [] }]));
  for (const line of `${r.stdout}\n${r.stderr}`.split('\n')) {
    if (line.endsWith(' validates') && known.has(line.slice(0, -' validates'.length))) byFile.get(line.slice(0, -' validates'.length)).valid = true;
    else if (line.endsWith(' fails to validate') && known.has(line.slice(0, -' fails to validate'.length))) continue;
    else {
      const named = fileOfMessage(line, escaped);
      if (named !== undefined) byFile.get(escaped.get(named)).messages.push(shortMessage(line.slice(named.length + 1)));
    }
  }
  return byFile;
}

/** `FILE:LINE: …`: the longest known (escaped) file name that prefixes the line before a colon. */
function fileOfMessage(line, known) {
  let best;
  for (let i = line.indexOf(':'); i > 0; i = line.indexOf(':', i + 1)) if (known.has(line.slice(0, i))) best = line.slice(0, i);
  return best;
}

const PREFIXES = [
  ['http://schemas.dmtf.org/ovf/envelope/1', 'ovf'],
  ['http://schemas.dmtf.org/ovf/envelope/2', 'ovf2'],
  ['http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData', 'rasd'],
  ['http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData', 'vssd'],
  ['http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_StorageAllocationSettingData', 'sasd'],
  ['http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_EthernetPortAllocationSettingData', 'epasd'],
  ['http://www.vmware.com/schema/ovf', 'vmw'],
];

/** `12: element X: Schemas validity error : Element '{ns}X': …` → `line 12: Element 'ovf:X': …`, at most 240 characters. */
function shortMessage(rest) {
  let m = rest.replace(/^(\d+): (?:element|attribute) [^:]*: Schemas validity error : /, 'line $1: ').replace(/^(\d+): /, 'line $1: ');
  for (const [ns, p] of PREFIXES) m = m.split(`{${ns}}`).join(`${p}:`);
  return m.length > 240 ? `${m.slice(0, 237)}...` : m;
}

/** The lint verdict of one result `{file, diagnostics}`: 'errors' with the sorted rule ids of its errors, or 'clean'. */
export function lintVerdict(result) {
  const ids = [...new Set(result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.ruleId))].sort();
  return { verdict: ids.length > 0 ? 'errors' : 'clean', ruleIds: ids };
}

/** Reads the reasons file: `{ reasons: {id: {kind, text}}, descriptors: {path: id | {reason, note}} }`. */
export function readReasons(path) {
  const doc = YAML.parse(readFileSync(path, 'utf8')) ?? {};
  const reasons = doc.reasons ?? {};
  const descriptors = new Map();
  for (const [file, v] of Object.entries(doc.descriptors ?? {})) {
    const entry = typeof v === 'string' ? { reason: v } : v;
    if (!(entry.reason in reasons)) throw new Error(`${path}: descriptor ${file} names unknown reason '${entry.reason}'`);
    descriptors.set(file, entry);
  }
  return { reasons, descriptors };
}

/**
 * Compares the two verdicts per file. `lint` maps a corpus-relative path to `{file, diagnostics}`.
 * Returns counts, the disagreements (each with its reviewed reason, or none), and stale reasons.
 */
export function compare(files, lint, xsd, reasons) {
  const counts = { bothAccept: 0, bothReject: 0, lintOnly: 0, xsdOnly: 0, noSchema: 0 };
  const disagreements = [];
  const rows = [];
  for (const f of files) {
    const x = xsd.get(f);
    const l = lintVerdict(lint.get(f) ?? { diagnostics: [{ ruleId: 'no-lint-result', severity: 'error' }] });
    rows.push({ file: f, xsd: x, lint: l });
    if (x.verdict === 'no-schema') {
      counts.noSchema++;
      continue;
    }
    const xsdRejects = x.verdict === 'invalid';
    const lintRejects = l.verdict === 'errors';
    if (xsdRejects && lintRejects) counts.bothReject++;
    else if (!xsdRejects && !lintRejects) counts.bothAccept++;
    else {
      const direction = lintRejects ? 'lint-only' : 'xsd-only';
      if (lintRejects) counts.lintOnly++;
      else counts.xsdOnly++;
      const entry = reasons.descriptors.get(f);
      disagreements.push({ file: f, direction, xsd: x, lint: l, reasonId: entry?.reason, note: entry?.note });
    }
  }
  const disagreeing = new Set(disagreements.map((d) => d.file));
  const stale = [...reasons.descriptors.keys()].filter((f) => !disagreeing.has(f)).sort();
  return { counts, disagreements, stale, rows };
}

/** The report, as Markdown (also readable as plain text). */
export function formatReport(result, reasons, meta) {
  const { counts, disagreements, stale, rows } = result;
  const compared = counts.bothAccept + counts.bothReject + counts.lintOnly + counts.xsdOnly;
  const agree = counts.bothAccept + counts.bothReject;
  const out = [];
  out.push('# ovfpipe lint against the DMTF envelope XSD', '');
  out.push(
    `Generated by \`bash bench/xsd-agreement.sh\` on ${meta.date} over \`${meta.corpus}\` (${rows.length} descriptors). ` +
      'Lint runs once, `ovfpipe lint --format json --descriptor-only` over all of them; a descriptor is *rejected* by lint when it has an error. ' +
      'The oracle is `xmllint --nonet --schema` with the corpus catalog: DSP8023 1.1.1 for the `envelope/1` namespace, 2.0.1 for `envelope/2`; ' +
      'other roots (OVF 0.9, `envelope/3`, not an envelope) have no schema there and are not compared. ' +
      'Each disagreement carries its reason from `bench/xsd-agreement-reasons.yaml` (reviewed by hand).',
    '',
  );
  out.push('| | count |', '|---|---:|');
  out.push(`| descriptors | ${rows.length} |`);
  out.push(`| compared (a DMTF schema applies) | ${compared} |`);
  out.push(`| agree: both accept | ${counts.bothAccept} |`);
  out.push(`| agree: both reject | ${counts.bothReject} |`);
  out.push(`| **agree, total** | **${agree} of ${compared} (${compared ? ((100 * agree) / compared).toFixed(1) : '0'} %)** |`);
  out.push(`| disagree: lint errors, XSD valid | ${counts.lintOnly} |`);
  out.push(`| disagree: XSD invalid, lint no errors | ${counts.xsdOnly} |`);
  out.push(`| no DMTF schema for the root (not compared) | ${counts.noSchema} |`, '');

  const byReason = new Map();
  for (const d of disagreements) {
    const key = d.reasonId ?? '(unexplained)';
    byReason.set(key, [...(byReason.get(key) ?? []), d]);
  }
  out.push('## Disagreements by reason', '', '| reason | kind | lint errors, XSD valid | XSD invalid, lint clean |', '|---|---|---:|---:|');
  for (const [key, list] of [...byReason].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))) {
    const kind = reasons.reasons[key]?.kind ?? 'UNEXPLAINED';
    out.push(`| ${key} | ${kind} | ${list.filter((d) => d.direction === 'lint-only').length} | ${list.filter((d) => d.direction === 'xsd-only').length} |`);
  }
  const byKind = new Map();
  for (const d of disagreements) {
    const kind = reasons.reasons[d.reasonId]?.kind ?? 'UNEXPLAINED';
    byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
  }
  out.push('', `By kind: ${[...byKind].map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}.`);
  // Both reject, but not necessarily for the same defect: the rule ids lint rejects with, for review.
  const bothRules = new Map();
  for (const r of rows) if (r.xsd.verdict === 'invalid' && r.lint.verdict === 'errors') for (const id of r.lint.ruleIds) bothRules.set(id, (bothRules.get(id) ?? 0) + 1);
  out.push(
    '',
    `Where both reject, lint's error rules (descriptors per rule): ${
      [...bothRules]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .map(([id, n]) => `${id} ${n}`)
        .join(', ') || 'none'
    }.`,
  );
  out.push('', '### Reasons', '');
  for (const [id, r] of Object.entries(reasons.reasons)) out.push(`- **${id}** (${r.kind}): ${String(r.text).trim()}`);
  out.push('', '## Each disagreement', '');
  for (const d of disagreements) {
    const why = d.reasonId === undefined ? '**UNEXPLAINED**' : `${d.reasonId}${d.note ? `: ${d.note}` : ''}`;
    const lintSide = d.lint.verdict === 'errors' ? `lint errors [${d.lint.ruleIds.join(', ')}]` : 'lint: no errors';
    out.push(`- \`${d.file}\`: ${lintSide}; XSD ${d.xsd.verdict}${d.xsd.message ? ` (\`${d.xsd.message.replaceAll('`', "'")}\`)` : ''}. Reason: ${why}`);
  }
  if (stale.length > 0) {
    out.push('', '## Stale reasons (listed in the reasons file, but lint and the XSD now agree)', '');
    for (const f of stale) out.push(`- \`${f}\``);
  }
  const unexplained = disagreements.filter((d) => d.reasonId === undefined);
  if (unexplained.length > 0) {
    out.push('', '## Unexplained: review each, then add it under `descriptors:` in the reasons file', '', '```yaml');
    for (const d of unexplained) out.push(`  ${JSON.stringify(d.file)}: TODO-reason # ${d.direction}: ${d.lint.ruleIds.join(', ') || d.xsd.message.slice(0, 120)}`);
    out.push('```');
  }
  out.push('');
  return out.join('\n');
}

async function main(argv) {
  const arg = (name, dflt) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : dflt;
  };
  const corpus = resolve(arg('--corpus', process.env.OVFPIPE_CORPUS ?? join(HERE, '../../shared/corpus')));
  const reasonsPath = resolve(arg('--reasons', DEFAULT_REASONS));
  const markdown = arg('--markdown');
  const bin = join(HERE, '../dist/cli/bin.js');
  for (const [what, p] of [
    ['corpus', corpus],
    ['dist/cli/bin.js (npm run build)', bin],
  ])
    if (!existsSync(p)) {
      console.error(`xsd-agreement: ${what} not found at ${p}`);
      return 2;
    }
  if (spawnSync('xmllint', ['--version']).error) {
    console.error('xsd-agreement: xmllint not found (Debian: apt-get install libxml2-utils)');
    return 2;
  }
  const files = findDescriptors(corpus);
  const t0 = performance.now();
  const r = timed('lint', process.execPath, [bin, 'lint', '--format', 'json', '--descriptor-only', ...files], { cwd: corpus, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  const lintSeconds = (performance.now() - t0) / 1000;
  if (r.status !== 0 && r.status !== 1) {
    console.error(`xsd-agreement: lint exited ${r.status}: ${r.stderr}`);
    return 2;
  }
  const lint = new Map(JSON.parse(r.stdout).map((x) => [x.file, x]));
  const t1 = performance.now();
  const xsd = xsdVerdicts(corpus, files);
  const xsdSeconds = (performance.now() - t1) / 1000;
  const reasons = readReasons(reasonsPath);
  const result = compare(files, lint, xsd, reasons);
  const report = formatReport(result, reasons, { date: new Date().toISOString().slice(0, 10), corpus: '../shared/corpus' });
  process.stdout.write(report);
  console.log(
    `(this run: lint ${lintSeconds.toFixed(2)} s wall in one process, node start-up included; xmllint ${xsdSeconds.toFixed(2)} s wall for both schema runs; ratio ${(lintSeconds / xsdSeconds).toFixed(1)}x; ` +
      (cpuSeconds.has('lint') && cpuSeconds.has('xmllint')
        ? `CPU: lint ${cpuSeconds.get('lint').toFixed(2)} s, xmllint ${cpuSeconds.get('xmllint').toFixed(2)} s, ratio ${(cpuSeconds.get('lint') / cpuSeconds.get('xmllint')).toFixed(1)}x; `
        : '') +
      `load average ${loadavg()[0].toFixed(1)} on ${cpus().length} CPUs)`,
  );
  if (markdown) writeFileSync(markdown, report);
  const bad = result.disagreements.filter((d) => d.reasonId === undefined).length + result.stale.length;
  if (bad > 0) console.error(`xsd-agreement: ${bad} unexplained disagreement(s) or stale reason(s): see above`);
  return bad > 0 ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exit(await main(process.argv.slice(2)));
