/**
 * Real services for end-to-end tests. Outside CI a missing service makes the
 * test skip with a loud reason; in CI (CI=true) it is a failure.
 */
import { spawnSync } from 'node:child_process';
import { inCI } from '../helpers/corpus.js';

export const LIBVIRT_URI = 'qemu:///system';

export function run(cmd: string, args: readonly string[], opts: { allowFail?: boolean; timeoutMs?: number } = {}): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: opts.timeoutMs ?? 60_000 });
  const out = { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? String(r.error ?? '') };
  if (!opts.allowFail && out.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${out.status}): ${out.stderr || out.stdout}`);
  return out;
}

export function virsh(...args: string[]) {
  return run('virsh', ['-c', LIBVIRT_URI, ...args]);
}

/** True when a real libvirtd with the QEMU driver answers; otherwise skip loudly, or throw in CI. */
export function requireLibvirt(what: string): boolean {
  const r = run('virsh', ['-c', LIBVIRT_URI, 'domcapabilities', '--virttype', 'qemu'], { allowFail: true, timeoutMs: 20_000 });
  if (r.status === 0) return true;
  const why = `libvirtd (${LIBVIRT_URI}) is not reachable: ${r.stderr.trim().split('\n')[0]} — start it with: bash test/e2e/infra.sh start`;
  if (inCI) throw new Error(`${what}: ${why}`);
  console.warn(`\n*** SKIPPING ${what}: ${why} ***\n`);
  return false;
}
