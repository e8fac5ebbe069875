import type { Command } from 'commander';
import type { InspectReport } from '../../actions/inspect.js';
import { EXIT, type CliIo } from '../io.js';

export function registerInspect(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('inspect')
    .description('show what a package holds: members, virtual systems, hardware, networks, properties')
    .argument('<pkg>', 'package: directory, .ovf, .ova or zip')
    .option('--json', 'print the report as JSON')
    .action(async (pkg: string, opts: { json?: boolean }) => {
      const { inspectPackage } = await import('../../actions/inspect.js');
      const report = await inspectPackage(pkg);
      io.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : renderText(report));
      setExit(report.problems.some((d) => d.severity === 'error') ? EXIT.problems : EXIT.ok);
    });
}

function renderText(r: InspectReport): string {
  const lines: string[] = [`${r.path}: ${r.kind} package, descriptor ${r.descriptor ?? '(none)'}`];
  for (const m of r.members) lines.push(`  member ${m.name} (${m.size} bytes)`);
  for (const p of r.problems) lines.push(`  ${p.severity}: ${p.message} [${p.ruleId}]`);
  const e = r.envelope;
  if (e) {
    lines.push(`OVF ${e.ovfVersion}`);
    for (const n of e.networks) lines.push(`  network ${n.name}`);
    for (const d of e.disks) lines.push(`  disk ${d.diskId}: ${d.capacityBytes ?? d.capacity} bytes${d.fileRef ? `, file ${d.fileRef}` : ''}`);
    for (const c of e.configurations) lines.push(`  configuration ${c.id}${c.default ? ' (default)' : ''}`);
    for (const vs of e.virtualSystems) {
      const mem = vs.memoryBytes !== undefined ? `${vs.memoryBytes / 2 ** 20} MiB` : '?';
      const config = vs.configuration ? ` (configuration ${vs.configuration})` : '';
      lines.push(`  VirtualSystem ${vs.path}: ${vs.cpus ?? '?'} vCPU, ${mem}, ${vs.nics.length} NIC, ${vs.disks.length} drives, firmware ${vs.firmware ?? 'bios'}${config}`);
      for (const o of vs.otherConfigurations ?? [])
        lines.push(`    configuration ${o.configuration}: ${o.cpus ?? '?'} vCPU, ${o.memoryBytes !== undefined ? `${o.memoryBytes / 2 ** 20} MiB` : '?'}, ${o.nics} NIC, ${o.disks} drives`);
      for (const n of vs.nics) lines.push(`    nic ${n.instanceId} → ${n.network ?? '(none)'} ${n.model ?? ''}`.trimEnd());
      for (const p of vs.properties) lines.push(`    property ${p.class ? `${p.class}.` : ''}${p.key}: ${p.type}${p.default !== undefined ? ` = ${p.default}` : ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
