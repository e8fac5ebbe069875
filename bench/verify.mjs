#!/usr/bin/env node
// Verifies one package with the library (dist/), printing throughput and peak RSS as JSON.
// Usage: node bench/verify.mjs PACKAGE
import { openPackage } from '../dist/package/open.js';
import { verifyPackage } from '../dist/package/verify.js';
import { parseDescriptor } from '../dist/ovf/parser.js';

const path = process.argv[2];
if (!path) {
  console.error('usage: node bench/verify.mjs PACKAGE');
  process.exit(2);
}
const t0 = process.hrtime.bigint();
const reader = await openPackage(path);
const descriptor = reader.descriptorName;
const { envelope } = parseDescriptor(await reader.readSmall(descriptor, 32 << 20), descriptor);
const refs = (envelope?.references ?? []).map((f) => ({ href: f.href, size: f.size, compression: f.compression, chunkSize: f.chunkSize }));
const report = await verifyPackage(reader, refs);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const bytes = report.files.reduce((n, f) => n + (f.size ?? 0), 0);
console.log(
  JSON.stringify({
    ok: report.ok,
    problems: report.problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message}`),
    bytes,
    seconds: Number(seconds.toFixed(3)),
    mibPerSecond: Number((bytes / 1048576 / seconds).toFixed(1)),
    maxRssMiB: Number((process.resourceUsage().maxRSS / 1024).toFixed(1)),
  }),
);
process.exit(report.ok ? 0 : 1);
