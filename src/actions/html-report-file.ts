/** Writes the HTML run report (deploy/report-html/) to a file, and reads an audit result for its drift section. */
import type { AuditResult } from '../deploy/audit/model.js';
import type { RunReport } from '../deploy/report.js';
import { buildHtmlReport } from '../deploy/report-html/build.js';
import { OvfpipeError } from '../diagnostics/errors.js';
import { readTextFile, writeTextFile, ioReason } from './files.js';

export async function writeHtmlReportFile(file: string, reports: readonly RunReport[], opts: { audit?: AuditResult; sources?: string[] } = {}): Promise<void> {
  await writeTextFile(file, await buildHtmlReport(reports, opts));
}

export async function readAuditFile(file: string): Promise<AuditResult> {
  try {
    const r = JSON.parse(await readTextFile(file, 'audit')) as AuditResult;
    if (!Array.isArray(r.hosts)) throw new Error('no hosts');
    return r;
  } catch (e) {
    throw new OvfpipeError('OVFPIPE_USAGE', `cannot read audit ${file}: ${ioReason(e).replace(/\s+/g, ' ')}`);
  }
}
