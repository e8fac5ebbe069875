/** Bodies of plan / apply / destroy FILE / report merge (loaded on use). The work is in src/pipeline/. */
import { readRunReports, writeRunReportFiles } from '../actions/run-report-files.js';
import { hasErrors } from '../diagnostics/diagnostic.js';
import { failureLines, mergeReports, reportJson, runFailed, summaryLine } from '../deploy/report.js';
import { hostPlans, hostPlansText, offlinePlan, offlinePlanText } from '../pipeline/plan-text.js';
import { destroyPipeline, preparePipeline, runPipeline } from '../pipeline/run.js';
import { createProgress } from '../deploy/progress.js';
import type { RenderSettings } from '../render/option-table.js';
import { parseShard } from './shard.js';
import { EXIT, printDiagnostics, type CliIo } from './io.js';

export async function planCommand(file: string, o: { offline?: boolean; shard?: { index: number; count: number }; json?: boolean; renderDefaults?: RenderSettings }, io: CliIo, log: (l: string) => void): Promise<number> {
  if (o.offline) {
    const prepared = await preparePipeline({ file, shard: o.shard, renderDefaults: o.renderDefaults });
    printDiagnostics(prepared.diagnostics, io);
    if (!('units' in prepared) || hasErrors(prepared.diagnostics)) return EXIT.problems;
    await prepared.close();
    const hosts = offlinePlan(prepared);
    io.stdout.write(o.json ? `${JSON.stringify({ offline: true, hosts }, null, 2)}\n` : offlinePlanText(hosts));
    return EXIT.ok;
  }
  const r = await runPipeline({ file, shard: o.shard, dryRun: true, log, renderDefaults: o.renderDefaults });
  printDiagnostics(r.diagnostics, io);
  if (hasErrors(r.diagnostics)) return EXIT.problems;
  const hosts = hostPlans(r.plans);
  io.stdout.write(o.json ? `${JSON.stringify({ hosts }, null, 2)}\n` : hostPlansText(hosts));
  return hosts.some((h) => h.error) ? EXIT.problems : EXIT.ok;
}

export async function applyCommand(file: string, o: { shard?: { index: number; count: number }; report?: string; junit?: string; json?: boolean; renderDefaults?: RenderSettings }, io: CliIo, plainLog: (l: string) => void): Promise<number> {
  const progress = createProgress(io.stderr);
  const log = io.stderr.isTTY ? (l: string) => progress.log(l) : plainLog;
  const r = await runPipeline({ file, shard: o.shard, dryRun: false, log, progress, renderDefaults: o.renderDefaults, ...(io.signal ? { signal: io.signal } : {}) }).finally(() => progress.stop());
  printDiagnostics(r.diagnostics, io);
  if (hasErrors(r.diagnostics)) return EXIT.problems;
  for (const line of failureLines(r.report)) log(line);
  log(summaryLine(r.report));
  if (o.json) io.stdout.write(reportJson(r.report));
  await writeRunReportFiles(r.report, o);
  return runFailed(r.report) ? EXIT.problems : EXIT.ok;
}

export async function destroyCommand(file: string, o: { shard?: string; json?: boolean }, io: CliIo): Promise<number> {
  const r = await destroyPipeline({ file, shard: parseShard(o.shard), log: (l) => io.stderr.write(`${l}\n`) });
  printDiagnostics(r.diagnostics, io);
  if (hasErrors(r.diagnostics)) return EXIT.problems;
  if (o.json) io.stdout.write(`${JSON.stringify(r.hosts, null, 2)}\n`);
  return r.hosts.some((h) => h.error) ? EXIT.problems : EXIT.ok;
}

export async function mergeCommand(files: string[], output: string, junit: string | undefined, io: CliIo): Promise<number> {
  const reports = await readRunReports(files);
  const merged = mergeReports(reports);
  await writeRunReportFiles(merged, { report: output, junit });
  io.stdout.write(`merged ${files.length} report(s): ${merged.vms.length} VM(s) on ${merged.hosts.length} host(s)\n`);
  return runFailed(merged) ? EXIT.problems : EXIT.ok;
}
