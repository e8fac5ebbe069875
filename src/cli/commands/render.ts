import type { Command } from 'commander';
import { OvfpipeError } from '../../diagnostics/errors.js';
import type { RenderOptions } from '../../render/types.js';
import { collect, EXIT, printDiagnostics, type CliIo } from '../io.js';

interface RenderFlags {
  tenant: string;
  vars?: string;
  out: string;
  descriptorOnly?: boolean;
  storage?: string;
  configuration?: string;
  domainType: string;
  machine?: string;
  cpuMode?: string;
  diskBus?: string;
  graphics?: string;
  nicModel: string[];
}

export function registerRender(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('render')
    .description('render libvirt domain XML, tenant-scoped nwfilters and plan.json for one tenant')
    .argument('<pkg>', 'package: directory, .ovf, .ova or zip')
    .requiredOption('-t, --tenant <name>', 'tenant: prefixes domain names (<tenant>-<VirtualSystem id>) and filter names')
    .requiredOption('-o, --out <dir>', 'output directory')
    .option('--vars <file>', 'vars YAML (flat name: value, or defaults/tenants form); see `ovfpipe spec`')
    .option('--descriptor-only', 'render from the descriptor alone: read no member, image digests unknown')
    .option('--storage <dir>', 'storage root on the hosts', '/var/lib/ovfpipe')
    .option('--configuration <id>', 'DeploymentOptionSection configuration to render (default: the package default)')
    .option('--domain-type <type>', 'kvm | qemu (TCG, where /dev/kvm is absent)', 'kvm')
    .option('--machine <type>', 'machine type (default q35)')
    .option('--cpu-mode <mode>', 'default (QEMU model; starts under nested KVM) | host-model | host-passthrough')
    .option('--disk-bus <bus>', 'virtio | scsi | sata | ide (default virtio)')
    .option('--graphics <kind>', 'vnc | spice | none (default vnc on 127.0.0.1)')
    .option('--nic-model <subtype=model>', 'map a NIC ResourceSubType to a libvirt model, e.g. E1000=e1000 (repeatable)', collect, [])
    .action(async (pkg: string, flags: RenderFlags) => {
      const [{ renderToDir }, { renderOptions }] = await Promise.all([import('../../actions/render-to-dir.js'), import('../../render/options.js')]);
      const options = renderOptions(optionOverrides(flags));
      for (const m of flags.nicModel) {
        const [sub, model] = m.split('=');
        if (!sub || !model) throw new OvfpipeError('OVFPIPE_USAGE', `--nic-model '${m}': expected SUBTYPE=model`);
        options.nicModelMap[sub.toLowerCase()] = model;
      }
      const r = await renderToDir({ pkg, tenant: flags.tenant, varsFile: flags.vars, out: flags.out, descriptorOnly: flags.descriptorOnly, storageRoot: flags.storage, configuration: flags.configuration, options });
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

function optionOverrides(f: RenderFlags): Partial<RenderOptions> {
  const pick = <T extends string>(name: string, v: string | undefined, allowed: readonly T[]): T | undefined => {
    if (v === undefined) return undefined;
    if (!allowed.includes(v as T)) throw new OvfpipeError('OVFPIPE_USAGE', `--${name} '${v}': expected one of ${allowed.join(', ')}`);
    return v as T;
  };
  const o: Partial<RenderOptions> = {};
  const domainType = pick('domain-type', f.domainType, ['kvm', 'qemu'] as const);
  if (domainType) o.domainType = domainType;
  if (f.machine) o.machine = f.machine;
  const cpu = pick('cpu-mode', f.cpuMode, ['default', 'host-model', 'host-passthrough'] as const);
  if (cpu) o.cpuMode = cpu;
  const bus = pick('disk-bus', f.diskBus, ['virtio', 'scsi', 'sata', 'ide'] as const);
  if (bus) o.diskBus = bus;
  const g = pick('graphics', f.graphics, ['vnc', 'spice', 'none'] as const);
  if (g) o.graphics = g;
  return o;
}
