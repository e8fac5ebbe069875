// Where the time of a pipeline `apply` goes: runs dist's runPipeline (the
// code path of `ovfpipe apply FILE`) in this process, with every remote
// command and upload of ovfpipe's ssh2 Transport timed (the Transport class
// is wrapped, nothing in src/ changes), and prints one JSON object:
//   wall, per host: connect→first exec, facts phase (first exec → first
//   executor command), execute phase, remote commands by kind (count, summed
//   latency), and the ISO build cost measured alone.
// Usage: node profile.mjs CODE_DIR PIPELINE.yaml [PIPELINE.yaml ...]
//   several files are applied at once in this one process (the bench's
//   one-pipeline-per-host variant), each through its own runPipeline.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const [code, ...files] = process.argv.slice(2);
const isoSamples = 10;
const dist = (p) => import(pathToFileURL(`${code}/dist/${p}`).href);
const { SshTransport } = await dist('deploy/ssh/ssh-transport.js');
const { runPipeline } = await dist('pipeline/run.js');
const { buildOvfEnvIso } = await dist('render/ovf-env.js');

const t0 = performance.now();
const now = () => (performance.now() - t0) / 1000;

// Facts commands (src/deploy/facts.ts) versus what the executor runs.
function kind(argv) {
  // Batched scripts (src/deploy/batch.ts, executor.ts): named by their $0.
  if (argv[0] === 'bash' && argv[3] === 'ovfpipe-batch') {
    if (argv.includes('nwfilter-list')) return ['facts', 'facts batch (one per host)'];
    if (argv.includes('ovfpipe-filter')) return ['execute', 'filter definitions batch'];
    return ['execute', 'VM prep batch: mkdir, ISO sha256 (per VM)'];
  }
  if (argv[0] === 'bash' && argv[3] === 'ovfpipe-apply') return ['execute', 'apply: overlays + define (+ start) (per VM)'];
  if (argv[0] === 'bash' && argv[3] === 'ovfpipe-convert') return ['execute', 'convert a stored image'];
  const a = argv[0] === 'virsh' ? argv.slice(3) : argv; // drop `virsh -c URI`
  const v = argv[0] === 'virsh';
  if (v && a[0] === 'dumpxml') return ['facts', 'virsh dumpxml (per VM)'];
  if (v && a[0] === 'domstate') return ['facts', 'virsh domstate (per existing VM)'];
  if (v && ['version', 'nwfilter-list', 'nwfilter-dumpxml', 'net-info'].includes(a[0])) return ['facts', `virsh ${a[0]}`];
  if (argv[0] === 'test' && argv[1] === '-e') return ['facts', 'test -e (per overlay)'];
  if (argv[0] === 'qemu-img' && argv[1] === '--version') return ['facts', 'qemu-img --version'];
  if (argv[0] === 'mkdir' && argv.some((x) => x.endsWith('/images'))) return ['facts', 'mkdir storage root'];
  if (['df', 'ls', 'ip'].includes(argv[0]) || argv[0] === 'sh') return ['facts', argv[0]];
  if (v && a[0] === 'nwfilter-define') return ['execute', 'virsh nwfilter-define'];
  if (v && a[0] === 'define') return ['execute', 'virsh define (per VM)'];
  if (v) return ['execute', `virsh ${a[0]}`];
  if (argv[0] === 'find') return ['execute', 'find (stale upload temps)'];
  if (argv[0] === 'mkdir') return ['execute', 'mkdir VM dir (per VM)'];
  if (argv[0] === 'qemu-img' && argv[1] === 'create') return ['execute', 'qemu-img create overlay (per VM)'];
  if (argv[0] === 'qemu-img' && argv[1] === 'convert') return ['execute', 'qemu-img convert (per image)'];
  if (argv[0] === 'sha256sum') return ['execute', 'sha256sum ISO (per VM)'];
  if (argv[0] === 'bash' && argv[3] === 'ovfpipe-finalize') return ['execute', 'put finalize: sync, mv, sync dir (inside put)'];
  if (argv[0] === 'rm') return ['execute', 'rm'];
  if (argv[0] === 'mv') return ['execute', 'mv (per image)'];
  return ['execute', argv.slice(0, 2).join(' ')];
}

