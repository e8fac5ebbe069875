/**
 * Remote steps as data (ARCHITECTURE.md "Remote steps are data";
 * docs/remote-steps.md). A step is `{id, argv, undo?, timeoutMs}`: one
 * command, one word per argument (quoted for the remote shell by the
 * transport, never spliced into a script), the commands that reverse it, and
 * a bound. The step runner (step-runner.ts) compiles a list of steps into one
 * remote script per round trip, frames each step's result, and knows a
 * failing step by its id; on failure it runs the undo steps of the steps
 * that succeeded.
 *
 * This module is pure: it compiles a HostPlan (plan.ts) into step lists.
 * Adding a remote step means adding one entry here.
 */
import type { HostPlan, ImageStep, VmPlan } from './plan.js';
import { SELF_CONTAINED, TEMP_MARKER } from './ssh/put.js';

export interface RemoteStep {
  /** Names the step in results, failure messages and logs: `vm-dir`, `overlay:web-disk.qcow2`, `define`, … */
  id: string;
  /** The command, one word per argument. */
  argv: readonly string[];
  /** Steps that reverse this one once it succeeded; a rollback runs them in order (the steps themselves last first). */
  undo?: readonly RemoteStep[];
  /** Remote bound (coreutils `timeout`): a wedged libvirtd or disk fails this step, by its id. */
  timeoutMs: number;
  /** What a failure message starts with (default: the id), e.g. `virsh define`. */
  label?: string;
  /** Data for the step's standard input: the exec's stdin, so at most one step of a round trip has it. The others read /dev/null. */
  input?: string;
  /** The step writes only a name this run owns (a unique temporary file): its undo runs even when it failed half-way. */
  undoOnFailure?: boolean;
  /** In a rollback: a failure is expected and not reported (stopping a domain that may not be running). */
  mayFail?: boolean;
}

/** Bounds on remote steps: a wedged libvirtd or storage fails the VM instead of hanging the run. */
export const STEP_TIMEOUT_MS = {
  mkdir: 30_000,
  overlay: 30_000,
  virsh: 120_000,
  start: 300_000,
  remove: 60_000,
} as const;

const virsh = (uri: string, ...args: string[]): string[] => ['virsh', '-c', uri, ...args];

/** The format of an overlay's base: qcow2 (the store's conversion), or the source's own when the base is the upload itself. */
export function backingFormat(d: { basePath?: string; storedPath?: string; sourceFormat?: string }): string {
  return d.basePath !== undefined && d.basePath === d.storedPath ? (d.sourceFormat ?? 'qcow2') : 'qcow2';
}

/** The VM's own directory (overlays, OVF environment ISO); '' when it has neither. */
export function vmDirectory(vm: VmPlan): string {
  return `${vm.disks[0]?.overlayPath ?? vm.vm.ovfEnv?.isoPath ?? ''}`.replace(/\/[^/]+$/, '');
}

/** Removes a file this run created (an overlay, an uploaded ISO). */
export function removeFileStep(id: string, path: string): RemoteStep {
  return { id, argv: ['rm', '-f', '--', path], timeoutMs: STEP_TIMEOUT_MS.remove, label: `removing ${path}` };
}

/** What the `iso` step prints when the file on the host already has the digest: nothing written, nothing to undo. */
export const ISO_KEPT = 'ovfpipe: iso kept';

/**
 * $1 path, $2 sha256 of the image, $3 the image gzip-compressed, base64. An
 * ISO already there with that digest is kept; else the image is written
 * (mode 0600: properties may be passwords). What is written is checked by
 * gzip itself, which refuses a stream whose CRC-32 or length does not match
 * the data compressed here (and base64 refuses a damaged word, which then
 * reaches gzip truncated); the image's sha256 was computed here from the
 * same bytes, so hashing it again on the host would add a process per VM
 * and no check. The digest keeps an identical ISO on a re-run.
 */
// Processes are the cost here (one set per VM, issue 19): the digest is cut with the shell's own
// expansion, and with $4 = 1 the VM's directory is made here rather than by a step of its own.
const ISO_SCRIPT = [
  'p=$1 s=$2',
  'if [ "$4" = 1 ]; then mkdir -p -- "${p%/*}" || exit 1; fi',
  `if [ -f "$p" ] && h=$(sha256sum <"$p") && [ "\${h%% *}" = "$s" ]; then echo '${ISO_KEPT}'; exit 0; fi`,
  // A new ISO is written in place, into a file this script created (noclobber: O_EXCL, so never one that appeared
  // meanwhile, which a failure below must not remove); one that replaces another goes through a temporary name and
  // a rename. A torn one (a crash) fails the digest check of the next run and is replaced.
  'umask 077; t="$p.ovfpipe-iso-$$"',
  'if [ ! -e "$p" ]; then set -C; if command : 2>/dev/null >"$p"; then t=$p; fi; set +C; fi',
  `if printf %s "$3" | base64 -d | gzip -dc >"$t" && { [ "$t" = "$p" ] || mv -f -T -- "$t" "$p"; }; then exit 0; fi`,
  'rm -f -- "$t"; echo "the OVF environment ISO for $p did not decompress whole (gzip refused it); nothing was kept"; exit 1',
].join('\n');

