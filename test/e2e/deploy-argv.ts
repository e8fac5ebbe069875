import type { SshdCluster } from './sshd.js';

/**
 * `ovfpipe deploy PKG --host … --identity … --known-hosts … --storage … --tenant … --vars …` against the
 * test sshds, then `more`: the command line the deploy e2e tests share (each adds its own flags).
 */
export function deployArgv(cluster: SshdCluster, o: { pkg: string; hosts: readonly string[]; storage: string; tenant: string; vars: string }, ...more: string[]): string[] {
  return [
    'deploy',
    o.pkg,
    ...o.hosts.flatMap((h) => ['--host', h]),
    '--identity',
    cluster.clientKey,
    '--known-hosts',
    cluster.knownHostsFile,
    '--storage',
    o.storage,
    '--tenant',
    o.tenant,
    '--vars',
    o.vars,
    ...more,
  ];
}
