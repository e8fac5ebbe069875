// One line of JSON about an `ovfpipe apply --report` file (or several, from
// concurrent processes): VM statuses, bytes uploaded (total and per host),
// host seconds, the distinct errors, and whether every VM landed on the host
// the bench expected.
// Usage: node summary.mjs EXPECTED_JSON REPORT.json [REPORT.json ...]
//   EXPECTED_JSON: { "<domain>": "h<k>", ... } from gen-pipeline.mjs; host
//   addresses are mapped to h<k> by port order (PORT_LIST env, space-separated).
import { readFileSync } from 'node:fs';

const [expectedFile, ...files] = process.argv.slice(2);
const expected = JSON.parse(readFileSync(expectedFile, 'utf8'));
const ports = (process.env.PORT_LIST ?? '').split(' ').filter(Boolean);
const hostOf = (address) => `h${ports.indexOf(address.split(':').pop()) + 1}`;
const reports = files.map((f) => JSON.parse(readFileSync(f, 'utf8')));
const vms = reports.flatMap((r) => r.vms);
const hosts = reports.flatMap((r) => r.hosts);
const statuses = {};
for (const v of vms) statuses[v.status] = (statuses[v.status] ?? 0) + 1;
const misplaced = vms.filter((v) => expected[v.name] !== hostOf(v.host)).map((v) => v.name);
const missing = Object.keys(expected).filter((n) => !vms.some((v) => v.name === n));
process.stdout.write(
  `${JSON.stringify({
    vms: vms.length,
    statuses,
    bytesUploaded: reports.reduce((n, r) => n + r.bytesUploaded, 0),
    hostBytes: hosts.map((h) => h.bytesUploaded),
    hostSeconds: hosts.map((h) => h.seconds),
    hostErrors: hosts.filter((h) => h.error).map((h) => h.error),
    errors: [...new Set(vms.filter((v) => v.error).map((v) => v.error))].slice(0, 5),
    misplaced: misplaced.length,
    missing: missing.length,
  })}\n`,
);