/** The OVF environment ISO as it travels: its sha256, and the image gzip-compressed then base64 (an argv word: a few hundred bytes for a 52 KiB image). */
export interface IsoPayload {
  sha256: string;
  gzipBase64: string;
}

/**
 * Writes the OVF environment ISO (built here, reproducible) unless the host
 * holds it already. Its data is an argv word, so the step needs no stdin
 * and runs beside other VMs' steps; a rollback removes what it wrote.
 */
export function isoWriteStep(isoPath: string, iso: IsoPayload, makeDirectory = false): RemoteStep {
  return {
    id: 'iso',
    argv: ['sh', '-c', ISO_SCRIPT, 'ovfpipe-iso', isoPath, iso.sha256, iso.gzipBase64, makeDirectory ? '1' : '0'],
    timeoutMs: STEP_TIMEOUT_MS.overlay,
    label: `writing ${isoPath}`,
    undo: [removeFileStep('undo:iso', isoPath)],
  };
}

/**
 * Everything one VM to create or update goes through, in order (what `plan`
 * shows): its directory and OVF environment ISO (when given), its overlays,
 * the definition (domain XML on stdin) and, when asked, start and autostart.
 * Deploy runs these lists batched per host (apply-vms.ts). A VM ovfpipe
 * creates is undefined again if a later step fails (stopped first: start may
 * have worked); an updated VM keeps its new definition.
 */
export function vmApplySteps(vm: VmPlan, connectUri: string, iso?: IsoPayload): RemoteStep[] {
  return [...vmPrepareSteps(vm, iso), defineStep(vm, connectUri), ...(vm.start ? startSteps(vm, connectUri) : [])];
}

/**
 * What a VM needs on disk before its definition: its directory, its OVF
 * environment ISO (when given: deploy builds it; without it the ISO is left
 * to a put and the directory to that preparation), its overlays.
 */
export function vmPrepareSteps(vm: VmPlan, iso?: IsoPayload): RemoteStep[] {
  return [...vmSetupSteps(vm, iso), ...overlaySteps(vm)];
}

/** The VM's directory and its OVF environment ISO: what does not need its images (deploy runs it while they stream). */
export function vmSetupSteps(vm: VmPlan, iso?: IsoPayload): RemoteStep[] {
  const steps: RemoteStep[] = [];
  const dir = vmDirectory(vm);
  // The ISO's own step makes the directory when it is the ISO's: one step (and its processes) fewer per VM.
  const isoMakesDir = vm.vm.ovfEnv !== undefined && iso !== undefined && dir === vm.vm.ovfEnv.isoPath.replace(/\/[^/]+$/, '');
  if ((!vm.vm.ovfEnv || iso) && dir && !isoMakesDir) steps.push({ id: 'vm-dir', argv: ['mkdir', '-p', '--', dir], timeoutMs: STEP_TIMEOUT_MS.mkdir, label: 'creating the VM directory' });
  if (vm.vm.ovfEnv && iso) steps.push(isoWriteStep(vm.vm.ovfEnv.isoPath, iso, isoMakesDir));
  return steps;
}

/** The overlays to create (`qemu-img create -b <base>`, or a blank disk), each removed again by a rollback. */
export function overlaySteps(vm: VmPlan): RemoteStep[] {
  const steps: RemoteStep[] = [];
  for (const d of vm.disks.filter((x) => x.createOverlay)) {
    const file = d.overlayPath.split('/').pop()!;
    steps.push({
      id: `overlay:${file}`,
      argv: d.basePath
        ? // --disk-mode backing: the base is the uploaded image itself, in its own format (backingFormat).
          ['qemu-img', 'create', '-q', '-f', 'qcow2', '-F', backingFormat(d), '-b', d.basePath, '--', d.overlayPath]
        : ['qemu-img', 'create', '-q', '-f', 'qcow2', '--', d.overlayPath, String(d.capacityBytes ?? 1 << 30)],
      timeoutMs: STEP_TIMEOUT_MS.overlay,
      label: `creating overlay ${d.overlayPath}`,
      undo: [removeFileStep(`undo:overlay:${file}`, d.overlayPath)],
    });
  }
  return steps;
}

