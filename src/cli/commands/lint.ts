import type { Command } from 'commander';
import type { FormatName } from '../../lint/formatters/index.js';
import { OvfpipeError } from '../../diagnostics/errors.js';
import { collect, EXIT, useColor, type CliIo } from '../io.js';

/** The names of lint/formatters (checked before any work; the formatters load on use). */
const FORMATS = ['stylish', 'json', 'sarif', 'junit'];

export function registerLint(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('lint')
    .description('lint OVF packages (directory, .ova, zip, bare .ovf) and standalone libvirt nwfilter XML, offline')
    .argument('<path...>', 'packages, descriptors or nwfilter .xml files')
    .option('-f, --format <name>', 'stylish | json | sarif | junit', 'stylish')
    .option('--descriptor-only', 'check the descriptor alone: no member presence, no manifest')
    .option('--strict', 'warnings fail too (exit 1)')
    .option('--rule <id=level>', 'set a rule to off | warn | error (repeatable)', collect, [])
    .option('-c, --config <file>', 'lint config file (YAML or JSON)')
    .option('--catalog <file>', 'port profile catalog (YAML) to check profile references against')
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .action(async (paths: string[], opts: { format: string; descriptorOnly?: boolean; strict?: boolean; rule: string[]; config?: string; catalog?: string; output?: string }) => {
      // Loaded on use, so that `ovfpipe --help` and other commands start fast.
      const [{ lintFailed }, { lintFiles }, { loadLintConfig }, { mergeLintConfig, parseRuleOption }, { formatResults }, { allRuleMetas }] = await Promise.all([
        import('../../lint/engine.js'),
        import('../../actions/lint-files.js'),
        import('../../actions/lint-config.js'),
        import('../../lint/config.js'),
        import('../../lint/formatters/index.js'),
        import('../../lint/registry.js'),
      ]);
      if (!FORMATS.includes(opts.format)) throw new OvfpipeError('OVFPIPE_USAGE', `--format '${opts.format}': expected ${FORMATS.join(', ')}`);
      const { checkOutputPaths, writeTextFile } = await import('../../actions/files.js');
      await checkOutputPaths([{ path: opts.output, what: 'lint output' }]);
      const fromFile = await loadLintConfig(opts.config, io.cwd);
      const config = mergeLintConfig(fromFile, { rules: Object.fromEntries(opts.rule.map(parseRuleOption)), strict: opts.strict, catalog: opts.catalog });
      const results = await lintFiles(paths, { descriptorOnly: opts.descriptorOnly, config });
      const text = formatResults(opts.format as FormatName, results, { color: !opts.output && useColor(io), rules: allRuleMetas(), cwd: io.cwd, strict: config.strict });
      if (opts.output) await writeTextFile(opts.output, text, 'lint output');
      else io.stdout.write(text);
      setExit(lintFailed(results, config.strict) ? EXIT.problems : EXIT.ok);
    });
}
