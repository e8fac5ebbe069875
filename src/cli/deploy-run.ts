/** The deploy/destroy/probe commands' bodies (loaded on use). Thin: the work is in src/deploy/. */
import { writeRunReportFiles } from '../actions/run-report-files.js';
import { checkOutputPaths } from '../actions/files.js';
import { loadVarsFile } from '../actions/vars-file.js';
import { hasErrors } from '../diagnostics/diagnostic.js';
import { OvfpipeError } from '../diagnostics/errors.js';
import { hostConnector } from '../deploy/connect.js';
import { deploy } from '../deploy/deploy.js';
import { createProgress } from '../deploy/progress.js';
import { destroy } from '../deploy/destroy.js';
import { type HypervisorCapabilities, probeHost } from '../deploy/probe.js';
import { failureLines, reportJson, runFailed, summaryLine } from '../deploy/report.js';
import type { VarsFile } from '../macros/vars.js';
import { renderSettings, settingsFromFlags } from '../render/option-table.js';
import { hostPlans, hostPlansText } from '../pipeline/plan-text.js';
import { EXIT, printDiagnostics, type CliIo } from './io.js';
import { VERSION } from '../version.js';
import { parseDiskMode } from './disk-mode.js';

async function loadVars(path: string | undefined, tenant: string, io: CliIo): Promise<VarsFile | undefined | 'failed'> {
  if (!path) return undefined;
  const r = await loadVarsFile(path, tenant);
  printDiagnostics(r.diagnostics, io);
  return hasErrors(r.diagnostics) ? 'failed' : r.vars;
}

/** The SSH connector of the host flags deploy, destroy, hosts probe and audit share. */
export function connectorFrom(f: HostFlags) {
  return hostConnector({ identity: f.identity, knownHosts: f.knownHosts, fingerprint: f.fingerprint, sshConfig: f.sshConfig });
}

/** What deploy and destroy both take from the flags: the package, the tenant with its vars, and where. */
function target(pkg: string, f: DeployFlags, vars: VarsFile | undefined) {
  return { pkg, tenant: f.tenant, vars, hosts: f.host, connect: connectorFrom(f), connectUri: f.connect, storageRoot: f.storage };
}

export async function runDeploy(pkg: string, f: DeployFlags, io: CliIo): Promise<number> {
  const vars = await loadVars(f.vars, f.tenant, io);
  if (vars === 'failed') return EXIT.problems;
  const parallel = Number(f.parallel);
  const perHost = Number(f.perHost ?? 1);
  if (!Number.isInteger(parallel) || parallel < 1) throw new OvfpipeError('OVFPIPE_USAGE', `--parallel '${f.parallel}': expected a positive integer`);
  if (!Number.isInteger(perHost) || perHost < 1) throw new OvfpipeError('OVFPIPE_USAGE', `--per-host '${f.perHost}': expected a positive integer`);
  const { options, configuration } = renderSettings(settingsFromFlags(f));
  const diskMode = parseDiskMode(f.diskMode) ?? 'convert';
  await checkOutputPaths([
    { path: f.report, what: 'report' },
    { path: f.junit, what: 'JUnit report' },
    { path: f.html, what: 'HTML report' },
  ]);
  const progress = createProgress(io.stderr);
  const log = (line: string) => progress.log(line);
  const r = await deploy({
    diskMode,
    onBytes: (host, n) => progress.bytes(host, n),
    onVm: (o) => progress.vm(o),
    onPlanned: (n) => progress.planned(n),
    ...target(pkg, f, vars),
    options,
    configuration,
    start: f.start,
    force: f.force,
    parallel,
    perHost,
    dryRun: f.dryRun,
    allowOutsideRefs: f.allowOutsideRefs,
    log,
    ...(io.signal ? { signal: io.signal } : {}),
  }).finally(() => progress.stop());
  printDiagnostics(r.diagnostics, io);
  // A VM that could not be rendered is in the report as failed. When nothing rendered, the reports still say why:
  // one failed render check for the package, carrying its diagnostics (evidence on red as on green).
  if (hasErrors(r.diagnostics) && r.report.vms.length === 0) {
    if (f.dryRun) return EXIT.problems;
    const stopped = {
      ...r.report,
      pipeline: pkg,
      version: VERSION,
      checks: [{ stage: 'render', kind: 'package' as const, name: pkg, file: pkg, status: 'failed' as const, diagnostics: r.diagnostics }],
    };
    io.stderr.write(`stopped before deploy; failed: render of package ${pkg}\n`);
    if (f.json) io.stdout.write(reportJson(stopped));
    await writeRunReportFiles(stopped, f);
    if (f.html) {
      const { writeHtmlReportFile } = await import('../actions/html-report-file.js');
      await writeHtmlReportFile(f.html, [stopped]);
    }
    return EXIT.problems;
  }
  if (f.dryRun) {
    // Human unless --json: the same per-host text as `plan`.
    if (!f.json) io.stdout.write(hostPlansText(hostPlans(r.plans)));
    else
      io.stdout.write(
        `${JSON.stringify(
          r.plans.map((p) => ({
            host: p.host,
            error: p.error,
            filters: p.plan?.filters.map((x) => ({ name: x.filter.name, action: x.action })),
            images: p.plan?.images.map((i) => ({ href: i.href, upload: i.upload, convert: i.convert })),
            vms: p.plan?.vms.map((v) => ({ name: v.vm.name, action: v.action, reason: v.reason })),
          })),
          null,
          2,
        )}\n`,
      );
    return r.plans.some((p) => p.error || p.plan?.problems.length) || hasErrors(r.diagnostics) ? EXIT.problems : EXIT.ok;
  }
  for (const line of failureLines(r.report)) log(line);
  log(summaryLine(r.report));
  if (f.json) io.stdout.write(reportJson(r.report));
  await writeRunReportFiles(r.report, f);
  if (f.html) {
    const { writeHtmlReportFile } = await import('../actions/html-report-file.js');
    await writeHtmlReportFile(f.html, [r.report]);
  }
  return runFailed(r.report) ? EXIT.problems : EXIT.ok;
}

