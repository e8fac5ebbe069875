/** `ovfpipe netsec sync`: flags in, the sync run, its result printed (text or JSON). */
import { OvfpipeError } from '../diagnostics/errors.js';
import { netsecSync } from '../deploy/nwfilter-sync.js';
import { renderSyncText } from '../netsec/sync-plan.js';

export interface SyncFlags {
  to: string;
  from?: string;
  connect: string;
  toConnect: string;
  identity?: string;
  knownHosts?: string;
  fingerprint?: string;
  fromFingerprint?: string;
  sshConfig?: string;
  force?: boolean;
  migrate?: boolean;
  migrateUri?: string;
  json?: boolean;
}

/** The CLI action: 0 synced (and migrated), 1 refusal / missing built-in / failure, 2 usage (thrown). */
export async function runNetsecSync(domain: string, f: SyncFlags, io: { stdout: { write(s: string): unknown }; stderr: { write(s: string): unknown } }): Promise<number> {
  if (!domain.trim()) throw new OvfpipeError('OVFPIPE_USAGE', 'DOMAIN is empty');
  const r = await netsecSync({
    domain,
    from: f.from,
    to: f.to,
    connect: f.connect,
    toConnect: f.toConnect,
    force: f.force,
    migrate: f.migrate,
    migrateUri: f.migrateUri,
    auth: { identity: f.identity, knownHosts: f.knownHosts, fingerprint: f.fingerprint, fromFingerprint: f.fromFingerprint, sshConfig: f.sshConfig },
  });
  if (f.json) io.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  else io.stdout.write(renderSyncText(r));
  if (r.error) io.stderr.write(`ovfpipe: netsec sync: ${r.error}\n`);
  return r.ok ? 0 : 1;
}
