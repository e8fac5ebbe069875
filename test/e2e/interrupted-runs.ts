/**
 * What the tests that interrupt a run mid-upload share (apply-interrupted,
 * agent-signals): a one-host pipeline of the big package, the CLI as a child
 * process they can signal, and the signal sent once the host holds part of
 * the image (its partial grows in the store).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PARTIAL_MARKER } from '../../src/deploy/ssh/put.js';
import { testDomainType } from '../helpers/domain-type.js';
import type { SshdCluster } from './sshd.js';

/** A pipeline of the package at `pkgDir` on host 0 of `cluster`, one deployment per tenant, its network mapped to `netName`. */
export function bigPipelineYaml(o: { pkgDir: string; cluster: SshdCluster; storage: string; netName: string; tenants: Array<{ name: string; ip: string }>; perHost?: number; stages: string }): string {
  return [
    'version: 1',
    `packages: { big: { path: ${JSON.stringify(o.pkgDir)} } }`,
    'inventory:',
    '  defaults:',
    `    identity: ${JSON.stringify(o.cluster.clientKey)}`,
    `    knownHosts: ${JSON.stringify(o.cluster.knownHostsFile)}`,
    `    storage: ${JSON.stringify(o.storage)}`,
    '    connect: qemu:///system',
    '  hosts:',
    `    h1: { address: "ssh://root@127.0.0.1:${o.cluster.hosts[0]!.port}" }`,
    'defaults:',
    `  domainType: ${testDomainType()}`,
    ...(o.perHost !== undefined ? [`  perHost: ${o.perHost}`] : []),
    `  network: { frontend: ${o.netName} }`,
    '  vars: { admin_password: x }',
    'tenants:',
    ...o.tenants.flatMap((t) => [`  ${t.name}:`, '    deployments:', `      - { package: big, vars: { ip: ${t.ip} } }`]),
    `stages: ${o.stages}`,
    '',
  ].join('\n');
}

/** Bytes of the upload's partial in `<storage>/images` (0 when there is none). */
export function partialSize(storage: string): number {
  const images = `${storage}/images`;
  const part = existsSync(images) ? readdirSync(images).find((f) => f.includes(PARTIAL_MARKER)) : undefined;
  return part ? statSync(join(images, part)).size : 0;
}

/** The built CLI as a child process (stdout and stderr piped; stdout flowing unless read): resolves with its exit and stderr. */
export function cliChild(args: string[], env?: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [join(process.cwd(), 'dist/cli/bin.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...(env ? { env } : {}) });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.resume();
    child.once('close', (code, signal) => resolve({ code, signal, stderr }));
  });
  return { child, done };
}

/** Sends `sig` to `child` once the host holds at least `bytes` of the image; false if the child ended first (or 60 s passed). */
export async function signalAtPartial(child: ChildProcess, storage: string, bytes: number, sig: NodeJS.Signals): Promise<boolean> {
  for (let i = 0; i < 6000 && child.exitCode === null; i++) {
    if (partialSize(storage) >= bytes) return child.kill(sig);
    await new Promise((r) => setTimeout(r, 10));
  }
  return false;
}
