/** Writes a run report as JSON and JUnit files, and reads shard reports back (`report merge`). */
import { OvfpipeError } from '../diagnostics/errors.js';
import { reportJson, reportJunit, type RunReport } from '../deploy/report.js';
import { readTextFile, writeTextFile } from './files.js';

export async function writeRunReportFiles(report: RunReport, to: { report?: string; junit?: string }): Promise<void> {
  if (to.report) await writeTextFile(to.report, reportJson(report));
  if (to.junit) await writeTextFile(to.junit, reportJunit(report));
}

/** The reports of `files`; an unreadable or malformed one is a usage error naming it. */
export async function readRunReports(files: readonly string[]): Promise<RunReport[]> {
  const reports: RunReport[] = [];
  for (const f of files) {
    try {
      reports.push(JSON.parse(await readTextFile(f)) as RunReport);
    } catch (e) {
      throw new OvfpipeError('OVFPIPE_USAGE', `cannot read report ${f}: ${(e as Error).message}`);
    }
  }
  return reports;
}
