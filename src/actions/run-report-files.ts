/** Writes a run report as JSON and JUnit files, and reads shard reports back (`report merge`). */
import { OvfpipeError } from '../diagnostics/errors.js';
import { reportJson, reportJunit, type RunReport } from '../deploy/report.js';
import { readTextFile, writeTextFile } from './files.js';

export async function writeRunReportFiles(report: RunReport, to: { report?: string; junit?: string }): Promise<void> {
  if (to.report) await writeTextFile(to.report, reportJson(report), 'report');
  if (to.junit) await writeTextFile(to.junit, reportJunit(report), 'JUnit report');
}

/** The reports of `files`; an unreadable or malformed one is a usage error naming it. */
export async function readRunReports(files: readonly string[]): Promise<RunReport[]> {
  const reports: RunReport[] = [];
  for (const f of files) {
    const text = await readTextFile(f, 'report');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new OvfpipeError('OVFPIPE_USAGE', `cannot read report ${f}: not JSON (${(e as Error).message.replace(/\s+/g, ' ')})`, { where: f });
    }
    const problem = notARunReport(parsed);
    if (problem) throw new OvfpipeError('OVFPIPE_USAGE', `${f} is not an ovfpipe run report (apply --report, report merge -o): ${problem}`, { where: f });
    reports.push(parsed as RunReport);
  }
  return reports;
}

/** Why `x` is not a run report, or undefined: the fields merge and the HTML page read must have their shapes. */
export function notARunReport(x: unknown): string | undefined {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return 'expected a JSON object';
  const r = x as Record<string, unknown>;
  if (!Array.isArray(r['vms'])) return "no 'vms' array";
  if (!Array.isArray(r['hosts'])) return "no 'hosts' array";
  if (typeof r['bytesUploaded'] !== 'number') return "no 'bytesUploaded' number";
  const badVm = r['vms'].findIndex(
    (v) => typeof v !== 'object' || v === null || typeof (v as Record<string, unknown>)['name'] !== 'string' || typeof (v as Record<string, unknown>)['status'] !== 'string',
  );
  if (badVm >= 0) return `vms[${badVm}] is not a VM outcome (name, status)`;
  const badHost = r['hosts'].findIndex(
    (h) => typeof h !== 'object' || h === null || typeof (h as Record<string, unknown>)['host'] !== 'string' || typeof (h as Record<string, unknown>)['status'] !== 'string',
  );
  if (badHost >= 0) return `hosts[${badHost}] is not a host entry (host, status)`;
  return undefined;
}
