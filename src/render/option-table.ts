/**
 * The render options, defined once: render, deploy, plan/apply and the
 * pipeline file (defaults, inventory hosts for the network mappings, and
 * each deployment) all take these, from this table. The commander
 * registration (`addRenderOptions`) and the pipeline schema
 * (`renderOptionsSchema`, merged into pipeline/pipeline.schema.json by the
 * loader) are generated from it, and `renderSettings` turns either form
 * into RenderOptions and a configuration.
 */
import type { Command } from 'commander';
import { OvfpipeError } from '../diagnostics/errors.js';
import { FIRMWARE_CHOICES } from './firmware.js';
import { renderOptions } from './options.js';
import type { NetworkMapping, RenderOptions } from './types.js';

/** Settings as the pipeline file writes them (camelCase keys; maps as objects). */
export interface RenderSettings {
  configuration?: string;
  domainType?: string;
  machine?: string;
  cpuMode?: string;
  diskBus?: string;
  graphics?: string;
  firmware?: string;
  /** ResourceSubType → libvirt NIC model. */
  nicModel?: Record<string, string>;
  /** OVF network → libvirt network. */
  network?: Record<string, string>;
  /** OVF network → host bridge. */
  bridge?: Record<string, string>;
}

interface OptionSpec {
  key: keyof RenderSettings;
  flag: string;
  arg: string;
  description: string;
  choices?: readonly string[];
  /** Repeatable NAME=VALUE flag on the command line; an object in the pipeline file. */
  map?: boolean;
}

export const RENDER_OPTION_TABLE: readonly OptionSpec[] = [
  { key: 'configuration', flag: 'configuration', arg: 'id', description: 'DeploymentOptionSection configuration (default: the package default); an unknown id is an error' },
  { key: 'domainType', flag: 'domain-type', arg: 'type', description: 'libvirt domain type (qemu = TCG, where /dev/kvm is absent; default kvm)', choices: ['kvm', 'qemu'] },
  { key: 'machine', flag: 'machine', arg: 'type', description: 'machine type (default q35)' },
  { key: 'cpuMode', flag: 'cpu-mode', arg: 'mode', description: "CPU mode (default: QEMU's model, which starts under nested KVM)", choices: ['default', 'host-model', 'host-passthrough'] },
  { key: 'diskBus', flag: 'disk-bus', arg: 'bus', description: 'bus for hard disks (default virtio)', choices: ['virtio', 'scsi', 'sata', 'ide'] },
  { key: 'graphics', flag: 'graphics', arg: 'kind', description: 'graphics (default vnc on 127.0.0.1)', choices: ['vnc', 'spice', 'none'] },
  {
    key: 'firmware',
    flag: 'firmware',
    arg: 'kind',
    description: "firmware, overriding the package's (vmw:Config firmware, VirtualBox Firmware; default: the package's, else bios)",
    choices: FIRMWARE_CHOICES,
  },
  { key: 'nicModel', flag: 'nic-model', arg: 'subtype=model', description: 'map a NIC ResourceSubType to a libvirt model, e.g. E1000=e1000 (repeatable)', map: true },
  {
    key: 'network',
    flag: 'network',
    arg: 'ovfname=network',
    description: 'attach NICs on OVF network OVFNAME to this libvirt network (repeatable; default: the network named like the OVF one)',
    map: true,
  },
  { key: 'bridge', flag: 'bridge', arg: 'ovfname=bridge', description: 'attach NICs on OVF network OVFNAME to this host bridge (repeatable)', map: true },
];

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Adds every render option to a command (render, deploy). */
export function addRenderOptions(command: Command): Command {
  for (const o of RENDER_OPTION_TABLE) {
    const text = o.choices ? `${o.description}: ${o.choices.join(' | ')}` : o.description;
    if (o.map) command.option(`--${o.flag} <${o.arg}>`, text, collect);
    else command.option(`--${o.flag} <${o.arg}>`, text);
  }
  return command;
}

