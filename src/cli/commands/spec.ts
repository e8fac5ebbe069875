import type { Command } from 'commander';
import type { CliIo } from '../io.js';

export function registerSpec(program: Command, io: CliIo): void {
  program
    .command('spec')
    .description('print an editable YAML vars template (for render --vars): every macro and property the package needs, with type and default; one vms: block per VirtualSystem when there are several')
    .argument('<pkg>', 'package: directory, .ovf, .ova or zip')
    .option('--json', 'print the entries as JSON instead (each with the VirtualSystems that use it)')
    .action(async (pkg: string, opts: { json?: boolean }) => {
      const [{ loadDescriptor }, { collectSpec, renderSpecYaml }] = await Promise.all([import('../../package/open-descriptor.js'), import('../../render/spec.js')]);
      const d = await loadDescriptor(pkg, { outsideRefs: 'ignore' });
      await d.reader.close();
      io.stdout.write(opts.json ? `${JSON.stringify(collectSpec(d.envelope), null, 2)}\n` : renderSpecYaml(pkg, d.envelope));
    });
}
