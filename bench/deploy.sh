#!/usr/bin/env bash
# End-to-end deploy throughput: `ovfpipe deploy` of a 1 GiB OVA to a KVM host
# over SSH, against the hand-made ways of doing the same, all in one run on
# the same files, to one loopback sshd and the local libvirtd:
#   (a) ovfpipe deploy            (verified upload + remote convert + overlay + ISO + define)
#   (a') ovfpipe deploy --disk-mode backing (verified upload kept as it is, overlay directly on it)
#   (b) scp + remote qemu-img convert (scp default = SFTP/chacha20; also scp -O -c aes128-gcm)
#   (c) manual: tar xf + sha256sum + compare with the .mf + scp + remote sha256sum + convert
# then a step-by-step profile of one deploy (bench/deploy-helpers/profile-deploy.mjs).
# Loopback only (127.0.0.1). Everything it creates lives in
# /var/lib/ovfpipe-bench/<pid> (QEMU's user must be able to read images) or is
# recorded and removed on exit: its sshd (by pid), its domains, the libvirt
# network `frontend` if it defined it, the bridge, libvirtd if it started it.
# Usage: bench/deploy.sh [SIZE_MIB] [RUNS]   (default 1024 MiB, 3 rounds: best and median of the
#   same-round ratios against scp+convert, and ovfpipe's peak RSS from /usr/bin/time -v)
#   OVFPIPE_BENCH_ONLY=ovfpipe: time only ovfpipe's two modes (no peers, no ratios), e.g. the peak RSS
#   of a 4 GiB image: OVFPIPE_BENCH_ONLY=ovfpipe bench/deploy.sh 4096 1
#   OVFPIPE_BENCH_REF=<commit>: measure that commit (git archive into the temp
#   dir, built there with this tree's node_modules) instead of the working tree,
#   which other work may be changing while the bench runs.
#   OVFPIPE_BENCH_LEAN_SHELL=1: the bench's sshd sets SHLVL=1 in its sessions, so
#   root's login shell (bash) skips ~/.bashrc for ssh commands, as on a host with a
#   plain root profile. Here root's ~/.bashrc runs `pyenv init`, which bash sources
#   for every ssh command (Debian's bash: SSH_SOURCE_BASHRC) and costs 0.2 s of
#   CPU per command on an idle machine: ovfpipe runs ~20 commands, scp+convert 1–2.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
HELPERS=$ROOT/bench/deploy-helpers
SIZE_MIB=${1:-1024}
RUNS=${2:-3}
ONLY=${OVFPIPE_BENCH_ONLY:-}
BASE=/var/lib/ovfpipe-bench
BENCH=$BASE/$$
NET=frontend
NET_BRIDGE=ovfbench0
VIRSH=(virsh -q -c qemu:///system)
SSHD_PID=""
NET_CREATED=""
BRIDGE_PREEXISTED=""
INFRA_STATE=""
TENANTS=()

log() { printf '%s %s\n' "$(date +%T)" "$*" >&2; }

cleanup() {
  set +e
  for t in "${TENANTS[@]}"; do
    if "${VIRSH[@]}" dominfo "$t-web" >/dev/null 2>&1; then
      "${VIRSH[@]}" destroy "$t-web" >/dev/null 2>&1
      "${VIRSH[@]}" undefine "$t-web" >/dev/null 2>&1 && log "cleanup: undefined leftover domain $t-web"
    fi
  done
  if [ -n "$SSHD_PID" ] && kill -0 "$SSHD_PID" 2>/dev/null; then
    kill "$SSHD_PID"
    for _ in $(seq 50); do kill -0 "$SSHD_PID" 2>/dev/null || break; sleep 0.1; done
    log "cleanup: stopped sshd pid $SSHD_PID"
  fi
  if [ -n "$NET_CREATED" ] && "${VIRSH[@]}" net-dumpxml "$NET" 2>/dev/null | grep -q "name='$NET_BRIDGE'"; then
    "${VIRSH[@]}" net-destroy "$NET" >/dev/null 2>&1
    "${VIRSH[@]}" net-undefine "$NET" >/dev/null && log "cleanup: undefined libvirt network $NET"
  fi
  if [ -z "$BRIDGE_PREEXISTED" ] && ip link show "$NET_BRIDGE" >/dev/null 2>&1; then
    ip link del "$NET_BRIDGE" && log "cleanup: removed bridge $NET_BRIDGE"
  fi
  if [ -n "$INFRA_STATE" ]; then
    log "cleanup: stopping the libvirtd/virtlogd this bench started (pids $(cat "$INFRA_STATE/pids" 2>/dev/null))"
    OVFPIPE_E2E_STATE=$INFRA_STATE bash "$ROOT/test/e2e/infra.sh" stop
  fi
  rm -rf "$BENCH"
  rmdir "$BASE" 2>/dev/null
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$BASE" && chmod 0755 "$BASE"
mkdir -m 0755 "$BENCH"
cd "$BENCH"

CODE=$ROOT
if [ -n "${OVFPIPE_BENCH_REF:-}" ]; then
  COMMIT=$(git -C "$ROOT" rev-parse --verify "${OVFPIPE_BENCH_REF}^{commit}")
  CODE=$BENCH/tree
  echo "== building commit $COMMIT ($(git -C "$ROOT" log -1 --format=%s "$COMMIT" | cut -c1-70)…) in $CODE"
  mkdir "$CODE"
  git -C "$ROOT" archive "$COMMIT" | tar -x -C "$CODE"
  ln -s "$ROOT/node_modules" "$CODE/node_modules"
else
  echo "== building dist/ (working tree on $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- src || echo ', with uncommitted changes in src/'))"
fi
(cd "$CODE" && npx tsc -p . >/dev/null) || echo "note: tsc reported type errors elsewhere in the tree; using what it emitted"
# As `npm run build` does: the precompiled schema validators (trees without the script compile them at run time).
(cd "$CODE" && { test ! -f scripts/gen-validators.mjs || node scripts/gen-validators.mjs >/dev/null; })
CLI=$CODE/dist/cli/bin.js
test -f "$CLI" || { echo "dist/cli/bin.js missing" >&2; exit 2; }

echo "== machine"
uptime
echo "cores: $(nproc); $(free -m | awk '/^Mem:/ { print "RAM " $2 " MiB, available " $7 " MiB" }')"
echo "CPU idle over 3 s before the bench (vmstat): $(vmstat 1 4 | tail -n 3 | awk '{ s += $15 } END { printf "%.0f%%", s / NR }')"
echo "processes busy right now (top, >= 5% CPU):"
top -b -n 2 -d 1 | awk '/^top -/ { n++ } n == 2 && $1 ~ /^[0-9]+$/ && $9 + 0 >= 5 { print "  " $1, $9 "%", $12 }' | grep -v " top$" || echo "  (none)"

echo "== libvirtd"
if "${VIRSH[@]}" uri >/dev/null 2>&1; then
  echo "already running (pid $(cat /run/libvirtd.pid 2>/dev/null || echo ?)): left alone"
else
  INFRA_STATE=$BENCH/infra
  mkdir -p "$INFRA_STATE"
  OVFPIPE_E2E_STATE=$INFRA_STATE bash "$ROOT/test/e2e/infra.sh" start
  echo "$(cat /run/libvirtd.pid 2>/dev/null) $(cat /run/virtlogd.pid 2>/dev/null)" > "$INFRA_STATE/pids"
  echo "started by this bench: $(cat "$INFRA_STATE/started" 2>/dev/null | tr '\n' ' ')(pids $(cat "$INFRA_STATE/pids"))"
fi

echo "== package: ${SIZE_MIB} MiB of random data as a streamOptimized VMDK, in an OVA ($BENCH)"
head -c "$((SIZE_MIB * 1048576))" /dev/urandom > raw
qemu-img convert -f raw -O vmdk -o subformat=streamOptimized raw web-disk1.vmdk
rm raw
VMDK_SIZE=$(stat -c %s web-disk1.vmdk)
sed -e "s/ovf:size=\"131072\"/ovf:size=\"$VMDK_SIZE\"/" -e "s/ovf:capacity=\"64\"/ovf:capacity=\"$SIZE_MIB\"/" \
  "$CODE/examples/web-appliance/web-appliance.ovf" > bench.ovf
grep -q "ovf:size=\"$VMDK_SIZE\"" bench.ovf && grep -q "ovf:capacity=\"$SIZE_MIB\"" bench.ovf || { echo "web-appliance.ovf changed shape: size/capacity not set" >&2; exit 2; }
printf 'SHA256(bench.ovf)= %s\nSHA256(web-disk1.vmdk)= %s\n' \
  "$(openssl dgst -sha256 -r bench.ovf | cut -d' ' -f1)" "$(openssl dgst -sha256 -r web-disk1.vmdk | cut -d' ' -f1)" > bench.mf
tar --format=ustar -cf bench.ova bench.ovf bench.mf web-disk1.vmdk
node "$CLI" verify bench.ova >/dev/null || { echo "ovfpipe verify rejects the bench OVA" >&2; exit 2; }
echo "vmdk: $VMDK_SIZE bytes ($(awk -v b="$VMDK_SIZE" 'BEGIN { printf "%.1f", b / 1048576 }') MiB); ova: $(stat -c %s bench.ova) bytes; ovfpipe verify: ok"
printf 'ip: 10.0.0.5\nadmin_password: x\n' > vars.yaml

echo "== sshd on 127.0.0.1"
mkdir -p /run/sshd && chmod 0755 /run/sshd
mkdir -m 0700 ssh
ssh-keygen -q -t ed25519 -N '' -f ssh/hostkey
ssh-keygen -q -t ed25519 -N '' -f ssh/clientkey
install -m 600 ssh/clientkey.pub ssh/authorized_keys
PORT=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
cat > ssh/sshd_config <<CFG
Port $PORT
ListenAddress 127.0.0.1
HostKey $BENCH/ssh/hostkey
PidFile $BENCH/ssh/sshd.pid
AuthorizedKeysFile $BENCH/ssh/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
CFG
if [ -n "${OVFPIPE_BENCH_LEAN_SHELL:-}" ]; then echo "SetEnv SHLVL=1" >> ssh/sshd_config; fi
/usr/sbin/sshd -t -f ssh/sshd_config
/usr/sbin/sshd -f ssh/sshd_config -E "$BENCH/ssh/sshd.log"
for _ in $(seq 50); do [ -s ssh/sshd.pid ] && break; sleep 0.1; done
SSHD_PID=$(cat ssh/sshd.pid)
KEY=$BENCH/ssh/clientkey
KH=$BENCH/ssh/known_hosts
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 ssh/hostkey.pub)" > "$KH"
ssh -o "UserKnownHostsFile=$KH" -o StrictHostKeyChecking=yes -o BatchMode=yes -o IdentitiesOnly=yes -i "$KEY" -p "$PORT" root@127.0.0.1 true
echo "port $PORT, pid $SSHD_PID; remote commands run by root's login shell $(getent passwd root | cut -d: -f7)$(if [ -n "${OVFPIPE_BENCH_LEAN_SHELL:-}" ]; then echo ", SHLVL=1 (~/.bashrc skipped: OVFPIPE_BENCH_LEAN_SHELL)"; else echo ", which sources ~/.bashrc for ssh commands"; fi)"

echo "== libvirt network $NET"
ensure_net() {
  if ! "${VIRSH[@]}" net-info "$NET" >/dev/null 2>&1; then
    if ip link show "$NET_BRIDGE" >/dev/null 2>&1; then BRIDGE_PREEXISTED=yes; fi
    echo "<network><name>$NET</name><bridge name='$NET_BRIDGE'/></network>" > net.xml
    "${VIRSH[@]}" net-define net.xml >/dev/null
    NET_CREATED=yes
    echo "defined $NET (bridge $NET_BRIDGE, not started) for this run"
  fi
}
if "${VIRSH[@]}" net-info "$NET" >/dev/null 2>&1; then echo "already defined: used as is, left alone"; else ensure_net; fi

# ---- helpers -------------------------------------------------------------------
secs_since() { awk -v s="$1" -v e="$(date +%s.%N)" 'BEGIN { printf "%.3f", e - s }'; }
rss_kb() { awk -F: '/Maximum resident/ { gsub(/ /, "", $2); print $2 }' "$1"; }
mibs() { awk -v m="$SIZE_MIB" -v t="$1" 'BEGIN { printf "%.1f", m / t }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a < b ? a : b) }'; }
steps_line() { awk '{ printf "%s%s %ss", (NR > 1 ? ", " : ""), $2, $3 }' "$1"; }
cpu_snap() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $5 + $6 }' /proc/stat; } # busy idle (jiffies)
cpu_busy() { # cpu_busy "SNAPSHOT_BEFORE": machine-wide CPU busy % since then (all processes, ours and others')
  local b i b2 i2
  read -r b i <<< "$1"
  read -r b2 i2 <<< "$(cpu_snap)"
  awk -v b="$((b2 - b))" -v i="$((i2 - i))" 'BEGIN { printf "%.0f%%", 100 * b / (b + i) }'
}
settle() { sync; sleep 1; } # no dirty pages from the previous run are written back during the next one
CLK_TCK=$(getconf CLK_TCK)
# CPU seconds of everything our sshd ran (sessions, shells, cat, openssl, qemu-img): the
# listener's cutime+cstime, which grows as its connection children are reaped.
server_cpu() { sleep 0.5; awk -v hz="$CLK_TCK" '{ printf "%.2f", ($16 + $17) / hz }' "/proc/$SSHD_PID/stat"; }
client_cpu() { awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$1"; }
sum() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a + b }'; }
NCPU=$(nproc)
# others BUSY% CPU_SECONDS WALL: machine busy minus our own share = what other processes took (upper bound:
# loopback softirq work and writeback kworkers are not charged to us).
others() { awk -v b="${1%\%}" -v c="$2" -v w="$3" -v n="$NCPU" 'BEGIN { o = b - 100 * c / (w * n); printf "%.0f%%", (o < 0 ? 0 : o) }'; }

