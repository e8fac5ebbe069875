/** `netsec graph` (loaded on use): the package's filter tree and NIC bindings, resolved for a tenant when one is given. */
import { loadVarsFile } from '../actions/vars-file.js';
import { hasErrors } from '../diagnostics/diagnostic.js';
import { securityOf } from '../deploy/report-security.js';
import { OvfpipeError } from '../diagnostics/errors.js';
import { loadDescriptor } from '../package/open-descriptor.js';
import { packageGraph, toDot, toMermaid, type FilterGraph } from '../netsec/graph.js';
import { dotToSvg } from '../netsec/graph-svg.js';
import { netsecReport } from '../netsec/show.js';
import { renderOptions } from '../render/options.js';
import { renderPackage } from '../render/render-package.js';
import { tenantGraph } from '../deploy/report-html/build.js';
import { lastPathSegment } from '../strings.js';
import { EXIT, type CliIo } from './io.js';

export interface GraphFlags {
  tenant?: string;
  vars?: string;
  format: string;
}

export async function netsecGraphCommand(pkg: string, f: GraphFlags, io: CliIo): Promise<number> {
  if (!['dot', 'mermaid', 'svg'].includes(f.format)) throw new OvfpipeError('OVFPIPE_USAGE', `--format '${f.format}': expected dot, mermaid or svg`);
  if (f.vars && !f.tenant) throw new OvfpipeError('OVFPIPE_USAGE', '--vars needs --tenant');
  const d = await loadDescriptor(pkg, { outsideRefs: 'ignore' });
  await d.reader.close();
  let graph: FilterGraph;
  if (f.tenant) {
    let vars;
    if (f.vars) {
      const parsed = await loadVarsFile(f.vars, f.tenant);
      vars = parsed.vars;
      if (hasErrors(parsed.diagnostics)) return printProblems(parsed.diagnostics, io);
    }
    const result = renderPackage({ envelope: d.envelope, packageName: lastPathSegment(pkg), tenant: f.tenant, vars, storageRoot: '/var/lib/ovfpipe', options: renderOptions(), digests: new Map() });
    if (hasErrors(result.diagnostics)) return printProblems(result.diagnostics, io);
    graph = tenantGraph(securityOf([result])[0] ?? { tenant: f.tenant, filters: [], nics: [] });
  } else graph = packageGraph(netsecReport(d.envelope), `package ${lastPathSegment(pkg)}`);
  const dot = toDot(graph);
  io.stdout.write(f.format === 'dot' ? dot : f.format === 'mermaid' ? toMermaid(graph) : `${await dotToSvg(dot)}\n`);
  return EXIT.ok;
}

function printProblems(diags: ReadonlyArray<{ severity: string; message: string; ruleId: string; file?: string; line?: number; column?: number }>, io: CliIo): number {
  for (const x of diags) if (x.severity === 'error') io.stderr.write(`${x.file ? `${x.file}:${x.line ?? 0}:${x.column ?? 0}: ` : ''}${x.severity}: ${x.message} [${x.ruleId}]\n`);
  return EXIT.problems;
}
