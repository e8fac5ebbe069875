// Linearity bench (issue #18): lints descriptors whose pathological parts grow
// and prints time and peak RSS against size, flagging growth worse than linear.
// Not a test: timings depend on the machine. Each measurement runs in a fresh
// node process (so peak RSS is that run's alone) and times only the lint call,
// not node's start-up.
//   node bench/linearity.mjs            all series
//   node bench/linearity.mjs --one F    (internal) lint F, print {ms, rssMiB, diagnostics}
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DIST = new URL('../dist/index.js', import.meta.url).href;

if (process.argv[2] === '--one') {
  const { lintFiles, formatResults } = await import(DIST);
  const t0 = performance.now();
  const results = await lintFiles([process.argv[3]], { descriptorOnly: true });
  const json = formatResults('json', results);
  const ms = performance.now() - t0;
  JSON.parse(json);
  const diagnostics = results.reduce((n, r) => n + r.diagnostics.length, 0);
  process.stdout.write(JSON.stringify({ ms, rssMiB: process.resourceUsage().maxRSS / 1024, diagnostics }));
  process.exit(0);
}

const HEAD = `<?xml version="1.0" encoding="UTF-8"?>
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"
  xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData"
  xmlns:vssd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData">`;

function descriptor({ files = '', diskUnits = 'byte * 2^20', memUnits = 'byte * 2^20', items = '', properties = '', info = 'bench' }) {
  return `${HEAD}
  <References>${files}</References>
  <DiskSection><Info>disks</Info><Disk ovf:diskId="d1" ovf:capacity="64" ovf:capacityAllocationUnits="${diskUnits}"/></DiskSection>
  <NetworkSection><Info>networks</Info><Network ovf:name="n"><Description>n</Description></Network></NetworkSection>
  <VirtualSystem ovf:id="vm">
    <Info>${info}</Info>
    <ProductSection><Info>p</Info>${properties}</ProductSection>
    <OperatingSystemSection ovf:id="96"><Info>os</Info></OperatingSystemSection>
    <VirtualHardwareSection><Info>hw</Info>
      <System><vssd:ElementName>hw</vssd:ElementName><vssd:InstanceID>0</vssd:InstanceID><vssd:VirtualSystemType>vmx-13</vssd:VirtualSystemType></System>
      <Item><rasd:AllocationUnits>hertz * 10^6</rasd:AllocationUnits><rasd:ElementName>cpu</rasd:ElementName><rasd:InstanceID>1</rasd:InstanceID><rasd:ResourceType>3</rasd:ResourceType><rasd:VirtualQuantity>1</rasd:VirtualQuantity></Item>
      <Item><rasd:AllocationUnits>${memUnits}</rasd:AllocationUnits><rasd:ElementName>mem</rasd:ElementName><rasd:InstanceID>2</rasd:InstanceID><rasd:ResourceType>4</rasd:ResourceType><rasd:VirtualQuantity>256</rasd:VirtualQuantity></Item>
      ${items}
    </VirtualHardwareSection>
  </VirtualSystem>
</Envelope>
`;
}

const range = (n, f) => Array.from({ length: n }, (_, i) => f(i)).join('');
const nic = (i) =>
  `<Item><rasd:Connection>n</rasd:Connection><rasd:ElementName>nic${i}</rasd:ElementName><rasd:InstanceID>${i + 10}</rasd:InstanceID><rasd:ResourceSubType>VmxNet3</rasd:ResourceSubType><rasd:ResourceType>10</rasd:ResourceType></Item>\n`;