HOST=ssh://root@127.0.0.1:$PORT
export PORT KEY KH
declare -A BEST=() ALL=() RSS=() STEPS=() CPU=() ALLCPU=()
record() { # record NAME SECONDS RSS_KB STEPS_TEXT CPU_SECONDS
  ALL[$1]="${ALL[$1]:-}${ALL[$1]:+ / }$2"
  ALLCPU[$1]="${ALLCPU[$1]:-}${ALLCPU[$1]:+ / }$5"
  if [ -z "${BEST[$1]:-}" ] || awk -v a="$2" -v b="${BEST[$1]}" 'BEGIN { exit !(a < b) }'; then
    BEST[$1]=$2
    RSS[$1]=$3
    STEPS[$1]=$4
  fi
  if [ -z "${CPU[$1]:-}" ] || awk -v a="$5" -v b="${CPU[$1]}" 'BEGIN { exit !(a < b) }'; then CPU[$1]=$5; fi
}

ovfpipe_args() { # TENANT STORE
  echo "--host $HOST --identity $KEY --known-hosts $KH --storage $2 --tenant $1 --vars $BENCH/vars.yaml"
}

run_ovfpipe() { # run_ovfpipe I MODE (convert|backing)
  local mode=$2 name=ovfpipe tenant="bench$$r$1${2:0:1}" store="$BENCH/store-ovfpipe-$1-$2" s t bytes c sc cpu
  if [ "$mode" = backing ]; then name="ovfpipe backing"; fi
  TENANTS+=("$tenant")
  ensure_net
  settle
  sc=$(server_cpu)
  c=$(cpu_snap)
  s=$(date +%s.%N)
  # The deploy's stderr log lines, each stamped with the seconds since the start (stdout → report.json).
  # shellcheck disable=SC2046
  /usr/bin/time -v -o time-ovfpipe.txt node "$CLI" deploy bench.ova $(ovfpipe_args "$tenant" "$store") --disk-mode "$mode" --domain-type qemu --json 2>&1 > report.json |
    while IFS= read -r line; do printf '%8s  %s\n' "$(secs_since "$s")" "$line"; done > deploy-stderr.txt ||
    { cat deploy-stderr.txt report.json >&2; echo "ovfpipe deploy failed" >&2; exit 1; }
  t=$(secs_since "$s")
  bytes=$(node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")); if (!r.vms.every(v=>v.status==="created")) process.exit(1); console.log(r.bytesUploaded)' report.json) ||
    { cat report.json >&2; echo "ovfpipe deploy did not create the VM" >&2; exit 1; }
  busy=$(cpu_busy "$c")
  cpu=$(sum "$(client_cpu time-ovfpipe.txt)" "$(awk -v a="$(server_cpu)" -v b="$sc" 'BEGIN { print a - b }')")
  echo "  ovfpipe deploy --disk-mode $mode #$1: ${t}s, $(mibs "$t") MiB/s, bytesUploaded $bytes, peak RSS $(($(rss_kb time-ovfpipe.txt) / 1024)) MiB; CPU ${cpu}s (client $(client_cpu time-ovfpipe.txt)s); machine CPU busy $busy, others ~$(others "$busy" "$cpu" "$t")"
  sed 's/^/      /' deploy-stderr.txt
  BYTES_UPLOADED=$bytes
  record "$name" "$t" "$(rss_kb time-ovfpipe.txt)" "bytesUploaded $bytes" "$cpu"
  # shellcheck disable=SC2046
  node "$CLI" destroy bench.ova $(ovfpipe_args "$tenant" "$store") --json > destroy.json 2>/dev/null ||
    { cat destroy.json >&2; echo "ovfpipe destroy failed" >&2; exit 1; }
  ! "${VIRSH[@]}" dominfo "$tenant-web" >/dev/null 2>&1 || { echo "destroy left $tenant-web defined" >&2; exit 1; }
  rm -rf "$store"
}

run_baseline() { # run_baseline MODE NAME I
  local mode=$1 name=$2 i=$3 dir="$BENCH/store-$1-$3" s t c sc cpu busy x=""
  mkdir -m 0755 "$dir"
  if [ "$mode" = manual ]; then x=$(mktemp -d "$BENCH/extract.XXXXXX"); fi
  : > steps.txt
  settle
  sc=$(server_cpu)
  c=$(cpu_snap)
  s=$(date +%s.%N)
  if [ "$mode" = manual ]; then
    STEPS_FILE=$BENCH/steps.txt /usr/bin/time -v -o "time-$mode.txt" bash "$HELPERS/baseline.sh" manual "$BENCH/bench.ova" "$dir" "$x"
  else
    STEPS_FILE=$BENCH/steps.txt /usr/bin/time -v -o "time-$mode.txt" bash "$HELPERS/baseline.sh" "$mode" "$BENCH/web-disk1.vmdk" "$dir"
  fi
  t=$(secs_since "$s")
  busy=$(cpu_busy "$c")
  cpu=$(sum "$(client_cpu "time-$mode.txt")" "$(awk -v a="$(server_cpu)" -v b="$sc" 'BEGIN { print a - b }')")
  test -s "$dir/disk.qcow2" || { echo "$name: no qcow2 was written" >&2; exit 1; }
  echo "  $name #$i: ${t}s, $(mibs "$t") MiB/s ($(steps_line steps.txt)); CPU ${cpu}s (client $(client_cpu "time-$mode.txt")s); machine CPU busy $busy, others ~$(others "$busy" "$cpu" "$t")"
  record "$name" "$t" "$(rss_kb "time-$mode.txt")" "$(steps_line steps.txt)" "$cpu"
  rm -rf "$dir" ${x:+"$x"}
}

echo "== timing, ${RUNS} rounds; each round: ovfpipe (convert), ovfpipe (backing)$(if [ -z "$ONLY" ]; then echo ", scp, scp -O gcm, manual"; fi) (page cache warm, sync before each)"
cat bench.ova web-disk1.vmdk > /dev/null
BYTES_UPLOADED=0
for i in $(seq "$RUNS"); do
  run_ovfpipe "$i" convert
  run_ovfpipe "$i" backing
  if [ -n "$ONLY" ]; then continue; fi
  run_baseline scp "scp+convert" "$i"
  run_baseline scp-gcm "scp -O gcm+convert" "$i"
  run_baseline manual "manual pipeline" "$i"
done
if [ -n "$ONLY" ]; then
  echo
  echo "== results (${SIZE_MIB} MiB disk; ovfpipe only; all runs: wall s | CPU s)"
  for n in ovfpipe "ovfpipe backing"; do
    printf '%-16s best %ss (%s MiB/s)  peak RSS %s MiB (target < 150: %s)  runs %s | %s\n' "$n" "${BEST[$n]}" "$(mibs "${BEST[$n]}")" "$((${RSS[$n]} / 1024))" \
      "$(awk -v a="$((${RSS[$n]} / 1024))" 'BEGIN { print (a < 150 ? "met" : "MISSED") }')" "${ALL[$n]}" "${ALLCPU[$n]}"
  done
  exit 0
fi

echo "== ovfpipe --dry-run (start-up + open OVA + render + connect + facts, no changes)"
T_DRY=999999
for i in 1 2; do
  s=$(date +%s.%N)
  # shellcheck disable=SC2046
  node "$CLI" deploy bench.ova $(ovfpipe_args "bench$$dry" "$BENCH/store-dry") --domain-type qemu --dry-run > dry.txt 2>&1 ||
    { cat dry.txt >&2; echo "ovfpipe deploy --dry-run failed" >&2; exit 1; }
  T_DRY=$(min "$(secs_since "$s")" "$T_DRY")
done
rm -rf "$BENCH/store-dry"
echo "  best of 2: ${T_DRY}s"

echo "== fixed cost of one remote command (this sshd; root's login shell is bash)"
LAT=$(node "$HELPERS/exec-latency.mjs" "$CODE" "$HOST" "$KEY" "$KH" 10)
EXEC_SEQ=$(node -e 'console.log(JSON.parse(process.argv[1]).sequentialPerExec)' "$LAT")
echo "  ovfpipe Transport: $LAT"
T_SSH_TRUE=999999
for _ in 1 2 3; do
  s=$(date +%s.%N)
  ssh -o "UserKnownHostsFile=$KH" -o BatchMode=yes -o IdentitiesOnly=yes -i "$KEY" -p "$PORT" root@127.0.0.1 true
  T_SSH_TRUE=$(min "$(secs_since "$s")" "$T_SSH_TRUE")
done
echo "  ssh root@127.0.0.1 true (new connection each): ${T_SSH_TRUE}s best of 3"
shell_start() { local s; s=$(date +%s.%N); env -u SHLVL "$@" bash -c true < /dev/null; secs_since "$s"; }
echo "  local bash -c true: $(shell_start env)s; with SSH_CLIENT set, as sshd runs it (bash then sources ~/.bashrc): $(shell_start env SSH_CLIENT='127.0.0.1 1 22')s"

echo "== profile: one deploy step by step (as shipped; convert mode, then backing mode)"
for mode in durable backing; do
  tenant="bench$$p${mode%%-*}"
  store="$BENCH/store-profile-$mode"
  TENANTS+=("$tenant")
  ensure_net
  settle
  flag=()
  if [ "$mode" = no-durable ]; then flag=(--no-durable); fi
  if [ "$mode" = backing ]; then flag=(--disk-mode=backing); fi
  c=$(cpu_snap)
  node "$HELPERS/profile-deploy.mjs" "$CODE" bench.ova "$HOST" "$KEY" "$KH" "$store" "$tenant" vars.yaml "${flag[@]}" > "profile-$mode.json" ||
    { cat "profile-$mode.json" >&2; echo "profiled deploy failed" >&2; exit 1; }
  busy=$(cpu_busy "$c")
  echo "-- $mode: $(node -e 'const p=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")); console.log(`${p.seconds}s total (in-process, no node start-up), ${(Number(process.argv[2]) / p.seconds).toFixed(1)} MiB/s`)' "profile-$mode.json" "$SIZE_MIB"); machine CPU busy $busy"
  node -e '
    const p = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    for (const s of p.steps) console.log(`  ${String(s.start.toFixed(3)).padStart(8)}  ${s.seconds === undefined ? "        " : (s.seconds.toFixed(3) + "s").padStart(8)}  ${s.name}`);
    const sum = (f) => p.steps.filter(f).reduce((a, s) => a + (s.seconds ?? 0), 0);
    const small = p.steps.filter((s) => s.name.startsWith("exec ") && !/qemu-img convert/.test(s.name));
    const big = (re) => sum((s) => re.test(s.name)).toFixed(3);
    console.log(`  summary: ${small.length} small execs ${sum((s) => small.includes(s)).toFixed(3)}s; image stream ${big(/^put: stream/)}s (incl. ISO); remote tail (hash ‖ convert, install) ${big(/^put: remote tail/)}s; separate finalize ${big(/^put: finalize/)}s; connect ${big(/^connect/)}s; local prep ${big(/^open OVA/)}s`);
  ' "profile-$mode.json"
  # shellcheck disable=SC2046
  node "$CLI" destroy bench.ova $(ovfpipe_args "$tenant" "$store") > /dev/null 2>&1 || echo "note: destroy of $tenant failed; the exit cleanup undefines it"
  rm -rf "$store"