/** `virsh define` of the VM (its XML on stdin); for a VM this run creates, undone by stopping and undefining it. */
export function defineStep(vm: VmPlan, connectUri: string): RemoteStep {
  const name = vm.vm.name;
  return {
    id: 'define',
    argv: virsh(connectUri, 'define', '/dev/stdin'),
    input: vm.vm.xml,
    timeoutMs: STEP_TIMEOUT_MS.virsh,
    label: 'virsh define',
    ...(vm.action === 'create'
      ? {
          undo: [
            { id: 'undo:define:stop', argv: virsh(connectUri, 'destroy', '--', name), timeoutMs: STEP_TIMEOUT_MS.virsh, mayFail: true },
            { id: 'undo:define', argv: virsh(connectUri, 'undefine', '--', name), timeoutMs: STEP_TIMEOUT_MS.virsh, label: `virsh undefine ${name}` },
          ],
        }
      : {}),
  };
}

/** `start`, then `autostart` (each only if the step before it worked). */
export function startSteps(vm: VmPlan, connectUri: string): RemoteStep[] {
  return [
    { id: 'start', argv: virsh(connectUri, 'start', '--', vm.vm.name), timeoutMs: STEP_TIMEOUT_MS.start, label: 'virsh start' },
    { id: 'autostart', argv: virsh(connectUri, 'autostart', '--', vm.vm.name), timeoutMs: STEP_TIMEOUT_MS.virsh, label: 'virsh autostart' },
  ];
}

/** The temporary name a conversion writes (unique to this run: hosts sharing one store never write the same file). */
export function convertTempPath(img: ImageStep, unique: string): string {
  return `${img.basePath}${TEMP_MARKER}convert-${unique}`;
}

/**
 * An image already in the store as uploaded (an earlier ovfpipe kept the raw
 * file) converted into its qcow2 base: the same self-containment check a
 * fresh upload gets (the stored file may predate it), the conversion to a
 * temporary name, the rename, and the directory sync. qemu-img converts at
 * ~100 MiB/s here; the bound allows 10 MiB/s and never less than 10 minutes.
 */
export function convertSteps(img: ImageStep, unique: string): RemoteStep[] {
  const tmp = convertTempPath(img, unique);
  const dir = img.basePath.replace(/\/[^/]+$/, '');
  const format = img.sourceFormat ?? 'raw';
  return [
    {
      id: 'check-image',
      argv: ['bash', '-c', `img=$1 t=$2; fail() { exit "\${1:-1}"; }\n${SELF_CONTAINED}`, 'ovfpipe-check-image', format, img.storedPath],
      timeoutMs: STEP_TIMEOUT_MS.virsh,
      label: `stored image ${img.storedPath}`,
    },
    {
      id: 'convert',
      argv: ['qemu-img', 'convert', '-q', '-f', format, '-O', 'qcow2', '--', img.storedPath, tmp],
      timeoutMs: Math.max(600_000, Math.ceil(((img.bytes ?? 0) / (10 << 20)) * 1000)),
      label: 'qemu-img convert failed',
      undoOnFailure: true,
      undo: [removeFileStep('undo:convert', tmp)],
    },
    { id: 'install', argv: ['mv', '-f', '-T', '--', tmp, img.basePath], timeoutMs: STEP_TIMEOUT_MS.mkdir, label: `installing ${img.basePath}` },
    { id: 'sync', argv: ['sync', '--', dir], timeoutMs: STEP_TIMEOUT_MS.virsh, label: `syncing ${dir}` },
  ];
}

/** What the runner does on one host for a plan: per image (those not uploaded but converted) and per VM, its step lists. */
export interface HostSteps {
  images: Array<{ sha256: string; steps: RemoteStep[] }>;
  vms: Array<{ name: string; steps: RemoteStep[] }>;
}

/**
 * The step lists of a whole HostPlan, for `plan` output and tests. Uploads
 * (puts) are not steps; a VM that is refused has none, an unchanged one only
 * its start when asked.
 */
export function hostPlanSteps(plan: HostPlan, connectUri: string, unique: string): HostSteps {
  return {
    images: plan.images.filter((i) => !i.upload && i.convert).map((i) => ({ sha256: i.sha256, steps: convertSteps(i, unique) })),
    vms: plan.vms.map((vm) => ({
      name: vm.vm.name,
      steps: vm.action === 'refuse' ? [] : vm.action === 'unchanged' ? (vm.start ? startSteps(vm, connectUri) : []) : vmApplySteps(vm, connectUri),
    })),
  };
}
