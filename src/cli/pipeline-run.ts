/** Bodies of plan / apply / destroy FILE / report merge (loaded on use). The work is in src/pipeline/. */
import { readFile, writeFile } from 'node:fs/promises';
import type { Diagnostic } from '../diagnostics.js';
import { hasErrors } from '../diagnostics.js';
import { OvfpipeError } from '../errors.js';
import { mergeReports, reportJson, reportJunit, runFailed, type RunReport, summaryLine, failureLines } from '../deploy/report.js';
import { destroyPipeline, preparePipeline, runPipeline } from '../pipeline/run.js';
import { createProgress } from '../deploy/progress.js';
import type { RenderSettings } from '../render/option-table.js';
import { EXIT, type CliIo } from './io.js';

function printDiagnostics(diags: readonly Diagnostic[], io: CliIo): void {
  for (const d of diags) io.stderr.write(`${d.file ? `${d.file}:${d.line}:${d.column}: ` : ''}${d.severity}: ${d.message} [${d.ruleId}]${d.locator ? ` ${d.locator}` : ''}\n`);
}

export async function planCommand(file: string, o: { offline?: boolean; shard?: { index: number; count: number }; json?: boolean; renderDefaults?: RenderSettings }, io: CliIo, log: (l: string) => void): Promise<number> {
  if (o.offline) {
    const prepared = await preparePipeline({ file, shard: o.shard, renderDefaults: o.renderDefaults });
    printDiagnostics(prepared.diagnostics, io);
    if (!('units' in prepared) || hasErrors(prepared.diagnostics)) return EXIT.problems;
    await prepared.close();
    const hosts = [...prepared.units.entries()].sort().map(([name, units]) => ({
      host: name,
      address: prepared.hosts.get(name)!.address,
      vms: units.flatMap((u) => u.vms.map((v) => ({ name: v.name, tenant: v.tenant, virtualSystem: v.virtualSystem, memoryMiB: Math.ceil(v.memoryKiB / 1024), vcpus: v.vcpus, firmware: v.firmware, configuration: v.configuration }))),
      filters: [...new Set(units.flatMap((u) => u.result.filters.map((f) => f.name)))],
      images: [...new Set(units.flatMap((u) => u.result.disks.map((d) => d.sha256).filter(Boolean)))],
    }));
    if (o.json) io.stdout.write(`${JSON.stringify({ offline: true, hosts }, null, 2)}\n`);
    else
      for (const h of hosts) {
        io.stdout.write(`${h.host} (${h.address}): ${h.vms.length} VM(s), ${h.filters.length} filter(s), ${h.images.length} image(s)\n`);
        for (const v of h.vms) io.stdout.write(`  + ${v.name}  [tenant ${v.tenant}, ${v.memoryMiB} MiB, ${v.vcpus} vCPU, ${v.firmware}${v.configuration ? `, configuration ${v.configuration}` : ''}]\n`);
        for (const f of h.filters) io.stdout.write(`  + nwfilter ${f}\n`);
      }
    return EXIT.ok;
  }
  const r = await runPipeline({ file, shard: o.shard, dryRun: true, log, renderDefaults: o.renderDefaults });
  printDiagnostics(r.diagnostics, io);
  if (hasErrors(r.diagnostics)) return EXIT.problems;
  const hosts = r.plans.map((p) => ({
    host: p.host,
    error: p.error,
    vms: p.plan?.vms.map((v) => ({ name: v.vm.name, action: v.action, reason: v.reason })),
    filters: p.plan?.filters.map((f) => ({ name: f.filter.name, action: f.action })),
    uploads: p.plan?.images.filter((i) => i.upload).map((i) => ({ href: i.href, bytes: i.bytes })),
  }));
  if (o.json) io.stdout.write(`${JSON.stringify({ hosts }, null, 2)}\n`);
  else
    for (const h of hosts) {
      io.stdout.write(`${h.host}${h.error ? `: ERROR ${h.error}` : ''}\n`);
      for (const v of h.vms ?? []) io.stdout.write(`  ${v.action.padEnd(9)} ${v.name}${v.reason ? ` (${v.reason})` : ''}\n`);
      for (const f of h.filters ?? []) io.stdout.write(`  ${f.action.padEnd(9)} nwfilter ${f.name}\n`);
      for (const u of h.uploads ?? []) io.stdout.write(`  upload    ${u.href} (${u.bytes ?? '?'} bytes)\n`);
    }
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
  if (o.report) await writeFile(o.report, reportJson(r.report));
  if (o.junit) await writeFile(o.junit, reportJunit(r.report));
  return runFailed(r.report) ? EXIT.problems : EXIT.ok;
}

export async function destroyCommand(file: string, o: { shard?: string; json?: boolean }, io: CliIo): Promise<number> {
  const m = o.shard ? /^(\d+)\/(\d+)$/.exec(o.shard) : null;
  const r = await destroyPipeline({ file, shard: m ? { index: Number(m[1]), count: Number(m[2]) } : undefined, log: (l) => io.stderr.write(`${l}\n`) });
  printDiagnostics(r.diagnostics, io);
  if (hasErrors(r.diagnostics)) return EXIT.problems;
  if (o.json) io.stdout.write(`${JSON.stringify(r.hosts, null, 2)}\n`);
  return r.hosts.some((h) => h.error) ? EXIT.problems : EXIT.ok;
}

export async function mergeCommand(files: string[], output: string, junit: string | undefined, io: CliIo): Promise<number> {
  const reports: RunReport[] = [];
  for (const f of files) {
    try {
      reports.push(JSON.parse(await readFile(f, 'utf8')) as RunReport);
    } catch (e) {
      throw new OvfpipeError('OVFPIPE_USAGE', `cannot read report ${f}: ${(e as Error).message}`);
    }
  }
  const merged = mergeReports(reports);
  await writeFile(output, reportJson(merged));
  if (junit) await writeFile(junit, reportJunit(merged));
  io.stdout.write(`merged ${files.length} report(s): ${merged.vms.length} VM(s) on ${merged.hosts.length} host(s)\n`);
  return runFailed(merged) ? EXIT.problems : EXIT.ok;
}