export async function runDestroy(pkg: string, f: DeployFlags, io: CliIo): Promise<number> {
  const vars = await loadVars(f.vars, f.tenant, io);
  if (vars === 'failed') return EXIT.problems;
  const r = await destroy({
    ...target(pkg, f, vars),
    log: (line) => io.stderr.write(`${line}\n`),
  });
  if (f.json) io.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  return r.hosts.some((h) => h.error) ? EXIT.problems : EXIT.ok;
}

function capabilityLines(c: HypervisorCapabilities | undefined): string {
  if (!c) return '  hypervisor: unknown (virsh capabilities did not answer)\n';
  const aliases = Object.entries(c.machineAliases)
    .map(([a, m]) => `${a}=${m}`)
    .join(', ');
  return (
    `  hypervisor: ${c.arch} ${c.emulator ?? '?'}; domain types: ${c.domainTypes.join(', ') || '(none)'}\n` +
    `  machines: ${aliases || '(none)'} (+${c.machines.length} versioned)\n` +
    `  firmware (q35): ${c.firmware.join(', ') || 'bios only'}${c.secureBoot ? ', secure boot' : ''}\n` +
    `  disk buses (q35): ${c.diskBuses.join(', ') || '?'}\n  NIC models: ${c.nicModels.join(', ') || '?'}\n`
  );
}

export async function runProbe(f: DeployFlags, io: CliIo): Promise<number> {
  const connect = connectorFrom(f);
  const results = await Promise.all(f.host.map((h) => probeHost(h, connect, f.connect, f.storage)));
  if (f.json) io.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  else
    for (const p of results) {
      if (p.error) {
        io.stdout.write(`${p.host}: unreachable: ${p.error}\n`);
        continue;
      }
      io.stdout.write(
        `${p.host}: libvirt ${p.libvirtVersion ?? '?'}, qemu-img ${p.qemuImgVersion ?? '?'}, kvm ${p.kvm ? 'yes' : 'no'}, ${p.freeBytes !== undefined ? `${Math.floor(p.freeBytes / 2 ** 30)} GiB free in ${f.storage}` : 'storage unknown'}\n` +
          `  bridges: ${p.bridges.join(', ') || '(none)'}\n  networks: ${p.networks.join(', ') || '(none)'}\n  nwfilters: ${p.filters.length}\n  lldpad: ${p.lldpad ? 'yes' : 'no'}\n` +
          capabilityLines(p.capabilities),
      );
    }
  return results.some((p) => p.error) ? EXIT.problems : EXIT.ok;
}

/** The host flags of commands/deploy.ts hostOptions (deploy, destroy, hosts probe, audit). */
export type HostFlags = Pick<DeployFlags, 'host' | 'identity' | 'knownHosts' | 'fingerprint' | 'sshConfig' | 'connect' | 'storage'>;

/** The flags deploy, destroy and hosts probe share. */
export interface DeployFlags {
  host: string[];
  identity?: string;
  knownHosts?: string;
  fingerprint?: string;
  sshConfig?: string;
  connect: string;
  storage: string;
  tenant: string;
  vars?: string;
  start?: boolean;
  force?: boolean;
  json?: boolean;
  report?: string;
  junit?: string;
  html?: string;
  parallel: string;
  perHost: string;
  dryRun?: boolean;
  /** convert | backing (deploy only). */
  diskMode?: string;
  /** --allow-outside-refs (deploy, audit). */
  allowOutsideRefs?: boolean;
  /** Render options (render/option-table.ts), by commander's camelCase keys. */
  [renderOption: string]: unknown;
}
