import type { Command } from 'commander';
import { OvfpipeError } from '../../diagnostics/errors.js';
import { addRenderOptions } from '../../render/option-table.js';
import type { DeployFlags } from '../deploy-run.js';
import { collect, EXIT, type CliIo } from '../io.js';
import { DISK_MODE_HELP } from '../disk-mode.js';

/** --host, --tenant and the SSH/libvirt flags; `required` false where a pipeline file may stand instead (destroy, audit). */
export function hostOptions(c: Command, required = true): Command {
  const opt = (flags: string, text: string, fn?: (v: string, p: string[]) => string[], dflt?: string[]) =>
    required ? c.requiredOption(flags, text, fn as never, dflt as never) : c.option(flags, text, fn as never, dflt as never);
  // No default list where the flag is required: commander counts a default as given, and an empty host list is not a deploy.
  opt('--host <ssh://user@host[:port]>', 'target host: ssh URL or ~/.ssh/config alias (repeatable; VMs are placed round-robin)', collect, required ? undefined : []);
  opt('-t, --tenant <name>', 'tenant');
  return c
    .option('-i, --identity <key>', 'private key file (default: ssh-agent via SSH_AUTH_SOCK, or IdentityFile from ssh config)')
    .option('--known-hosts <file>', 'known_hosts to check host keys against (default ~/.ssh/known_hosts); unknown or changed keys are refused')
    .option('--fingerprint <SHA256:...>', 'pin the host key fingerprint instead of known_hosts')
    .option('--ssh-config <file>', 'ssh config file for host aliases (default ~/.ssh/config)')
    .option('--connect <uri>', 'libvirt URI on the host', 'qemu:///system')
    .option('--storage <dir>', 'storage root on the hosts', '/var/lib/ovfpipe');
}

export function registerDeploy(program: Command, io: CliIo, setExit: (code: number) => void): void {
  addRenderOptions(hostOptions(program.command('deploy').description('upload, verify, define filters and domains on KVM hosts over SSH; idempotent').argument('<pkg>', 'package')))
    .option('--vars <file>', 'vars YAML, as for render (a name, VM or NIC the package does not use is an error; nothing is deployed)')
    .option('--start', 'start and autostart the domains')
    .option('--force', 'replace domains and filters ovfpipe did not create (never by default)')
    .option('--json', 'print the run report as JSON on stdout')
    .option('--report <file>', 'write the run report as JSON to a file')
    .option('--junit <file>', 'write the run report as JUnit XML')
    .option('--html <file>', 'write the run report as a self-contained HTML page (timeline, VMs, placement, filter graph)')
    .option('--parallel <n>', 'hosts worked on at once (global limit)', '8')
    .option('--per-host <n>', 'VMs worked on at once on one host', '1')
    .option('--dry-run', 'gather facts and print the plan; change nothing')
    .option('--allow-outside-refs', "read References files outside the package's folder (hrefs with .., absolute paths, links that lead out); refused without it")
    .option('--disk-mode <mode>', DISK_MODE_HELP, 'convert')
    .action(async (pkg: string, f: DeployFlags) => {
      const { runDeploy } = await import('../deploy-run.js');
      const code = await runDeploy(pkg, f, io);
      setExit(code);
    });
  hostOptions(
    program
      .command('destroy')
      .description("remove what ovfpipe created, and nothing else: for a pipeline file, everything it owns; for a package, the tenant's domains, overlays and filters (needs --host and --tenant)")
      .argument('<pkg|pipeline.yaml>', 'package, or pipeline file'),
    false,
  )
    .option('--vars <file>', 'vars YAML (for domain names set in vars)')
    .option('--shard <i/n|auto>', 'pipeline: only this shard of the hosts (auto: from GitLab CI_NODE_INDEX/CI_NODE_TOTAL or a Kubernetes Indexed Job)')
    .option('--json', 'print the report as JSON')
    .action(async (pkg: string, f: DeployFlags & { shard?: string }) => {
      if (/\.ya?ml$/i.test(pkg)) {
        const { destroyCommand } = await import('../pipeline-run.js');
        setExit(await destroyCommand(pkg, f, io));
        return;
      }
      if (f.host.length === 0 || !f.tenant) throw new OvfpipeError('OVFPIPE_USAGE', 'destroy PKG needs --host and --tenant');
      const { runDestroy } = await import('../deploy-run.js');
      setExit(await runDestroy(pkg, f, io));
    });
  const hosts = program.command('hosts').description('inspect KVM hosts');
  hosts
    .command('probe')
    .description("report each host's capabilities: libvirt and qemu-img versions, KVM, free space, bridges, networks, filters, lldpad")
    .requiredOption('--host <ssh://user@host[:port]>', 'host (repeatable)', collect)
    .option('-i, --identity <key>', 'private key file')
    .option('--known-hosts <file>', 'known_hosts file')
    .option('--fingerprint <SHA256:...>', 'pinned host key fingerprint')
    .option('--ssh-config <file>', 'ssh config file')
    .option('--connect <uri>', 'libvirt URI', 'qemu:///system')
    .option('--storage <dir>', 'storage root', '/var/lib/ovfpipe')
    .option('--json', 'print as JSON')
    .action(async (f: DeployFlags) => {
      const { runProbe } = await import('../deploy-run.js');
      setExit(await runProbe(f, io));
    });
}

export { EXIT };
