import type { Command } from 'commander';
import { addRenderOptions, renderSettings, settingsFromFlags } from '../../render/option-table.js';
import { EXIT, printDiagnostics, type CliIo } from '../io.js';

interface RenderFlags {
  tenant: string;
  vars?: string;
  out: string;
  descriptorOnly?: boolean;
  storage?: string;
  allowOutsideRefs?: boolean;
}

export function registerRender(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const command = program
    .command('render')
    .description('render libvirt domain XML, tenant-scoped nwfilters and plan.json for one tenant')
    .argument('<pkg>', 'package: directory, .ovf, .ova or zip')
    .requiredOption('-t, --tenant <name>', 'tenant: prefixes domain names (<tenant>-<VirtualSystem id>) and filter names')
    .requiredOption('-o, --out <dir>', 'output directory (written into a temporary folder beside it, renamed when complete)')
    .option('--vars <file>', 'vars YAML (flat name: value with optional per-VM vms: blocks, or defaults/tenants form); a name, VM or NIC the package does not use is an error; see `ovfpipe spec`')
    .option('--allow-outside-refs', "read References files outside the package's folder (hrefs with .., absolute paths, links that lead out); refused without it")
    .option('--descriptor-only', 'render from the descriptor alone: read no member, image digests unknown')
    .option('--storage <dir>', 'storage root on the hosts', '/var/lib/ovfpipe');
  addRenderOptions(command).action(async (pkg: string, flags: RenderFlags & Record<string, unknown>) => {
    const { renderToDir } = await import('../../actions/render-to-dir.js');
    const { options, configuration } = renderSettings(settingsFromFlags(flags));
    const r = await renderToDir({
      pkg,
      tenant: flags.tenant,
      varsFile: flags.vars,
      out: flags.out,
      descriptorOnly: flags.descriptorOnly,
      allowOutsideRefs: flags.allowOutsideRefs,
      storageRoot: flags.storage,
      configuration,
      options,
    });
    printDiagnostics(r.diagnostics, io);
    if (r.written.length === 0) {
      io.stderr.write('ovfpipe: nothing rendered\n');
      setExit(EXIT.problems);
      return;
    }
    const res = r.result!;
    io.stdout.write(`rendered ${res.domains.length} domain(s) and ${res.filters.length} filter(s) for tenant ${res.tenant} into ${flags.out}\n`);
  });
}