done

echo "== same-run reference points (1 file, page cache warm)"
settle
ref() { local s; s=$(date +%s.%N); "$@" > /dev/null; secs_since "$s"; }
T_OPENSSL=$(ref openssl dgst -sha256 web-disk1.vmdk)
T_SHASUM=$(ref sha256sum web-disk1.vmdk)
mkdir -m 0755 ref
T_CAT=$(ref ssh -o "UserKnownHostsFile=$KH" -o BatchMode=yes -o IdentitiesOnly=yes -c aes128-gcm@openssh.com -i "$KEY" -p "$PORT" root@127.0.0.1 "cat > $BENCH/ref/cat.vmdk" < web-disk1.vmdk)
T_CONV=$(ref qemu-img convert -f vmdk -O qcow2 ref/cat.vmdk ref/conv.qcow2)
T_SYNC=$(ref sync ref/conv.qcow2 ref/cat.vmdk)
rm -rf ref
printf '  openssl dgst -sha256 %ss (%s MiB/s); sha256sum %ss (%s MiB/s)\n' "$T_OPENSSL" "$(mibs "$T_OPENSSL")" "$T_SHASUM" "$(mibs "$T_SHASUM")"
printf "  ssh 'cat > f' aes128-gcm %ss (%s MiB/s); local qemu-img convert vmdk->qcow2 %ss (%s MiB/s); sync of the two files %ss\n" \
  "$T_CAT" "$(mibs "$T_CAT")" "$T_CONV" "$(mibs "$T_CONV")" "$T_SYNC"

