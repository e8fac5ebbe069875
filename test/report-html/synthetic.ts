/** Synthesized run reports for the page's unit tests and its size/time figure (not from a real run: said where used). */
import type { VmOutcome } from '../../src/deploy/executor.js';
import type { RunReport } from '../../src/deploy/report.js';
import type { TenantSecurity } from '../../src/deploy/report-security.js';

export function syntheticReport(vmCount: number, opts: { hostile?: string } = {}): RunReport {
  const t0 = Date.parse('2026-12-05T04:00:00Z');
  const hosts = ['kvm-a', 'kvm-b', 'kvm-c', 'kvm-d'].map((h) => `ssh://root@${h}.example.net`);
  const tenants = Array.from({ length: Math.max(1, Math.ceil(vmCount / 10)) }, (_, i) => `${opts.hostile ?? ''}tenant${i}`);
  const vms: VmOutcome[] = Array.from({ length: vmCount }, (_, i) => {
    const at = (s: number) => new Date(t0 + s * 1000).toISOString();
    const failed = i % 17 === 5;
    return {
      name: `${opts.hostile ?? ''}vm-${String(i).padStart(3, '0')}`,
      host: hosts[i % hosts.length]!,
      tenant: tenants[i % tenants.length]!,
      status: failed ? 'failed' : i % 3 === 0 ? 'unchanged' : 'created',
      seconds: 4 + (i % 7),
      bytes: i % 4 === 0 ? 104857600 : 376832,
      ...(failed ? { error: `define: error: ${opts.hostile ?? ''}domain XML refused` } : {}),
      steps: [
        { id: 'preflight', start: at(0), seconds: 0.8 },
        { id: 'upload', start: at(0.8), seconds: 2 + (i % 5) },
        { id: 'filters', start: at(0.9), seconds: 0.4 },
        { id: 'prepare', start: at(1), seconds: 0.3 },
        { id: 'overlays+define', start: at(3 + (i % 5)), seconds: 0.9, ...(failed ? { error: `${opts.hostile ?? ''}domain XML refused` } : {}) },
      ],
    };
  });
  const security: TenantSecurity[] = tenants.map((t) => ({
    tenant: t,
    filters: [
      { name: `${t}-web-ingress`, references: ['clean-traffic', `${t}-antispoof`], builtin: false },
      { name: `${t}-antispoof`, references: [], builtin: false },
      { name: 'clean-traffic', references: [], builtin: true },
    ],
    nics: vms
      .filter((v) => v.tenant === t)
      .map((v, j) => ({
        vm: v.name,
        nic: '5',
        network: 'frontend',
        mac: '52:54:00:00:00:01',
        filter: `${t}-web-ingress`,
        parameters: [{ name: 'IP', value: `10.0.0.${j}` }],
        profile: { mode: 'bridge', source: 'br0' },
      })),
  }));
  return {
    vms,
    hosts: hosts.map((h) => ({ host: h, status: 'ok', seconds: 12, bytesUploaded: 209715200, vms: vms.filter((v) => v.host === h).length })),
    bytesUploaded: 838860800,
    pipeline: `${opts.hostile ?? ''}pipeline.yaml`,
    startedAt: new Date(t0).toISOString(),
    seconds: 14,
    version: '0.1.0',
    placement: vms.map((v) => ({ vm: v.name, tenant: v.tenant, host: v.host, reason: 'least loaded host with room' })),
    security,
  };
}
