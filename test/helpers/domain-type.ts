/**
 * The libvirt domain type the tests use on this machine: 'kvm' where KVM is
 * usable, otherwise 'qemu' (TCG). Machines here come with or without
 * /dev/kvm (TEST-INFRA.md, "Machines differ"), so no test hard-codes 'kvm':
 * they all ask this one helper. OVFPIPE_TEST_DOMAIN_TYPE=qemu|kvm forces it,
 * e.g. to run the suite as a machine without KVM would.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

let cached: 'kvm' | 'qemu' | undefined;

export function testDomainType(): 'kvm' | 'qemu' {
  if (cached) return cached;
  const forced = process.env['OVFPIPE_TEST_DOMAIN_TYPE'];
  if (forced === 'kvm' || forced === 'qemu') return (cached = forced);
  if (forced) throw new Error(`OVFPIPE_TEST_DOMAIN_TYPE='${forced}': expected kvm or qemu`);
  return (cached = machineHasKvm() ? 'kvm' : 'qemu');
}

/** What this machine has, whatever OVFPIPE_TEST_DOMAIN_TYPE says: /dev/kvm opens read-write, and (where a libvirtd answers) libvirt agrees that QEMU can use it. */
export function machineHasKvm(): boolean {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    return false;
  }
  const caps = spawnSync('virsh', ['-c', 'qemu:///system', 'domcapabilities', '--virttype', 'kvm', '--arch', 'x86_64'], { encoding: 'utf8', timeout: 20_000 });
  // No virsh or no libvirtd: /dev/kvm is the best evidence there is (tests that need libvirtd skip or fail on their own).
  if (caps.error || /failed to connect|Failed to connect/.test(caps.stderr ?? '')) return true;
  return caps.status === 0;
}