echo
echo "== results (${SIZE_MIB} MiB disk; MiB/s = ${SIZE_MIB} MiB / wall; best of ${RUNS}; all runs listed)"
printf '%-22s %8s %10s %9s %8s  %s\n' "path" "MiB/s" "best (s)" "RSS MiB" "CPU (s)" "all runs: wall (s) | CPU (s) | steps of the best run"
for n in ovfpipe "ovfpipe backing" "scp+convert" "scp -O gcm+convert" "manual pipeline"; do
  printf '%-22s %8s %10s %9s %8s  %s | %s | %s\n' "$n" "$(mibs "${BEST[$n]}")" "${BEST[$n]}" "$((${RSS[$n]} / 1024))" "${CPU[$n]}" "${ALL[$n]}" "${ALLCPU[$n]}" "${STEPS[$n]}"
done
echo "(CPU = user+sys seconds of the client process tree (time -v) plus everything our sshd ran; libvirtd's own work is not in it. Lowest of the runs.)"
T_A=${BEST[ovfpipe]}
R_B=$(ratio "${BEST[scp+convert]}" "$T_A")
R_BK=$(ratio "${BEST[scp+convert]}" "${BEST[ovfpipe backing]}")
R_BG=$(ratio "${BEST[scp -O gcm+convert]}" "$T_A")
R_C=$(ratio "${BEST[manual pipeline]}" "$T_A")
verdict() { awk -v a="$1" -v b="$2" 'BEGIN { print (a >= b ? "met" : "MISSED") }'; }
# Same-round ratios: each round runs the paths back to back, so a slow spell of the machine hits both.
per_round() { # per_round PEER OURS [median] -> "r1 r2 … (best b, median m)", or only m
  awk -v a="${ALL[$2]}" -v b="${ALL[$1]}" -v only="${3:-}" 'BEGIN {
    n = split(a, x, " / "); split(b, y, " / ");
    for (i = 1; i <= n; i++) { r[i] = y[i] / x[i]; out = out sprintf("%s%.2f", (i > 1 ? " " : ""), r[i]) }
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (r[j] < r[i]) { t = r[i]; r[i] = r[j]; r[j] = t }
    m = (n % 2) ? r[(n + 1) / 2] : (r[n / 2] + r[n / 2 + 1]) / 2;
    if (only != "") printf "%.2f", m; else printf "%s (best %.2f, median %.2f)", out, r[n], m }'
}
ROUNDS_B=$(per_round "scp+convert" ovfpipe)
ROUNDS_BK=$(per_round "scp+convert" "ovfpipe backing")
echo
echo "best-of ratios (each side's fastest run):"
echo "  (b) scp+convert / ovfpipe convert:        ${R_B}x"
echo "  (b) scp+convert / ovfpipe backing:        ${R_BK}x"
echo "  (b') scp -O gcm+convert / ovfpipe convert: ${R_BG}x   (for information)"
echo "  (c) manual pipeline / ovfpipe convert:    ${R_C}x"
echo "same-round ratios (the figures the targets are judged on):"
echo "  (b)/ovfpipe convert: $ROUNDS_B   target >= 1.2 (median): $(verdict "$(per_round "scp+convert" ovfpipe median)" 1.2)"
echo "  (b)/ovfpipe backing: $ROUNDS_BK   target >= 2 (median): $(verdict "$(per_round "scp+convert" "ovfpipe backing" median)" 2)"
echo "  (c)/ovfpipe convert: $(per_round "manual pipeline" ovfpipe)"
echo "CPU ratio (b)/ovfpipe: convert $(ratio "${CPU[scp+convert]}" "${CPU[ovfpipe]}")x, backing $(ratio "${CPU[scp+convert]}" "${CPU[ovfpipe backing]}")x; (c)/ovfpipe: $(ratio "${CPU[manual pipeline]}" "${CPU[ovfpipe]}")x   (what the ratios tend to on a saturated machine)"
for n in ovfpipe "ovfpipe backing"; do
  echo "$n peak RSS: $((${RSS[$n]} / 1024)) MiB   (target < 150: $(awk -v a="$((${RSS[$n]} / 1024))" 'BEGIN { print (a < 150 ? "met" : "MISSED") }'))"
done
echo "ovfpipe bytesUploaded:            $BYTES_UPLOADED (vmdk $VMDK_SIZE + OVF environment ISO)"
echo "ovfpipe --dry-run:                ${T_DRY}s"
echo "one remote exec (ovfpipe):        ${EXEC_SEQ}s sequential"
echo
uptime
