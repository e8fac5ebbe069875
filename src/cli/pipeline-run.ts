/** Bodies of plan / apply / destroy FILE / report merge (loaded on use). The work is in src/pipeline/. */
import { readRunReports, writeRunReportFiles } from '../actions/run-report-files.js';
import { hasErrors } from '../diagnostics/diagnostic.js';
import { failureLines, mergeReports, reportJson, runFailed, summaryLine, type RunCheck, type RunReport } from '../deploy/report.js';
import { checkOutputPaths } from '../actions/files.js';
import { hostPlans, hostPlansText, offlinePlan, offlinePlanText } from '../pipeline/plan-text.js';
import { destroyPipeline, preparePipeline, runPipeline } from '../pipeline/run.js';
import { createProgress } from '../deploy/progress.js';
import type { RenderSettings } from '../render/option-table.js';
import type { DiskMode } from '../deploy/deploy.js';
import { parseShard } from './shard.js';
import { EXIT, printDiagnostics, type CliIo } from './io.js';
import { planAsRunReport } from '../deploy/report-html/from-runs.js';
import { VERSION } from '../version.js';

async function writeHtml(file: string, reports: RunReport[]): Promise<void> {
  const { writeHtmlReportFile } = await import('../actions/html-report-file.js');
  await writeHtmlReportFile(file, reports);
}

function shardName(shard: { index: number; count: number } | undefined): { shard?: string } {
  return shard ? { shard: `${shard.index}/${shard.count}` } : {};
}

export async function planCommand(
  file: string,
  o: { offline?: boolean; shard?: { index: number; count: number }; json?: boolean; html?: string; renderDefaults?: RenderSettings; diskMode?: DiskMode },
  io: CliIo,
  log: (l: string) => void,
): Promise<number> {
  await checkOutputPaths([{ path: o.html, what: 'HTML report' }]);
  if (o.offline) {
    const prepared = await preparePipeline({ file, env: io.env, shard: o.shard, renderDefaults: o.renderDefaults, ...(o.diskMode ? { diskMode: o.diskMode } : {}) });
    printDiagnostics(prepared.diagnostics, io);
    if (!('units' in prepared) || hasErrors(prepared.diagnostics)) {
      await stoppedEvidence(file, o, prepared.checks, io);
      return EXIT.problems;
    }
    await prepared.close();
    const hosts = offlinePlan(prepared);
    if (o.html)
      await writeHtml(o.html, [
        planAsRunReport(
          hosts.flatMap((h) => h.vms.map((v) => ({ name: v.name, host: h.address, tenant: v.tenant, action: 'planned' }))),
          new Map(hosts.map((h) => [h.address, undefined])),
          { pipeline: file, ...shardName(o.shard), version: VERSION, placement: prepared.placementEntries, security: prepared.security },
        ),
      ]);
    io.stdout.write(o.json ? `${JSON.stringify({ offline: true, hosts }, null, 2)}\n` : offlinePlanText(hosts));
    return EXIT.ok;
  }
  const r = await runPipeline({ file, env: io.env, shard: o.shard, dryRun: true, log, renderDefaults: o.renderDefaults, ...(o.diskMode ? { diskMode: o.diskMode } : {}) });
  printDiagnostics(r.diagnostics, io);
  if (hasErrors(r.diagnostics)) {
    await stoppedEvidence(file, o, r.report.checks ?? [], io, r.report);
    return EXIT.problems;
  }
  if (o.html)
    await writeHtml(o.html, [
      planAsRunReport(
        r.plans.flatMap((p) => (p.plan?.vms ?? []).map((v) => ({ name: v.vm.name, host: p.host, tenant: v.vm.tenant, action: v.action, reason: v.reason }))),
        new Map(r.plans.map((p) => [p.host, p.error])),
        { pipeline: file, ...shardName(o.shard), version: VERSION, placement: r.report.placement, security: r.report.security },
      ),
    ]);
  const hosts = hostPlans(r.plans);
  io.stdout.write(o.json ? `${JSON.stringify({ hosts }, null, 2)}\n` : hostPlansText(hosts));
  // A host apply would stop at (unreachable, or preflight problems) makes the plan fail too.
  return hosts.some((h) => h.error || h.problems) ? EXIT.problems : EXIT.ok;
}

