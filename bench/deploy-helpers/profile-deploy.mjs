// Where a deploy's time goes: runs the real deploy() from dist/ (same code
// path as `ovfpipe deploy`) through a Transport wrapper that times every
// remote step, and splits the verified upload into its parts:
//   stream  – first byte read → last byte read from the OVA member
//   remote  – last byte read → upload channel closed: the remote script's tail
//             (openssl dgst over the written file, together with `qemu-img
//             convert` for an image or `sync FILE` otherwise; compare; mv; sync DIR)
//   final   – a separate finalize exec (only when put had no expected digest)
// Nothing in src/ is changed: the wrapper calls dist's putStream with an
// UploadHost of its own, exactly as SshTransport.put does.
//
// Usage: node profile-deploy.mjs ROOT PKG HOST KEY KNOWN_HOSTS STORAGE TENANT VARS [--no-durable] [--disk-mode=convert|backing]
//   --no-durable: the same deploy with put's `durable: false` (no fsync of the
//   image and its directory) — measures what the fsync costs; not the shipped default.
// Prints one JSON object on stdout.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const [root, pkg, host, key, knownHosts, storage, tenant, varsPath, ...flags] = process.argv.slice(2);
const durable = !flags.includes('--no-durable');
const diskMode = flags.find((f) => f.startsWith('--disk-mode='))?.slice('--disk-mode='.length);
const dist = (p) => import(pathToFileURL(`${root}/dist/${p}`).href);
const { deploy } = await dist('deploy/deploy.js');
const { hostConnector } = await dist('deploy/connect.js');
const { putStream } = await dist('deploy/ssh/put.js');
const { parseVarsYaml } = await dist('macros/vars.js');
const { renderOptions } = await dist('render/options.js');

const t0 = performance.now();
const now = () => (performance.now() - t0) / 1000;
const steps = [];
const step = (name, start, extra = {}) => steps.push({ name, start: +start.toFixed(3), seconds: +(now() - start).toFixed(3), ...extra });
const short = (argv) => {
  const a = argv.map((x) => (x.length > 60 ? `${x.slice(0, 28)}…${x.slice(-28)}` : x));
  return a[0] === 'bash' ? `bash -c <${a[3] ?? 'script'}>` : a.slice(0, 6).join(' ');
};

const base = hostConnector({ identity: key, knownHosts });
async function connect(h) {
  const s = now();
  const t = await base(h);
  step('connect (ssh2 handshake + auth)', s);
  const exec = async (argv, o) => {
    const s2 = now();
    try {
      return await t.exec(argv, o);
    } finally {
      step(`exec ${short(argv)}`, s2);
    }
  };
  return {
    label: t.label,
    exec,
    async put(data, path, o = {}) {
      const s3 = now();
      let ended;
      data.once('end', () => (ended = now()));
      const uploadHost = {
        label: t.label,
        // What SshTransport.put uses; the close time ends the remote tail.
        openChannel: (command) =>
          t.holdSlot(command).then((ch) => {
            ch.once('close', () => {
              if (ended !== undefined) step('put: remote tail (last byte read → channel closed: hash ‖ convert or sync, compare, mv, sync DIR)', ended);
            });
            return ch;
          }),
        exec: async (argv, eo) => {
          const sf = now();
          // putStream's only exec on success is the finalize script (when no digest was expected); on failure, `rm -f`.
          try {
            return await t.exec(argv, eo);
          } finally {
            step(`put: finalize exec ${argv[0] === 'bash' ? '(mv -T, sync DIR)' : short(argv)}`, sf);
          }
        },
        onLost: (l) => t.onLost(l),
        get alive() {
          return t.alive;
        },
      };
      try {
        return await putStream(uploadHost, data, path, { ...o, durable });
      } finally {
        if (ended !== undefined) steps.push({ name: 'put: stream (first → last byte read)', start: +s3.toFixed(3), seconds: +(ended - s3).toFixed(3) });
        step(`put total ${path.split('/').pop()}`, s3);
      }
    },
    close: () => t.close(),
  };
}

const vars = parseVarsYaml(readFileSync(varsPath, 'utf8'), { file: varsPath, tenant }).vars;
const started = now();
const r = await deploy({
  pkg,
  tenant,
  vars,
  hosts: [host],
  connect,
  connectUri: 'qemu:///system',
  storageRoot: storage,
  ...(diskMode ? { diskMode } : {}),
  options: renderOptions({ domainType: 'qemu' }),
  log: (line) => steps.push({ name: `log: ${line}`, start: +now().toFixed(3) }),
});
const total = now() - started;
const firstConnect = steps.find((s) => s.name.startsWith('connect'));
steps.unshift({ name: 'open OVA, parse descriptor, read manifest, render (before connect)', start: 0, seconds: +(firstConnect?.start ?? 0).toFixed(3) });
steps.sort((a, b) => a.start - b.start);
process.stdout.write(`${JSON.stringify({ durable, seconds: +total.toFixed(3), bytesUploaded: r.report.bytesUploaded, vms: r.report.vms, steps })}\n`);
process.exit(r.report.vms.every((v) => v.status !== 'failed') ? 0 : 1);
