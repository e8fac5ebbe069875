/** The audit command's body (loaded on use). Thin: the work is in src/deploy/audit/. */
import { checkOutputPaths, writeTextFile } from '../actions/files.js';
import { loadVarsFile } from '../actions/vars-file.js';
import { hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import { OvfpipeError } from '../diagnostics/errors.js';
import { auditTargets } from '../deploy/audit/audit.js';
import { auditJson, auditJunit, auditSarif, auditText } from '../deploy/audit/format.js';
import { auditClean } from '../deploy/audit/model.js';
import { artifactUri } from '../lint/formatters/sarif.js';
import { packageTargets } from '../deploy/audit/package-targets.js';
import { pipelineTargets } from '../pipeline/audit.js';
import { renderSettings, settingsFromFlags } from '../render/option-table.js';
import type { AuditFlags } from './commands/audit.js';
import { connectorFrom } from './deploy-run.js';
import { parseShard } from './shard.js';
import { EXIT, type CliIo } from './io.js';

function printDiagnostics(diags: readonly Diagnostic[], io: CliIo): void {
  for (const d of diags) io.stderr.write(`${d.file ? `${d.file}:${d.line}:${d.column}: ` : ''}${d.severity}: ${d.message} [${d.ruleId}]\n`);
}

export async function runAudit(input: string, isPipeline: boolean, f: AuditFlags, io: CliIo): Promise<number> {
  const parallel = Number(f.parallel);
  if (!Number.isInteger(parallel) || parallel < 1) throw new OvfpipeError('OVFPIPE_USAGE', `--parallel '${f.parallel}': expected a positive integer`);
  const log = (line: string) => io.stderr.write(`${line}\n`);
  // The outputs are checked before any host is audited: a run must not end by failing to write what it found.
  await checkOutputPaths([
    { path: f.sarif, what: 'SARIF output' },
    { path: f.junit, what: 'JUnit report' },
    { path: f.html, what: 'HTML report' },
  ]);
  let prepared;
  if (isPipeline) prepared = await pipelineTargets({ file: input, shard: parseShard(f.shard, io.env), log });
  else {
    let vars;
    if (f.vars) {
      const r = await loadVarsFile(f.vars, f.tenant ?? '');
      printDiagnostics(r.diagnostics, io);
      if (hasErrors(r.diagnostics)) return EXIT.problems;
      vars = r.vars;
    }
    const connect = connectorFrom(f);
    const { options, configuration } = renderSettings(settingsFromFlags(f as unknown as Record<string, unknown>));
    prepared = await packageTargets({
      pkg: input,
      tenant: f.tenant!,
      vars,
      hosts: f.host,
      options,
      configuration,
      allowOutsideRefs: f.allowOutsideRefs,
      job: { connect, connectUri: f.connect, storageRoot: f.storage, log },
    });
  }
  printDiagnostics(prepared.diagnostics, io);
  if (hasErrors(prepared.diagnostics)) return EXIT.problems;
  try {
    const r = await auditTargets(prepared.targets, { repair: f.repair, parallel, log });
    io.stdout.write(f.json ? auditJson(r) : auditText(r));
    if (f.sarif) await writeTextFile(f.sarif, auditSarif(r, artifactUri(input, io.cwd)), 'SARIF output');
    if (f.junit) await writeTextFile(f.junit, auditJunit(r), 'JUnit report');
    if (f.html) {
      const [{ writeHtmlReportFile }, { auditAsRunReport }] = await Promise.all([import('../actions/html-report-file.js'), import('../deploy/report-html/from-runs.js')]);
      await writeHtmlReportFile(f.html, [auditAsRunReport(r, { pipeline: input })], { audit: r });
    }
    return auditClean(r) ? EXIT.ok : EXIT.problems;
  } finally {
    await prepared.close();
  }
}