/** The command-line values (commander's camelCase keys; map flags as NAME=VALUE lists) as settings. */
export function settingsFromFlags(flags: Record<string, unknown>): RenderSettings {
  const out: Record<string, unknown> = {};
  for (const o of RENDER_OPTION_TABLE) {
    const v = flags[o.key];
    if (v === undefined) continue;
    if (!o.map) {
      out[o.key] = v;
      continue;
    }
    const map: Record<string, string> = {};
    for (const pair of v as string[]) {
      const at = pair.indexOf('=');
      if (at <= 0 || at === pair.length - 1) throw new OvfpipeError('OVFPIPE_USAGE', `--${o.flag} '${pair}': expected ${o.arg.toUpperCase()}`);
      map[pair.slice(0, at)] = pair.slice(at + 1);
    }
    if (Object.keys(map).length > 0) out[o.key] = map;
  }
  return out;
}

/** Later layers win key by key (maps merge per name): defaults, then host, then deployment, then flags. */
export function mergeSettings(...layers: Array<RenderSettings | undefined>): RenderSettings {
  const out: Record<string, unknown> = {};
  for (const layer of layers)
    for (const o of RENDER_OPTION_TABLE) {
      const v = layer?.[o.key];
      if (v === undefined) continue;
      out[o.key] = o.map ? { ...(out[o.key] as object | undefined), ...(v as object) } : v;
    }
  return out;
}

/** RenderOptions (defaults applied) and the configuration from settings; an out-of-range value is a usage error. */
export function renderSettings(s: RenderSettings): { options: RenderOptions; configuration?: string } {
  for (const o of RENDER_OPTION_TABLE) {
    const v = s[o.key];
    if (o.choices && v !== undefined && !o.choices.includes(v as string)) throw new OvfpipeError('OVFPIPE_USAGE', `--${o.flag} '${String(v)}': expected one of ${o.choices.join(', ')}`);
  }
  const overrides: Partial<RenderOptions> = {};
  if (s.domainType) overrides.domainType = s.domainType as RenderOptions['domainType'];
  if (s.machine) overrides.machine = s.machine;
  if (s.cpuMode) overrides.cpuMode = s.cpuMode as RenderOptions['cpuMode'];
  if (s.diskBus) overrides.diskBus = s.diskBus as RenderOptions['diskBus'];
  if (s.graphics) overrides.graphics = s.graphics as RenderOptions['graphics'];
  if (s.firmware) overrides.firmware = s.firmware as RenderOptions['firmware'];
  const options = renderOptions(overrides);
  for (const [sub, model] of Object.entries(s.nicModel ?? {})) options.nicModelMap[sub.toLowerCase()] = model;
  const networkMap: Record<string, NetworkMapping> = {};
  for (const [name, network] of Object.entries(s.network ?? {})) networkMap[name] = { mode: 'network', source: network };
  for (const [name, bridge] of Object.entries(s.bridge ?? {})) {
    if (networkMap[name]) throw new OvfpipeError('OVFPIPE_USAGE', `OVF network '${name}' is mapped by both --network and --bridge`);
    networkMap[name] = { mode: 'bridge', source: bridge };
  }
  if (Object.keys(networkMap).length > 0) options.networkMap = networkMap;
  return { options, configuration: s.configuration };
}

/** JSON Schema properties for the pipeline file, one per table entry. */
export function renderOptionsSchema(): Record<string, object> {
  const out: Record<string, object> = {};
  for (const o of RENDER_OPTION_TABLE) {
    const description = `--${o.flag}: ${o.description}`;
    if (o.map) out[o.key] = { type: 'object', description, additionalProperties: { type: 'string', minLength: 1 } };
    else out[o.key] = o.choices ? { enum: [...o.choices], description } : { type: 'string', minLength: 1, description };
  }
  return out;
}