const SERIES = [
  { name: 'memory AllocationUnits: byte * 2 + N spaces + x', unit: 'spaces', sizes: [10_000, 100_000, 1_000_000], make: (n) => descriptor({ memUnits: `byte * 2${' '.repeat(n)}x` }) },
  { name: 'capacityAllocationUnits: byte * 2 + N spaces + x', unit: 'spaces', sizes: [10_000, 100_000, 1_000_000], make: (n) => descriptor({ diskUnits: `byte * 2${' '.repeat(n)}x` }) },
  { name: 'N NIC Items', unit: 'Items', sizes: [10_000, 30_000, 100_000], make: (n) => descriptor({ items: range(n, nic) }) },
  {
    name: 'N Files in References (unreferenced)',
    unit: 'Files',
    sizes: [10_000, 30_000, 100_000],
    make: (n) => descriptor({ files: range(n, (i) => `<File ovf:id="f${i}" ovf:href="f${i}.vmdk" ovf:size="${i}"/>\n`) }),
  },
  { name: 'N NIC Items sharing one InstanceID', unit: 'Items', sizes: [10_000, 30_000, 100_000], make: (n) => descriptor({ items: range(n, () => nic(0)) }) },
  {
    name: 'N Properties sharing one key',
    unit: 'Properties',
    sizes: [10_000, 30_000, 100_000],
    make: (n) => descriptor({ properties: range(n, () => `<Property ovf:key="k" ovf:type="string" ovf:value="v"/>\n`) }),
  },
  {
    name: 'N Properties',
    unit: 'Properties',
    sizes: [10_000, 30_000, 100_000],
    make: (n) => descriptor({ properties: range(n, (i) => `<Property ovf:key="k${i}" ovf:type="string" ovf:value="v${i}"/>\n`) }),
  },
  {
    name: 'one attribute value of N characters',
    unit: 'chars',
    sizes: [100_000, 1_000_000, 10_000_000],
    make: (n) => descriptor({ memUnits: 'byte * 2^20', diskUnits: 'byte * 2^20' }).replace('ovf:diskId="d1"', `ovf:diskId="${'d'.repeat(n)}"`),
  },
  { name: 'Info text of N characters', unit: 'chars', sizes: [100_000, 1_000_000, 10_000_000], make: (n) => descriptor({ info: 'i'.repeat(n) }) },
];

/** Time per unit may grow by this factor between steps before a series is flagged (noise, GC, caches). */
const TOLERANCE = 2;

const work = mkdtempSync(join(tmpdir(), 'ovfpipe-linearity-'));
let flagged = 0;
try {
  console.log(`| series | size | descriptor | lint ms | µs per unit | step ratio | peak RSS MiB | diagnostics |`);
  console.log(`|---|---:|---:|---:|---:|---:|---:|---:|`);
  for (const s of SERIES) {
    let previous;
    for (const n of s.sizes) {
      const file = join(work, 'bench.ovf');
      writeFileSync(file, s.make(n));
      const bytes = statSync(file).size;
      const r = spawnSync(process.execPath, [new URL(import.meta.url).pathname, '--one', file], { encoding: 'utf8', maxBuffer: 1 << 26 });
      if (r.status !== 0) throw new Error(`lint of ${s.name} (${n}) failed: ${r.stderr}`);
      const m = JSON.parse(r.stdout);
      const perUnit = (m.ms * 1000) / n;
      const ratio = previous === undefined ? undefined : perUnit / previous;
      const bad = ratio !== undefined && ratio > TOLERANCE;
      if (bad) flagged++;
      console.log(
        `| ${s.name} | ${n.toLocaleString('en')} ${s.unit} | ${(bytes / 1048576).toFixed(1)} MiB | ${m.ms.toFixed(0)} | ${perUnit.toFixed(2)} | ${ratio === undefined ? '–' : ratio.toFixed(2)}${bad ? ' **SUPERLINEAR?**' : ''} | ${m.rssMiB.toFixed(0)} | ${m.diagnostics} |`,
      );
      previous = perUnit;
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(
  flagged === 0
    ? `\nno series grew worse than linear (time per unit within ${TOLERANCE}x between steps)`
    : `\n${flagged} step(s) grew worse than linear (time per unit over ${TOLERANCE}x between steps)`,
);
process.exitCode = flagged === 0 ? 0 : 1;