export async function applyCommand(
  file: string,
  o: { shard?: { index: number; count: number }; report?: string; junit?: string; json?: boolean; html?: string; renderDefaults?: RenderSettings; diskMode?: DiskMode },
  io: CliIo,
  plainLog: (l: string) => void,
): Promise<number> {
  // Where the evidence goes is checked first: a run must not deploy and then fail to write its report.
  await checkOutputPaths([
    { path: o.report, what: 'report' },
    { path: o.junit, what: 'JUnit report' },
    { path: o.html, what: 'HTML report' },
  ]);
  const progress = createProgress(io.stderr);
  const log = io.stderr.isTTY ? (l: string) => progress.log(l) : plainLog;
  const r = await runPipeline({
    file,
    env: io.env,
    shard: o.shard,
    dryRun: false,
    log,
    progress,
    renderDefaults: o.renderDefaults,
    ...(o.diskMode ? { diskMode: o.diskMode } : {}),
    ...(io.signal ? { signal: io.signal } : {}),
  }).finally(() => progress.stop());
  printDiagnostics(r.diagnostics, io);
  // Reports are written on red as on green: a run the local stages stopped says which package or VM, and why.
  const stopped = hasErrors(r.diagnostics);
  if (stopped) log(stoppedLine(r.report.checks ?? []));
  else {
    for (const line of failureLines(r.report)) log(line);
    log(summaryLine(r.report));
  }
  if (o.json) io.stdout.write(reportJson(r.report));
  await writeRunReportFiles(r.report, o);
  if (o.html) await writeHtml(o.html, [r.report]);
  return stopped || runFailed(r.report) ? EXIT.problems : EXIT.ok;
}

/** `stopped before deploy; failed: lint of package web, render of VM acme-www` */
function stoppedLine(checks: readonly RunCheck[]): string {
  const failed = checks.filter((c) => c.status === 'failed').map((c) => (c.kind === 'pipeline' ? `pipeline file ${c.name}` : `${c.stage} of ${c.kind === 'vm' ? 'VM' : 'package'} ${c.name}`));
  return `stopped before deploy; failed: ${failed.join(', ') || 'see the errors above'}`;
}

/** plan's evidence of a run its local stages stopped: the checks as JSON (--json) and the HTML page (--html). */
async function stoppedEvidence(file: string, o: { json?: boolean; html?: string; shard?: { index: number; count: number } }, checks: RunCheck[], io: CliIo, report?: RunReport): Promise<void> {
  io.stderr.write(`${stoppedLine(checks)}\n`);
  const r: RunReport = report ?? { checks, vms: [], hosts: [], bytesUploaded: 0, pipeline: file, ...shardName(o.shard), version: VERSION };
  if (o.json) io.stdout.write(`${JSON.stringify({ hosts: [], checks }, null, 2)}\n`);
  if (o.html) await writeHtml(o.html, [r]);
}

export async function destroyCommand(file: string, o: { shard?: string; json?: boolean }, io: CliIo): Promise<number> {
  const r = await destroyPipeline({ file, env: io.env, shard: parseShard(o.shard, io.env), log: (l) => io.stderr.write(`${l}\n`) });
  printDiagnostics(r.diagnostics, io);
  if (hasErrors(r.diagnostics)) return EXIT.problems;
  if (o.json) io.stdout.write(`${JSON.stringify(r.hosts, null, 2)}\n`);
  return r.hosts.some((h) => h.error) ? EXIT.problems : EXIT.ok;
}

export async function mergeCommand(files: string[], output: string, junit: string | undefined, io: CliIo): Promise<number> {
  await checkOutputPaths([
    { path: output, what: 'merged report' },
    { path: junit, what: 'JUnit report' },
  ]);
  const reports = await readRunReports(files);
  const merged = mergeReports(reports);
  await writeRunReportFiles(merged, { report: output, junit });
  io.stdout.write(`merged ${files.length} report(s): ${merged.vms.length} VM(s) on ${merged.hosts.length} host(s)\n`);
  return runFailed(merged) ? EXIT.problems : EXIT.ok;
}
