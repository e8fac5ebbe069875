/** `report html` (loaded on use). The page is built in src/deploy/report-html/ and written by actions/. */
import { readAuditFile, writeHtmlReportFile } from '../actions/html-report-file.js';
import { readRunReports } from '../actions/run-report-files.js';
import { checkOutputPaths } from '../actions/files.js';
import { EXIT, type CliIo } from './io.js';

export async function reportHtmlCommand(files: string[], o: { output: string; audit?: string }, io: CliIo): Promise<number> {
  await checkOutputPaths([{ path: o.output, what: 'HTML report' }]);
  // readRunReports refuses a file that is not a run report, naming it.
  const reports = await readRunReports(files);
  const audit = o.audit ? await readAuditFile(o.audit) : undefined;
  const started = Date.now();
  await writeHtmlReportFile(o.output, reports, { audit, sources: files });
  io.stdout.write(`wrote ${o.output} (${reports.length} report(s), ${reports.reduce((n, r) => n + r.vms.length, 0)} VM(s)) in ${Date.now() - started} ms\n`);
  return EXIT.ok;
}
