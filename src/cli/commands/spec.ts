import type { Command } from 'commander';
import type { CliIo } from '../io.js';

export function registerSpec(program: Command, io: CliIo): void {
  program
    .command('spec')
    .description('print an editable YAML vars template: every macro and property the package needs, with type and default')
    .argument('<pkg>', 'package: directory, .ovf, .ova or zip')
    .option('--json', 'print the entries as JSON instead')
    .action(async (pkg: string, opts: { json?: boolean }) => {
      const [{ loadDescriptor }, { collectSpec, renderSpecYaml, generatedMacrosUsed }] = await Promise.all([import('../../package/open-descriptor.js'), import('../../render/spec.js')]);
      const d = await loadDescriptor(pkg, { outsideRefs: 'ignore' });
      await d.reader.close();
      const entries = collectSpec(d.envelope);
      io.stdout.write(opts.json ? `${JSON.stringify(entries, null, 2)}\n` : renderSpecYaml(pkg, entries, generatedMacrosUsed(d.envelope)));
    });
}
