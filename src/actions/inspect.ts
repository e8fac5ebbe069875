/** `inspect`: what a package holds, as data. */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { loadFailure } from './lint-files.js';
import { summarizeEnvelope, type EnvelopeSummary } from '../ovf/summary.js';
import { outsideReferenceDiagnostics, readDescriptor } from '../package/open-descriptor.js';
import { openPackage } from '../package/open.js';
import type { PackageKind } from '../package/reader.js';
import { isOvfpipeError } from '../diagnostics/errors.js';
import { addConfigurationHardware } from './inspect-hardware.js';

export interface InspectReport {
  path: string;
  kind?: PackageKind;
  descriptor?: string;
  members: Array<{ name: string; size: number }>;
  envelope?: EnvelopeSummary;
  problems: Diagnostic[];
}

export async function inspectPackage(path: string): Promise<InspectReport> {
  const report: InspectReport = { path, members: [], problems: [] };
  let reader;
  try {
    reader = await openPackage(path);
  } catch (e) {
    if (isOvfpipeError(e) && e.code === 'OVFPIPE_IO') throw e;
    report.problems.push(loadFailure(path, e));
    return report;
  }
  try {
    report.kind = reader.kind;
    report.descriptor = reader.descriptorName;
    // A bare descriptor's members are known once its References are read.
    const parsed = await readDescriptor(reader, { path });
    report.members = reader.list().map((m) => ({ name: m.name, size: m.size }));
    report.problems.push(...parsed.diagnostics);
    // inspect reads no References file, so one outside the folder is only worth knowing about here.
    if (parsed.descriptorName !== undefined)
      report.problems.push(...outsideReferenceDiagnostics(parsed.outside, parsed.envelope, parsed.descriptorName).map((d) => ({ ...d, severity: 'warning' as const })));
    if (parsed.envelope) {
      report.envelope = summarizeEnvelope(parsed.envelope);
      addConfigurationHardware(parsed.envelope, report.envelope);
    }
  } catch (e) {
    report.problems.push(loadFailure(path, e));
  } finally {
    await reader.close();
  }
  return report;
}
