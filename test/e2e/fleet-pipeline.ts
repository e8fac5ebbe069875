import { join } from 'node:path';
import { testDomainType } from '../helpers/domain-type.js';
import type { SshdCluster } from './sshd.js';

/**
 * A pipeline of `n` VMs of examples/secure-web on host 0 of `cluster`, one deployment each (`w0`, `w1`, …)
 * with its own address `ip(i)`, for the tests that count sessions and steps on a host (ssh-worker, agent).
 */
export function secureWebFleetYaml(o: {
  cluster: SshdCluster;
  storage: string;
  bridge: string;
  tenant: string;
  n: number;
  ip: (i: number) => string;
  /** Another known_hosts file than the cluster's. */
  knownHosts?: string;
  /** Lines added to `defaults:` before `perHost`. */
  defaults?: string[];
  /** The `stages:` list, when given. */
  stages?: string;
}): string {
  const q = (v: string) => JSON.stringify(v);
  return [
    'version: 1',
    'packages:',
    `  secure-web: { path: ${q(join(process.cwd(), 'examples/secure-web'))} }`,
    'inventory:',
    '  defaults:',
    `    identity: ${q(o.cluster.clientKey)}`,
    `    knownHosts: ${q(o.knownHosts ?? o.cluster.knownHostsFile)}`,
    `    storage: ${q(o.storage)}`,
    '    connect: qemu:///system',
    '  hosts:',
    `    h1: { address: ${q(`ssh://root@127.0.0.1:${o.cluster.hosts[0]!.port}`)} }`,
    'defaults:',
    `  domainType: ${testDomainType()}`,
    ...(o.defaults ?? []),
    '  perHost: 4',
    '  vars:',
    `    bridge: ${q(o.bridge)}`,
    '    admin_password: { value: "e2e", secret: true }',
    'tenants:',
    `  ${o.tenant}:`,
    '    deployments:',
    ...Array.from({ length: o.n }, (_, i) => `      - { package: secure-web, names: [w${i}], vars: { ip: "${o.ip(i)}", hostname: "w${i}" } }`),
    ...(o.stages !== undefined ? [`stages: ${o.stages}`] : []),
    '',
  ].join('\n');
}
