import type { Command } from 'commander';
import { OvfpipeError } from '../../diagnostics/errors.js';
import { addRenderOptions } from '../../render/option-table.js';
import type { HostFlags } from '../deploy-run.js';
import type { CliIo } from '../io.js';
import { hostOptions } from './deploy.js';

export interface AuditFlags extends HostFlags {
  tenant?: string;
  vars?: string;
  shard?: string;
  repair?: boolean;
  allowOutsideRefs?: boolean;
  json?: boolean;
  sarif?: string;
  junit?: string;
  html?: string;
  parallel: string;
}

export function registerAudit(program: Command, io: CliIo, setExit: (code: number) => void): void {
  // A package is audited against what deploy rendered: the same render options (the desired-state digest depends on them).
  addRenderOptions(
    hostOptions(
      program
        .command('audit')
        .description(
          "prove, read-only, that each VM's network security profile is in force on its host: domain, filters, nwfilter bindings of running interfaces, " +
            'and the ebtables/iptables rules libvirt instantiated; --repair puts back what drifted, only what ovfpipe owns (docs/audit.md)',
        )
        .argument('<pipeline.yaml|pkg>', 'pipeline file, or package (then --host and --tenant; a pipeline uses its inventory)'),
      false,
    )
      .option('--vars <file>', 'package: vars YAML')
      .option('--shard <i/n|auto>', 'pipeline: only this shard of the hosts (auto: from GitLab CI_NODE_INDEX/CI_NODE_TOTAL or a Kubernetes Indexed Job)')
      .option('--repair', 'redefine drifted filters, re-create bindings, re-apply domains (only what ovfpipe owns), then audit again')
      .option('--json', 'print the result as JSON')
      .option('--sarif <file>', 'write the drift as SARIF 2.1.0')
      .option('--junit <file>', 'write the audit as JUnit XML')
      .option('--html <file>', 'write the audit as a self-contained HTML page (VMs per host, drift per VM and whether it was repaired)')
      .option('--parallel <n>', 'hosts audited at once', '8')
      .option('--allow-outside-refs', "read References files outside the package's folder (hrefs with .., absolute paths, links that lead out); refused without it"),
  )
    .addHelpText('after', '\nExit codes: 0 every VM proven in force; 1 drift, or a host unreachable, or rules that cannot be verified; 2 usage.\n')
    .action(async (input: string, f: AuditFlags) => {
      const isPipeline = /\.ya?ml$/i.test(input);
      if (!isPipeline && (f.host.length === 0 || !f.tenant)) throw new OvfpipeError('OVFPIPE_USAGE', 'audit PKG needs --host and --tenant');
      const { runAudit } = await import('../audit-run.js');
      setExit(await runAudit(input, isPipeline, f, io));
    });
}