const hosts = new Map();
const host = (label) => {
  if (!hosts.has(label)) hosts.set(label, { firstExec: undefined, factsEnd: undefined, lastEnd: 0, kinds: new Map(), inFlight: 0, maxInFlight: 0 });
  return hosts.get(label);
};
function record(label, phase, name, start) {
  const h = host(label);
  const end = now();
  const k = h.kinds.get(name) ?? { phase, n: 0, seconds: 0, max: 0 };
  k.n++;
  k.seconds += end - start;
  k.max = Math.max(k.max, end - start);
  h.kinds.set(name, k);
  h.lastEnd = Math.max(h.lastEnd, end);
}
const exec = SshTransport.prototype.exec;
SshTransport.prototype.exec = async function (argv, opts) {
  const h = host(this.label);
  const [phase, name] = kind(argv);
  const start = now();
  h.firstExec ??= start;
  if (phase === 'execute' && h.factsEnd === undefined) h.factsEnd = start;
  h.maxInFlight = Math.max(h.maxInFlight, ++h.inFlight);
  try {
    return await exec.call(this, argv, opts);
  } finally {
    h.inFlight--;
    record(this.label, phase, name, start);
  }
};
const put = SshTransport.prototype.put;
SshTransport.prototype.put = async function (data, path, opts) {
  const start = now();
  try {
    return await put.call(this, data, path, opts);
  } finally {
    record(this.label, 'execute', path.endsWith('.iso') ? 'put ISO (per VM; stream + remote hash + finalize)' : 'put image (per image)', start);
  }
};

const started = now();
const runs = await Promise.all(files.map((file) => runPipeline({ file, dryRun: false, env: process.env })));
const r = { report: { vms: runs.flatMap((x) => x.report.vms), hosts: runs.flatMap((x) => x.report.hosts), bytesUploaded: runs.reduce((n, x) => n + x.report.bytesUploaded, 0) } };
const wall = now() - started;

// The OVF environment ISO is built locally per VM (xorriso, a child process): its cost alone.
const dir = mkdtempSync(join(tmpdir(), 'ovfpipe-scale-iso-'));
const xml = '<?xml version="1.0" encoding="UTF-8"?><Environment xmlns="http://schemas.dmtf.org/ovf/environment/1"/>';
const isoStart = performance.now();
for (let i = 0; i < isoSamples; i++) await buildOvfEnvIso(xml, join(dir, `s${i}.iso`), { sourceDateEpoch: 0 });
const isoSeconds = (performance.now() - isoStart) / 1000 / isoSamples;
rmSync(dir, { recursive: true, force: true });

const round = (x) => +x.toFixed(3);
const out = {
  wall: round(wall),
  statuses: r.report.vms.reduce((m, v) => ({ ...m, [v.status]: (m[v.status] ?? 0) + 1 }), {}),
  bytesUploaded: r.report.bytesUploaded,
  errors: [...new Set(r.report.vms.filter((v) => v.error).map((v) => v.error))].slice(0, 5),
  isoBuildSecondsEach: round(isoSeconds),
  hosts: [...hosts.entries()].sort().map(([label, h]) => {
    const rep = r.report.hosts.find((x) => x.host.endsWith(label.split('@').pop()));
    const kinds = [...h.kinds.entries()].map(([name, k]) => ({
      name,
      phase: k.phase,
      n: k.n,
      seconds: round(k.seconds),
      meanMs: Math.round((1000 * k.seconds) / k.n),
      maxMs: Math.round(1000 * k.max),
    }));
    kinds.sort((a, b) => (a.phase === b.phase ? b.seconds - a.seconds : a.phase === 'facts' ? -1 : 1));
    return {
      host: label,
      vms: rep?.vms,
      hostSeconds: rep?.seconds,
      beforeFirstExecSeconds: round(h.firstExec - started), // local load, lint, verify, render of every VM, then connect
      factsSeconds: round((h.factsEnd ?? h.lastEnd) - h.firstExec),
      executeSeconds: h.factsEnd === undefined ? 0 : round(h.lastEnd - h.factsEnd),
      remoteCommands: kinds.reduce((n, k) => n + (k.name.startsWith('put finalize') ? 0 : k.n), 0),
      maxInFlight: h.maxInFlight,
      kinds,
    };
  }),
};
process.stdout.write(`${JSON.stringify(out)}\n`);
process.exit(r.report.vms.some((v) => v.status === 'failed') ? 1 : 0);
