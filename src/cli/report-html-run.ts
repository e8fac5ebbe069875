/** `report html` and the `--html FILE` of apply, plan and audit (loaded on use). The page is built in src/report-html/. */
import { readFile, writeFile } from 'node:fs/promises';
import type { AuditResult } from '../deploy/audit/model.js';
import type { RunReport } from '../deploy/report.js';
import { OvfpipeError } from '../errors.js';
import { buildHtmlReport } from '../report-html/build.js';
import { EXIT, type CliIo } from './io.js';

async function readJson<T>(file: string, what: string): Promise<T> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (e) {
    throw new OvfpipeError('OVFPIPE_USAGE', `cannot read ${what} ${file}: ${(e as Error).message}`);
  }
}

export async function writeHtmlReport(file: string, reports: readonly RunReport[], opts: { audit?: AuditResult; sources?: string[] } = {}): Promise<void> {
  await writeFile(file, await buildHtmlReport(reports, opts));
}

export async function reportHtmlCommand(files: string[], o: { output: string; audit?: string }, io: CliIo): Promise<number> {
  const reports: RunReport[] = [];
  for (const f of files) {
    const r = await readJson<RunReport>(f, 'report');
    if (!Array.isArray(r.vms) || !Array.isArray(r.hosts)) throw new OvfpipeError('OVFPIPE_USAGE', `${f} is not an ovfpipe run report (no vms/hosts)`);
    reports.push(r);
  }
  const audit = o.audit ? await readJson<AuditResult>(o.audit, 'audit') : undefined;
  const started = Date.now();
  await writeHtmlReport(o.output, reports, { audit, sources: files });
  io.stdout.write(`wrote ${o.output} (${reports.length} report(s), ${reports.reduce((n, r) => n + r.vms.length, 0)} VM(s)) in ${Date.now() - started} ms\n`);
  return EXIT.ok;
}
