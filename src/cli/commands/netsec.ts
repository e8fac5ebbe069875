import type { Command } from 'commander';
import { collect, EXIT, type CliIo } from '../io.js';

export function registerNetsec(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const netsec = program.command('netsec').description('network security metadata: libvirt filters, port profiles, NIC bindings');
  netsec
    .command('show')
    .description('print the filters, port profiles and bindings a package carries')
    .argument('<pkg>', 'package: directory, .ovf, .ova or zip')
    .option('--json', 'print as JSON')
    .action(async (pkg: string, opts: { json?: boolean }) => {
      const [{ loadDescriptor }, { netsecReport, renderNetsecText }] = await Promise.all([import('../../load-descriptor.js'), import('../../netsec/show.js')]);
      const d = await loadDescriptor(pkg);
      await d.reader.close();
      const report = netsecReport(d.envelope);
      io.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : renderNetsecText(report));
    });
  netsec
    .command('embed')
    .description('write filters, port profiles and bindings into a package (refuses output that would not lint clean for what it adds)')
    .argument('<pkg>', 'package: a .ovf (then OUT is a .ovf) or a directory (then OUT is a directory)')
    .requiredOption('-o, --output <out>', 'where to write the new package')
    .option('--filter <file.xml>', 'a libvirt <filter> document to embed (repeatable)', collect, [])
    .option('--profile <file.yaml>', 'a port profile (YAML) to embed (repeatable)', collect, [])
    .option('--bind <spec>', 'nic=<InstanceID|network>,filter=<name>[,profile=<name>][,PARAM=value]… (repeatable)', collect, [])
    .option('--vs <id>', 'put the metadata inside this VirtualSystem instead of at package level')
    .option('--force', 'overwrite OUT if it exists')
    .action(async (pkg: string, opts: { output: string; filter: string[]; profile: string[]; bind: string[]; vs?: string; force?: boolean }) => {
      const { embedPackage } = await import('../../netsec/embed-package.js');
      const result = await embedPackage({ pkg, out: opts.output, filters: opts.filter, profiles: opts.profile, bindings: opts.bind, virtualSystemId: opts.vs, force: opts.force });
      for (const d of result.refused) io.stderr.write(`${d.file ?? ''}:${d.line}:${d.column}: ${d.severity}: ${d.message} [${d.ruleId}] ${d.locator}\n`);
      if (result.refused.length > 0) {
        io.stderr.write(`ovfpipe: nothing written to ${opts.output}: ${result.refused.length} problem(s) in the inputs or in what they would add\n`);
        setExit(EXIT.problems);
        return;
      }
      io.stdout.write(`wrote ${result.written.join(', ')}\n`);
    });
}
