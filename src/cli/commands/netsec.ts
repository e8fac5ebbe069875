import type { Command } from 'commander';
import type { SyncFlags } from '../netsec-sync.js';
import { OvfpipeError } from '../../diagnostics/errors.js';
import { collect, EXIT, printDiagnostics, type CliIo } from '../io.js';

export function registerNetsec(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const netsec = program.command('netsec').description('network security metadata: libvirt filters, port profiles, NIC bindings');
  netsec
    .command('show')
    .description('print the filters, port profiles and bindings a package carries')
    .argument('<pkg>', 'package: directory, .ovf, .ova or zip')
    .option('--json', 'print as JSON')
    .action(async (pkg: string, opts: { json?: boolean }) => {
      const [{ loadDescriptor }, { netsecReport, renderNetsecText }] = await Promise.all([import('../../package/open-descriptor.js'), import('../../netsec/show.js')]);
      const d = await loadDescriptor(pkg, { outsideRefs: 'ignore' });
      await d.reader.close();
      const report = netsecReport(d.envelope);
      io.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : renderNetsecText(report));
    });
  netsec
    .command('graph')
    .description(
      "draw the package's filter tree (filters → referenced filters → built-ins) and NIC bindings (parameters, port profiles); with --tenant, as rendered for that tenant (macros resolved, filter names scoped). Laid out by Graphviz (WebAssembly) for svg",
    )
    .argument('<pkg>', 'package: directory, .ovf, .ova or zip')
    .option('-t, --tenant <name>', 'resolve for this tenant (as render does)')
    .option('--vars <file>', 'vars YAML for the tenant')
    .option('--format <format>', 'dot | mermaid | svg', 'dot')
    .action(async (pkg: string, opts: { tenant?: string; vars?: string; format: string }) => {
      const { netsecGraphCommand } = await import('../netsec-graph-run.js');
      setExit(await netsecGraphCommand(pkg, opts, io));
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
      if (opts.filter.length + opts.profile.length + opts.bind.length === 0) throw new OvfpipeError('OVFPIPE_USAGE', 'netsec embed: nothing to embed: give --filter, --profile or --bind');
      const { embedPackage } = await import('../../actions/embed-package.js');
      const result = await embedPackage({ pkg, out: opts.output, filters: opts.filter, profiles: opts.profile, bindings: opts.bind, virtualSystemId: opts.vs, force: opts.force });
      printDiagnostics(result.refused, io);
      if (result.refused.length > 0) {
        io.stderr.write(`ovfpipe: nothing written to ${opts.output}: ${result.refused.length} problem(s) in the inputs or in what they would add\n`);
        setExit(EXIT.problems);
        return;
      }
      for (const r of result.replaced) io.stderr.write(`ovfpipe: replaced ${r}: the package already carried one of that name\n`);
      io.stdout.write(`wrote ${result.written.join(', ')}\n`);
    });
  netsec
    .command('sync')
    .description(
      "before a live migration: make the target host hold every filter in DOMAIN's filter tree with the same content and uuid " +
        '(missing filters are the classic cause of failed migrations). Reads the tree on the source (--from HOST over SSH, or this machine), ' +
        'defines what the target lacks (nwfilter-define --validate, referenced filters first), updates what differs, refuses a same-named filter ' +
        'with another uuid, and only checks built-ins. Changes nothing on the target when anything is refused or missing. ' +
        '--migrate then runs YOUR virsh on the source: virsh -c CONNECT migrate --live --persistent --undefinesource -- DOMAIN DEST_URI ' +
        "(DEST_URI = --migrate-uri, or qemu+ssh://<--to host>/system derived from --to-connect); ovfpipe's tests do not exercise the migration itself (they have one libvirtd)",
    )
    .argument('<domain>', 'domain name, id or uuid on the source')
    .requiredOption('--to <ssh://user@host[:port]>', 'target host: ssh URL or ~/.ssh/config alias')
    .option('--from <ssh://user@host[:port]>', 'source host (default: this machine, virsh run locally without a shell)')
    .option('--connect <uri>', 'libvirt URI on the source', 'qemu:///system')
    .option('--to-connect <uri>', 'libvirt URI on the target', 'qemu:///system')
    .option('-i, --identity <key>', 'private key file for both hosts (default: ssh-agent, or IdentityFile from ssh config)')
    .option('--known-hosts <file>', 'known_hosts to check both host keys against (default ~/.ssh/known_hosts)')
    .option('--fingerprint <SHA256:...>', "pin the --to host's key fingerprint instead of known_hosts")
    .option('--from-fingerprint <SHA256:...>', "pin the --from host's key fingerprint instead of known_hosts")
    .option('--ssh-config <file>', 'ssh config file for host aliases (default ~/.ssh/config)')
    .option('--force', 'replace a same-named filter with another uuid on the target (undefine + define; impossible while a running domain uses it)')
    .option('--migrate', 'after a successful sync, live-migrate DOMAIN with virsh on the source (see above)')
    .option('--migrate-uri <uri>', 'destination URI for virsh migrate, as seen from the source (with --migrate)')
    .option('--json', 'print the result as JSON')
    .action(async (domain: string, opts: SyncFlags) => {
      const { runNetsecSync } = await import('../netsec-sync.js');
      setExit(await runNetsecSync(domain, opts, io));
    });
}
