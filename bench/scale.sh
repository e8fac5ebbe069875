#!/usr/bin/env bash
# Fleet-scale provisioning: VMs of one package (examples/secure-web, one
# shared disk image) across pretend KVM hosts — OpenSSH servers on 127.0.0.1
# in front of the one local libvirtd (TEST-INFRA.md) — with `ovfpipe apply`
# of generated pipelines (10 tenants, one deployment and one `ip` per VM,
# domainType qemu, define only: no start). docs/scale-benchmark.md has the
# figures and their reading.
#
#   fleet    (default, OVFPIPE_SCALE_MODE=fleet) per login shell and perHost:
#            a cold apply, a no-op apply and a destroy, each timed (wall,
#            VMs/s, peak RSS) and set against the FLOOR measured in the same
#            run right after the cold apply, on this machine with no ssh:
#            N × `qemu-img create -b` overlays on the run's base image plus
#            ONE virsh process defining the N domains (this run's own XML,
#            renamed), and ONE virsh process undefining them. Login shells:
#            `as-is` (sshd runs root's ~/.bashrc, as on this machine: the
#            default, what a real host with a heavy profile costs) and `lean`
#            (the sshd sets `SetEnv SHLVL=1`, so bash skips it);
#            OVFPIPE_SCALE_SHELLS picks. One pipeline and one storage root
#            per host (hosts with local disks), the applies (and destroys) of
#            all hosts at once. Remote commands per host are counted from
#            each sshd's VERBOSE log ("Starting session: command").
#            OVFPIPE_SCALE_AGENT ("off on"): each cycle also with `ovfpipe agent`
#            (docs/agent.md), started fresh for the cycle and warmed by one
#            untimed `plan` per host (as an operator runs plan, then apply), so
#            it holds each host's connection when the apply starts; rows
#            labelled SHELL+agent.
#            After the table, the fixed costs in the same run: node alone, node
#            loading ovfpipe's pipeline modules, and one OpenSSH `ssh host true`
#            per login shell (what any run pays before it reads a host).
#   split    (OVFPIPE_SCALE_MODE=split) the earlier bench, described below:
#            split/shared/shipped variants at one login shell
#            (OVFPIPE_SCALE_RC), then an in-process profile.
#
# In split mode:
#   split    one pipeline per host, each with its own storage root (= hosts
#            with local disks: each must receive the image once), the 4
#            applies run at once. Placement is the one `shared` gets (VM i on
#            host i mod 4), so the per-host work is the same. Timed at perHost
#            1, 2 and 4, then a second apply at perHost 4 with nothing changed.
#            (One pipeline cannot give each host its own root today: the
#            schema accepts inventory.hosts.*.storage, run.ts ignores it.)
#   shared   one pipeline, the 4 hosts, one storage root (= hosts on shared
#            storage, e.g. NFS). Timed at perHost 4.
#
# Build: the working tree as built, plus a copy with one fix in the emitted
# dist/deploy/ssh/exec.js (runExec loses the exit status of a fast command:
# see below and bench/scale/exit-race.mjs). The timed runs use the fixed copy
# (OVFPIPE_SCALE_BUILD=as-is: the build as is); one more split run at perHost
# 4 uses the build as is, to show what that bug does at this scale.
#
# Every run starts cold: nothing of ours defined, the storage root removed.
# Each is timed with /usr/bin/time -v (wall, peak RSS, CPU) and checked from
# its --report (statuses, placement as generated, bytesUploaded) and libvirt.
# Then bench/scale/profile.mjs applies the split pipelines in one process with
# every remote command timed (facts vs execute, by kind), cold and no-op.
#
# Remote shell (split mode): sshd runs every command through root's login
# shell, and Debian's bash sources ~/.bashrc for commands run by sshd. On these
# machines root's ~/.bashrc runs `pyenv init` twice (~0.3 s a command); in
# split mode the bench's sshds set `SetEnv SHLVL=1` by default so bash skips
# it (the file is not touched). OVFPIPE_SCALE_RC=source keeps it. The fixed
# cost of one command is measured both ways at the end. Fleet mode runs both.
#
# Loopback only. Bounded: every apply under `timeout`. Everything it creates
# is under /var/lib/ovfpipe-bench/scale-<pid> or recorded and removed on exit:
# its sshds (by pid), its domains and filters (`ovfpipe destroy PIPELINE`,
# then any leftover with this run's prefix), the bridge ovfpipe-br0 if it
# created it. libvirtd must be running (it is shared; this never stops it).
#
# Usage: bench/scale.sh
#   OVFPIPE_SCALE_MODE (fleet | split)  OVFPIPE_SCALE_SHELLS ("as-is lean", fleet)
#   OVFPIPE_SCALE_VMS (100)  OVFPIPE_SCALE_HOSTS (4)  OVFPIPE_SCALE_TENANTS (10)
#   OVFPIPE_SCALE_PER_HOST ("1 2 4", fleet and split)  OVFPIPE_SCALE_SHARED ("4"; "" skips)
#   OVFPIPE_SCALE_PROFILE (1; 0 skips)  OVFPIPE_SCALE_RC (skip | source)
#   OVFPIPE_SCALE_BUILD (fixed | as-is)  OVFPIPE_SCALE_SHIPPED ("4"; "" skips)
#   OVFPIPE_SCALE_CODE=DIR: use DIR/dist as built; default: snapshot the
#   working tree (tracked + untracked files) into the run dir and build it
#   there, so other work changing the tree during the run cannot affect it.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
HERE=$ROOT/bench/scale
VMS=${OVFPIPE_SCALE_VMS:-100}
NHOSTS=${OVFPIPE_SCALE_HOSTS:-4}
NTENANTS=${OVFPIPE_SCALE_TENANTS:-10}
PER_HOST=${OVFPIPE_SCALE_PER_HOST:-1 2 4}
SHARED=${OVFPIPE_SCALE_SHARED-4}
MODE=${OVFPIPE_SCALE_MODE:-fleet}
SHELLS=${OVFPIPE_SCALE_SHELLS:-as-is lean}
AGENT_MODES=${OVFPIPE_SCALE_AGENT:-off on}
RC=${OVFPIPE_SCALE_RC:-skip}
BUILD=${OVFPIPE_SCALE_BUILD:-fixed}
SHIPPED=${OVFPIPE_SCALE_SHIPPED-4}
PROFILE=${OVFPIPE_SCALE_PROFILE:-1}
APPLY_TIMEOUT=${OVFPIPE_SCALE_TIMEOUT:-300}
BASE=/var/lib/ovfpipe-bench
RUN=$BASE/scale-$$
STORE=$RUN/store
PREFIX=sc$$
BRIDGE=ovfpipe-br0
VIRSH=(virsh -q -c qemu:///system)
PKG=$ROOT/examples/secure-web
BRIDGE_CREATED=""
SSHD_PIDS=()
APPLIED=() # pipeline files applied and not yet destroyed

log() { printf '%s %s\n' "$(date +%T)" "$*" >&2; }
ours() { "${VIRSH[@]}" list --all --name | grep -c "^$PREFIX" || true; }

destroy_applied() {
  local f
  for f in "${APPLIED[@]}"; do
    timeout 300 node "$CLI" destroy "$f" > "$RUN/destroy.out" 2>&1 || log "destroy $f exited $?: $(tail -n 3 "$RUN/destroy.out")"
  done
  APPLIED=()
}

cleanup() {
  set +e
  trap - EXIT INT TERM
  if [ ${#APPLIED[@]} -gt 0 ] && [ -n "${CLI:-}" ]; then log "cleanup: destroy ${APPLIED[*]}"; destroy_applied; fi
  # Whatever is left with this run's prefix (a killed run): domains, then filters (referencing ones need a second pass).
  for d in $("${VIRSH[@]}" list --all --name 2>/dev/null | grep "^$PREFIX"); do
    "${VIRSH[@]}" destroy "$d" >/dev/null 2>&1
    "${VIRSH[@]}" undefine "$d" >/dev/null 2>&1 && log "cleanup: undefined leftover domain $d"
  done
  for _ in 1 2 3; do
    for f in $("${VIRSH[@]}" nwfilter-list 2>/dev/null | awk '{ print $2 }' | grep "^$PREFIX"); do
      "${VIRSH[@]}" nwfilter-undefine "$f" >/dev/null 2>&1 && log "cleanup: undefined leftover filter $f"
    done
  done
  if [ -n "${CLI:-}" ] && [ -d "$RUN/agent" ]; then OVFPIPE_AGENT_DIR="$RUN/agent" node "$CLI" agent stop > /dev/null 2>&1; fi
  for pid in "${SSHD_PIDS[@]}"; do
    kill "$pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
  [ ${#SSHD_PIDS[@]} -gt 0 ] && log "cleanup: stopped sshd pids ${SSHD_PIDS[*]}"
  if [ -n "$BRIDGE_CREATED" ] && ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link del "$BRIDGE" && log "cleanup: removed bridge $BRIDGE (created by this bench)"
  fi
  rm -rf "$RUN"
  rmdir "$BASE" 2>/dev/null
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"${VIRSH[@]}" uri >/dev/null 2>&1 || { echo "libvirtd is not running: bash test/e2e/infra.sh start" >&2; exit 2; }
mkdir -p "$BASE" && chmod 0755 "$BASE"
mkdir -m 0755 "$RUN" "$RUN/store"
cd "$RUN"

# ---- code -------------------------------------------------------------------
if [ -n "${OVFPIPE_SCALE_CODE:-}" ]; then
  CODE=$OVFPIPE_SCALE_CODE
  echo "== code: $CODE (as built)"
else
  CODE=$RUN/tree
  mkdir "$CODE"
  (cd "$ROOT" && git ls-files -co --exclude-standard -z | grep -zv '^bench/' | xargs -0 tar -c) | tar -x -C "$CODE"
  ln -s "$ROOT/node_modules" "$CODE/node_modules"
  echo "== code: snapshot of the working tree on $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- src || echo ' (uncommitted changes in src/)'), built in $CODE"
  (cd "$CODE" && npx tsc -p . >/dev/null) || echo "note: tsc reported type errors; using what it emitted"
  # As `npm run build` does: the precompiled schema validators (trees without the script compile them at run time).
  (cd "$CODE" && { test ! -f scripts/gen-validators.mjs || node scripts/gen-validators.mjs >/dev/null; })
fi
test -f "$CODE/dist/cli/bin.js" || { echo "$CODE/dist/cli/bin.js missing" >&2; exit 2; }
# A second copy with one fix in the emitted exec.js, for BUILD=fixed: runExec
# attaches its 'exit' listener only after `await openExecChannel(...)`, so an
# exit-status that ssh2 parses in the same read as the exec reply is lost and
# the command fails "(no exit status)" (bench/scale/exit-race.mjs shows it).
# The fix records the exit status in openExecChannel's callback instead.
FIXED=$RUN/tree-fixed
mkdir "$FIXED"
cp -a "$CODE/dist" "$CODE/package.json" "$CODE/pipeline" "$CODE/ovf-schema" "$FIXED/"
ln -s "$ROOT/node_modules" "$FIXED/node_modules"
node -e '
  const fs = require("fs"), f = process.argv[1];
  let s = fs.readFileSync(f, "utf8");
  // Fixed in src/ since (openExecChannel records the status): nothing to patch then.
  if (s.includes("earlyExit")) { console.log("== exec.js already records early exit statuses: the fixed copy is the build as is"); process.exit(0); }
  const a = "resolve(channel);", b = "if (code === undefined) {";
  if (s.split(a).length !== 2 || s.split(b).length !== 2) { console.error("exec.js changed shape: cannot apply the exit-status fix"); process.exit(2); }
  s = s.replace(a, "channel.once(\"exit\", (c, sig) => { channel.ovfpipeExit = exitCode(c, sig); }); resolve(channel);")
       .replace(b, "if (code === undefined) code = channel.ovfpipeExit;\n            " + b);
  fs.writeFileSync(f, s);
' "$FIXED/dist/deploy/ssh/exec.js"
if [ "$BUILD" = fixed ]; then CLI=$FIXED/dist/cli/bin.js; PCODE=$FIXED; else CLI=$CODE/dist/cli/bin.js; PCODE=$CODE; fi
SHIPPED_CLI=$CODE/dist/cli/bin.js
echo "== runs use: $([ "$BUILD" = fixed ] && echo "the build with the exit-status fix ($FIXED)" || echo "the build as is")"

echo "== machine"
uptime
echo "cores: $(nproc); $(free -m | awk '/^Mem:/ { print "RAM " $2 " MiB, available " $7 " MiB" }'); CPU idle over 3 s before the bench: $(vmstat 1 4 | tail -n 3 | awk '{ s += $15 } END { printf "%.0f%%", s / NR }')"
echo "$(virsh --version) libvirt; $(qemu-img --version | head -1); $(/usr/sbin/sshd -V 2>&1 | head -1); node $(node --version)"

# ---- bridge, sshds ----------------------------------------------------------
ensure_bridge() { # the e2e tests create and delete the same bridge: check before every apply
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge && BRIDGE_CREATED=yes && log "created bridge $BRIDGE"
  fi
}
ensure_bridge

echo "== $NHOSTS sshd on 127.0.0.1"
mkdir -p /run/sshd && chmod 0755 /run/sshd
mkdir -m 0700 ssh
ssh-keygen -q -t ed25519 -N '' -f ssh/clientkey
install -m 600 ssh/clientkey.pub ssh/authorized_keys
PORTS=()
: > ssh/known_hosts
start_sshd() { # start_sshd NAME RC → sets STARTED_PORT; host key, config, pid file and log under ssh/
  local name=$1 port
  ssh-keygen -q -t ed25519 -N '' -f "ssh/hostkey-$name"
  port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  {
    printf '%s\n' "Port $port" "ListenAddress 127.0.0.1" "HostKey $RUN/ssh/hostkey-$name" "PidFile $RUN/ssh/sshd-$name.pid" \
      "AuthorizedKeysFile $RUN/ssh/authorized_keys" "PermitRootLogin prohibit-password" "PubkeyAuthentication yes" \
      "PasswordAuthentication no" "KbdInteractiveAuthentication no" "UsePAM no" "StrictModes no" "Subsystem sftp internal-sftp" \
      "LogLevel VERBOSE" # one "Starting session" line per remote command: the bench counts them
    # bash sources ~/.bashrc for sshd's commands only when SHLVL < 2 after its own increment
    if [ "$2" = skip ]; then echo "SetEnv SHLVL=1"; fi
  } > "ssh/sshd-$name.config"
  /usr/sbin/sshd -t -f "ssh/sshd-$name.config"
  /usr/sbin/sshd -f "ssh/sshd-$name.config" -E "$RUN/ssh/sshd-$name.log"
  for _ in $(seq 50); do [ -s "ssh/sshd-$name.pid" ] && break; sleep 0.1; done
  SSHD_PIDS+=("$(cat "ssh/sshd-$name.pid")")
  echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "ssh/hostkey-$name.pub")" >> ssh/known_hosts
  ssh -o "UserKnownHostsFile=$RUN/ssh/known_hosts" -o StrictHostKeyChecking=yes -o BatchMode=yes -o IdentitiesOnly=yes -i ssh/clientkey -p "$port" root@127.0.0.1 true
  STARTED_PORT=$port
}
if [ "$MODE" = fleet ]; then
  # One set of hosts per login shell: as it is (root's ~/.bashrc sourced) and lean (SetEnv SHLVL=1).
  declare -A SHELL_PORTS=() SHELL_FLOOR=()
  for sh in $SHELLS; do
    ports=()
    for k in $(seq "$NHOSTS"); do
      start_sshd "$sh-$k" "$([ "$sh" = lean ] && echo skip || echo source)"
      ports+=("$STARTED_PORT")
    done
    SHELL_PORTS[$sh]="${ports[*]}"
    echo "shell $sh: ports ${ports[*]}; remote shell: $([ "$sh" = lean ] && echo "SetEnv SHLVL=1, root's ~/.bashrc not sourced" || echo "as it is, root's ~/.bashrc sourced")"
  done
  export PORT_LIST="${SHELL_PORTS[${SHELLS%% *}]}"
else
  for k in $(seq "$NHOSTS"); do
    start_sshd "$k" "$RC"
    PORTS+=("$STARTED_PORT")
  done
  export PORT_LIST="${PORTS[*]}"
  echo "ports $PORT_LIST; pids ${SSHD_PIDS[*]}; remote shell: $([ "$RC" = skip ] && echo "SetEnv SHLVL=1, root's ~/.bashrc not sourced" || echo "root's ~/.bashrc sourced")"
fi

# ---- pipelines --------------------------------------------------------------
gen() { # gen PER_HOST → writes shared-pN.yaml, split-hK-pN.yaml, expected.json
  local spec
  spec=$(printf '{"pkg":"%s","prefix":"%s","tenants":%d,"vms":%d,"ports":[%s],"identity":"%s","knownHosts":"%s","storage":"%s","perHost":%d,"bridge":"%s"}' \
    "$PKG" "$PREFIX" "$NTENANTS" "$VMS" "$(echo "$PORT_LIST" | tr ' ' ',')" "$RUN/ssh/clientkey" "$RUN/ssh/known_hosts" "$STORE" "$1" "$BRIDGE")
  node "$HERE/gen-pipeline.mjs" "$RUN" "$spec" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.stringify(JSON.parse(s).expected)))' > expected.json
}
IMAGE_BYTES=$(stat -c %s "$PKG/web-disk1.vmdk")
node "$CLI" verify "$PKG" >/dev/null
echo "== package $PKG: one disk image, web-disk1.vmdk $IMAGE_BYTES bytes; each VM also gets its own OVF environment ISO (built locally, uploaded)"
echo "== fleet: $VMS VMs = $NTENANTS tenants × $((VMS / NTENANTS)) deployments (names: [wNNN], own ip), $NHOSTS hosts, domains $PREFIX*"

# ---- helpers ----------------------------------------------------------------
secs_since() { awk -v s="$1" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", e - s }'; }
tv() { awk -F': ' -v k="$2" 'index($0, k) { gsub(/^[ \t]+/, "", $2); print $2 }' "$1"; } # tv TIMEFILE KEY
cpu_snap() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $5 + $6 }' /proc/stat; }
cpu_busy() {
  local b i b2 i2
  read -r b i <<< "$1"
  read -r b2 i2 <<< "$(cpu_snap)"
  awk -v b="$((b2 - b))" -v i="$((i2 - i))" 'BEGIN { printf "%.0f", 100 * b / (b + i) }'
}
fresh() { # nothing of ours defined, storage empty, bridge present
  destroy_applied
  [ "$(ours)" = 0 ] || { echo "domains of this run still defined after destroy" >&2; exit 1; }
  rm -rf "$STORE" && mkdir -m 0755 "$STORE"
  ensure_bridge
  sync
  sleep 1
}
ROWS=()
row() { ROWS+=("$(printf '%-8s %-7s %7s %6s %7s %11s %11s %14s %10s %8s %9s %6s  %s' "$@")"); }

# time_apply NAME FILE... : runs one `ovfpipe apply` per FILE at once, each under /usr/bin/time -v
time_apply() {
  local name=$1 i=0 s c f j pid pids=() rc=0
  shift
  c=$(cpu_snap)
  s=$(date +%s.%N)
  for f in "$@"; do
    i=$((i + 1))
    /usr/bin/time -v -o "time-$name-$i.txt" timeout "$APPLY_TIMEOUT" node "${APPLY_CLI:-$CLI}" apply "$f" --report "rep-$name-$i.json" > "out-$name-$i.txt" 2> "err-$name-$i.txt" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || rc=$?; done
  WALL=$(secs_since "$s")
  BUSY=$(cpu_busy "$c")
  RC=$rc
  RSS_MAX=0 RSS_SUM=0 CPU_S=0
  for j in $(seq "$i"); do
    local kb u sy
    kb=$(tv "time-$name-$j.txt" 'Maximum resident set size')
    u=$(tv "time-$name-$j.txt" 'User time')
    sy=$(tv "time-$name-$j.txt" 'System time')
    RSS_SUM=$((RSS_SUM + kb))
    [ "$kb" -gt "$RSS_MAX" ] && RSS_MAX=$kb
    CPU_S=$(awk -v a="$CPU_S" -v u="$u" -v s="$sy" 'BEGIN { printf "%.1f", a + u + s }')
    [ -s "rep-$name-$j.json" ] || { cat "err-$name-$j.txt" >&2; echo "apply $name ($j) wrote no report (exit $rc)" >&2; exit 1; }
  done
  SUMMARY=$(node "$HERE/summary.mjs" expected.json $(for j in $(seq "$i"); do echo "rep-$name-$j.json"; done))
  js() { node -e 'const o=JSON.parse(process.argv[1]); const v=process.argv[2].split(".").reduce((x,k)=>x?.[k],o); console.log(typeof v==="object"?JSON.stringify(v):v ?? 0)' "$SUMMARY" "$1"; }
  echo "  $name: ${WALL}s wall (exit $RC), statuses $(js statuses), bytesUploaded $(js bytesUploaded) (per host $(js hostBytes)), host seconds $(js hostSeconds), peak RSS $((RSS_MAX / 1024)) MiB$([ "$i" -gt 1 ] && echo " (sum of the $i processes $((RSS_SUM / 1024)) MiB)"), node CPU ${CPU_S}s, machine CPU busy ${BUSY}%"
  [ "$(js misplaced)" = 0 ] && [ "$(js missing)" = 0 ] || echo "  !! $(js misplaced) VMs not on the expected host, $(js missing) missing from the report"
  [ "$(js errors)" = "[]" ] || echo "  !! errors: $(js errors) $(js hostErrors)"
}

# ---- timed runs (OVFPIPE_SCALE_MODE=split: the earlier split/shared/shipped bench) ----
verify_defined() { # every VM of the fleet is defined in libvirt
  local n
  n=$(ours)
  [ "$n" = "$VMS" ] && echo "  libvirt: $n domains $PREFIX* defined" || echo "  !! libvirt: $n of $VMS domains defined"
}
cold_row() { # cold_row PERHOST VARIANT NAME
  local created failed bytes iso img uploads
  created=$(js statuses.created)
  failed=$(js statuses.failed)
  bytes=$(js bytesUploaded)
  uploads=$(cat "err-$3"-*.txt | grep -c 'uploading .*\.vmdk' || true) # executor log: "<host>: uploading <href> → <store path>"
  img=$((uploads * IMAGE_BYTES))
  iso=$((bytes - img))
  echo "  of the bytes: $img in disk images ($uploads uploads of the $IMAGE_BYTES-byte image), $iso in OVF environment ISOs ($([ "$created" -gt 0 ] && echo "$((iso / created)) per created VM" || echo -))"
  row "$1" "$2" "$WALL" "$(awk -v n="$created" -v t="$WALL" 'BEGIN { printf "%.2f", n / t }')" "$created" "$bytes" "$img" "$((IMAGE_BYTES * NHOSTS))" \
    "$((RSS_MAX / 1024))$([ "$2" != shared ] && echo "/$((RSS_SUM / 1024))")" "$CPU_S" "$BUSY" "$RC" "image sent ${uploads}×$([ "$failed" != 0 ] && echo "; $failed FAILED")${4:+; $4}"
}
noop_row() { # noop_row VARIANT
  local u
  u=$(js statuses.unchanged)
  row 4 "$1" "$WALL" "$(awk -v n="$u" -v t="$WALL" 'BEGIN { printf "%.2f", n / t }')" "${u}u" "$(js bytesUploaded)" - - \
    "$((RSS_MAX / 1024))$([ "$1" != no-op/sh ] && echo "/$((RSS_SUM / 1024))")" "$CPU_S" "$BUSY" "$RC" "all unchanged, 0 bytes: $([ "$u" = "$VMS" ] && [ "$(js bytesUploaded)" = 0 ] && echo yes || echo NO)"
}
split_files() { local k; for k in $(seq "$NHOSTS"); do echo "$RUN/split-h$k-p$1.yaml"; done; }

# ---- fleet: apply, no-op apply, destroy against the floor of the same run ----
sessions() { # sessions SHELL → one number per host: remote commands (sshd "Starting session") so far
  local k
  for k in $(seq "$NHOSTS"); do grep -c 'Starting session: command' "ssh/sshd-$1-$k.log" || true; done | tr '\n' ' '
}
per_host_since() { # per_host_since "BEFORE" "AFTER" → "a/b/…" remote commands per host in between
  local -a a b
  read -ra a <<< "$1"
  read -ra b <<< "$2"
  local out="" i
  for i in "${!a[@]}"; do out="$out${out:+/}$((b[i] - a[i]))"; done
  echo "$out"
}
# The floor, on this machine in this run: N qemu-img overlays on the run's base image, then one virsh
# process defining N domains (this run's own XML, renamed), then one virsh process undefining them.
floor() {
  local base d i=0 defs="" undefs="" s
  base=$(ls "$STORE"/host-1/images/*.qcow2 | head -n1)
  rm -rf floor && mkdir floor
  for d in $("${VIRSH[@]}" list --all --name | grep "^$PREFIX"); do
    i=$((i + 1))
    "${VIRSH[@]}" dumpxml --inactive "$d" | sed -e "s|<name>[^<]*</name>|<name>${PREFIX}floor$i</name>|" -e '/<uuid>/d' > "floor/$i.xml"
    defs="$defs define floor/$i.xml;"
    undefs="$undefs undefine ${PREFIX}floor$i;"
  done
  sync
  s=$(date +%s.%N)
  for i in $(seq "$i"); do qemu-img create -q -f qcow2 -F qcow2 -b "$base" "floor/$i.qcow2"; done
  virsh -c qemu:///system "$defs" > floor/define.out
  FLOOR_APPLY=$(secs_since "$s")
  s=$(date +%s.%N)
  virsh -c qemu:///system "$undefs" > floor/undefine.out
  FLOOR_DESTROY=$(secs_since "$s")
  [ "$(grep -c 'defined from' floor/define.out)" = "$VMS" ] && [ "$(grep -c 'has been undefined' floor/undefine.out)" = "$VMS" ] || echo "  !! floor: $(grep -c 'defined from' floor/define.out) defined, $(grep -c 'has been undefined' floor/undefine.out) undefined of $VMS"
  rm -rf floor
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
FROWS=()
frow() { FROWS+=("$(printf '%-12s %7s %-8s %7s %7s %8s %8s %7s  %s' "$@")"); }
# time_destroy FILE...: one `ovfpipe destroy` per FILE at once, each under /usr/bin/time -v
time_destroy() {
  local s i=0 f pid pids=() kb
  s=$(date +%s.%N)
  for f in "$@"; do
    i=$((i + 1))
    /usr/bin/time -v -o "time-destroy-$i.txt" timeout "$APPLY_TIMEOUT" node "$CLI" destroy "$f" > "destroy-$i.out" 2>&1 &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || echo "  !! a destroy exited $?: $(cat destroy-*.out | tail -n 3)"; done
  WALL=$(secs_since "$s")
  RSS_MAX=0
  for f in $(seq "$i"); do
    kb=$(tv "time-destroy-$f.txt" 'Maximum resident set size')
    if [ "$kb" -gt "$RSS_MAX" ]; then RSS_MAX=$kb; fi
  done
}
if [ "$MODE" = fleet ]; then
  echo
  echo "== fleet: one pipeline and one storage root per host (hosts with local disks), the $NHOSTS applies at once; per login shell and perHost: cold apply, no-op apply, destroy; the floor right after the apply"
  for sh in $SHELLS; do
   for am in $AGENT_MODES; do
    export PORT_LIST="${SHELL_PORTS[$sh]}"
    for p in $PER_HOST; do
      gen "$p"
      fresh
      # With the agent (ovfpipe agent, docs/agent.md): started fresh for the cycle, so its first apply opens the
      # connections; the no-op and the destroy reuse them. The label carries "+agent".
      label=$sh
      if [ "$am" = on ]; then
        label="$sh+agent"
        mkdir -p -m 0700 "$RUN/agent"
        export OVFPIPE_AGENT_DIR="$RUN/agent"
        node "$CLI" agent start --idle 600 > /dev/null
        # A plan first (untimed, read-only), as an operator runs plan before apply: the agent then holds each
        # host's connection and worker when the timed apply starts. Its first apply without one is the
        # row's "cold agent" note below.
        for f in $(split_files "$p"); do node "$CLI" plan "$f" > /dev/null 2>&1 & done
        wait
      else
        export OVFPIPE_AGENT=0
      fi
      log "fleet, shell $sh, perHost $p"
      echo "-- shell $sh, perHost $p"
      mapfile -t files < <(split_files "$p")
      APPLIED=("${files[@]}")
      c0=$(sessions "$sh")
      time_apply "fleet-$sh-p$p" "${files[@]}"
      c1=$(sessions "$sh")
      verify_defined
      cold_row "$p" "$sh" "fleet-$sh-p$p"
      floor
      echo "  floor: $VMS overlays + one virsh defining $VMS: ${FLOOR_APPLY}s; one virsh undefining $VMS: ${FLOOR_DESTROY}s"
      SHELL_FLOOR[$sh]=$FLOOR_APPLY
      frow "$label" "$p" apply "$WALL" "$(awk -v n="$(js statuses.created)" -v t="$WALL" 'BEGIN { printf "%.2f", n / t }')" "$((RSS_MAX / 1024))" "$FLOOR_APPLY" "$(ratio "$WALL" "$FLOOR_APPLY")" "$(js statuses.created) created; remote commands per host $(per_host_since "$c0" "$c1")"
      time_apply "fleet-noop-$sh-p$p" "${files[@]}"
      c2=$(sessions "$sh")
      frow "$label" "$p" no-op "$WALL" "$(awk -v n="$(js statuses.unchanged)" -v t="$WALL" 'BEGIN { printf "%.2f", n / t }')" "$((RSS_MAX / 1024))" "$FLOOR_APPLY" "$(ratio "$WALL" "$FLOOR_APPLY")" "$(js statuses.unchanged) unchanged, $(js bytesUploaded) bytes; remote commands per host $(per_host_since "$c1" "$c2")"
      time_destroy "${files[@]}"
      c3=$(sessions "$sh")
      APPLIED=()
      frow "$label" "$p" destroy "$WALL" "$(awk -v n="$VMS" -v t="$WALL" 'BEGIN { printf "%.2f", n / t }')" "$((RSS_MAX / 1024))" "$FLOOR_DESTROY" "$(ratio "$WALL" "$FLOOR_DESTROY")" "$(ours) domains left; ratio to the apply floor $(ratio "$WALL" "$FLOOR_APPLY"); remote commands per host $(per_host_since "$c2" "$c3")"
      if [ "$am" = on ]; then
        apid=$(cat "$RUN"/agent/agent-*.sock.pid 2>/dev/null | head -n1)
        echo "  agent (pid $apid): peak RSS $(awk '/^VmHWM/ { printf "%d MiB", $2 / 1024 }' "/proc/$apid/status" 2>/dev/null) (the rows' RSS is the CLI process that handed the run over)"
        node "$CLI" agent stop > /dev/null
        unset OVFPIPE_AGENT_DIR
      else
        unset OVFPIPE_AGENT
      fi
    done
   done
  done
  echo
  echo "== results: $VMS VMs (define only), $NHOSTS hosts, image $IMAGE_BYTES bytes; wall includes node start-up, load, lint, verify and render; the floor is remote work alone"
  printf '%-12s %7s %-8s %7s %7s %8s %8s %7s  %s\n' shell perHost phase "wall s" "VMs/s" "RSS MiB" "floor s" "×floor" note
  for r in "${FROWS[@]}"; do echo "$r"; done
  echo
  # What any run pays before it can read a host's state, measured here and now: a node process that loads
  # ovfpipe's pipeline modules, and one OpenSSH command through each login shell. A no-op or a destroy can
  # not cost less than their sum plus the reads; set against the same floor as above.
  med() { # med N CMD... → median wall seconds of N runs
    local n=$1 i s
    shift
    for i in $(seq "$n"); do
      s=$(date +%s.%N)
      "$@" > /dev/null 2>&1 || true
      secs_since "$s"
      echo
    done | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
  }
  NODE_ONLY=$(med 5 node -e 0)
  NODE_LOAD=$(med 5 node --input-type=module -e "await import('$(dirname "$(dirname "$CLI")")/pipeline/run.js')")
  echo "== fixed costs in this run (median of 5): node -e 0 ${NODE_ONLY}s; node + ovfpipe's pipeline modules ${NODE_LOAD}s"
  for sh in $SHELLS; do
    read -r port _ <<< "${SHELL_PORTS[$sh]}"
    SSH_ONE=$(med 5 ssh -o "UserKnownHostsFile=$RUN/ssh/known_hosts" -o StrictHostKeyChecking=yes -o BatchMode=yes -o IdentitiesOnly=yes -i "$RUN/ssh/clientkey" -p "$port" root@127.0.0.1 true)
    echo "   shell $sh: OpenSSH \`ssh host true\` ${SSH_ONE}s; node + modules + one ssh command $(awk -v a="$NODE_LOAD" -v b="$SSH_ONE" 'BEGIN { printf "%.2f", a + b }')s = $(awk -v a="$NODE_LOAD" -v b="$SSH_ONE" -v f="${SHELL_FLOOR[$sh]}" 'BEGIN { printf "%.2f", (a + b) / f }')× this shell's last apply floor (${SHELL_FLOOR[$sh]}s)"
  done
  echo
  uptime
  exit 0
fi


echo
echo "== split: one pipeline and one storage root per host, the $NHOSTS applies at once; cold (no domains, empty storage)"
for p in $PER_HOST; do
  gen "$p"
  fresh
  log "split, perHost $p"
  mapfile -t files < <(split_files "$p")
  APPLIED=("${files[@]}")
  time_apply "split-p$p" "${files[@]}"
  verify_defined
  cold_row "$p" split "split-p$p"
  for k in $(seq "$NHOSTS"); do echo "    host-$k store: $(ls "$STORE/host-$k/images" 2>/dev/null | sed 's/^\(........\)[0-9a-f]*/\1…/' | tr '\n' ' ')"; done
  if [ "$p" = 4 ]; then
    log "split, perHost 4, second apply (nothing changed)"
    time_apply "noop-split-p4" "${files[@]}"
    noop_row no-op
  fi
  s=$(date +%s.%N)
  destroy_applied
  echo "  destroy ($NHOSTS × ovfpipe destroy, one after another): $(secs_since "$s")s; domains left: $(ours)"
done
for p in $SHARED; do
  gen "$p"
  fresh
  log "shared, perHost $p"
  echo "== shared: one pipeline, $NHOSTS hosts, one storage root (as on NFS); cold, perHost $p"
  APPLIED=("$RUN/shared-p$p.yaml")
  time_apply "shared-p$p" "$RUN/shared-p$p.yaml"
  verify_defined
  cold_row "$p" shared "shared-p$p"
  s=$(date +%s.%N)
  destroy_applied
  echo "  destroy: $(secs_since "$s")s; domains left: $(ours)"
done

for p in $SHIPPED; do
  gen "$p"
  fresh
  log "split, perHost $p, build as shipped"
  echo "== split, perHost $p, with the build as shipped (no exit-status fix); cold"
  mapfile -t files < <(split_files "$p")
  APPLIED=("${files[@]}")
  APPLY_CLI=$SHIPPED_CLI time_apply "shipped-p$p" "${files[@]}"
  verify_defined
  cold_row "$p" shipped "shipped-p$p" "build as shipped"
  s=$(date +%s.%N)
  destroy_applied
  echo "  destroy: $(secs_since "$s")s; domains left: $(ours)"
done

# ---- profile ----------------------------------------------------------------
if [ "$PROFILE" = 1 ]; then
  echo
  echo "== profile: the split pipelines at perHost 4 in one process (bench/scale/profile.mjs), remote commands timed; cold, then no-op"
  gen 4
  fresh
  mapfile -t files < <(split_files 4)
  APPLIED=("${files[@]}")
  for phase in cold noop; do
    timeout "$APPLY_TIMEOUT" node "$HERE/profile.mjs" "$PCODE" "${files[@]}" > "profile-$phase.json" 2> "profile-$phase.err" || echo "  note: profile $phase exited $? $(head -c 300 "profile-$phase.err")"
    node -e '
      const p = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      console.log(`-- ${process.argv[2]}: ${p.wall}s in-process (no node start-up), statuses ${JSON.stringify(p.statuses)}, bytes ${p.bytesUploaded}; local ISO build ${p.isoBuildSecondsEach}s each${p.errors.length ? "; errors " + JSON.stringify(p.errors) : ""}`);
      for (const h of p.hosts)
        console.log(`  ${h.host}: ${h.vms} VMs, host ${h.hostSeconds}s = before first exec ${h.beforeFirstExecSeconds}s (local prepare + connect) | facts ${h.factsSeconds}s | execute ${h.executeSeconds}s; ${h.remoteCommands} remote commands, at most ${h.maxInFlight} in flight`);
      const agg = new Map();
      for (const h of p.hosts) for (const k of h.kinds) {
        const a = agg.get(k.name) ?? { phase: k.phase, n: 0, s: 0, max: 0 };
        a.n += k.n; a.s += k.seconds; a.max = Math.max(a.max, k.maxMs);
        agg.set(k.name, a);
      }
      console.log("  all hosts, by kind: phase, count, summed latency, mean, max");
      for (const [name, a] of [...agg.entries()].sort((x, y) => (x[1].phase === y[1].phase ? y[1].s - x[1].s : x[1].phase === "facts" ? -1 : 1)))
        console.log(`    ${a.phase.padEnd(7)} ${String(a.n).padStart(4)} ${a.s.toFixed(2).padStart(7)}s ${String(Math.round(1000 * a.s / a.n)).padStart(5)}ms ${String(a.max).padStart(5)}ms  ${name}`);
    ' "profile-$phase.json" "$phase"
  done
  destroy_applied
fi

echo "== fixed cost of one remote command through ovfpipe's Transport (one connection)"
start_sshd rc-skip skip
echo "  root's ~/.bashrc skipped: $(timeout 120 node "$HERE/exec-latency.mjs" "$FIXED" "ssh://root@127.0.0.1:$STARTED_PORT" "$RUN/ssh/clientkey" "$RUN/ssh/known_hosts" 10 || echo "exec-latency.mjs exited $?")"
echo "== ovfpipe's exec, short commands one at a time and 4 at once (bench/scale/exit-race.mjs), root's ~/.bashrc skipped"
echo "  as shipped:$(timeout 120 node "$HERE/exit-race.mjs" "$CODE" "ssh://root@127.0.0.1:$STARTED_PORT" "$RUN/ssh/clientkey" "$RUN/ssh/known_hosts" 10 4 || echo " exit-race.mjs exited $?")"
echo "  with the exit-status fix:$(timeout 120 node "$HERE/exit-race.mjs" "$FIXED" "ssh://root@127.0.0.1:$STARTED_PORT" "$RUN/ssh/clientkey" "$RUN/ssh/known_hosts" 10 4 || echo " exit-race.mjs exited $?")"
start_sshd rc-source source
echo "  root's ~/.bashrc sourced: $(timeout 120 node "$HERE/exec-latency.mjs" "$FIXED" "ssh://root@127.0.0.1:$STARTED_PORT" "$RUN/ssh/clientkey" "$RUN/ssh/known_hosts" 10 || echo "exec-latency.mjs exited $?")"
echo "  as shipped, root's ~/.bashrc sourced:$(timeout 120 node "$HERE/exit-race.mjs" "$CODE" "ssh://root@127.0.0.1:$STARTED_PORT" "$RUN/ssh/clientkey" "$RUN/ssh/known_hosts" 10 4 || echo " exit-race.mjs exited $?")"

echo
echo "== results: $VMS VMs (define only), $NHOSTS hosts, image $IMAGE_BYTES bytes; wall includes node start-up, load, lint, verify and render"
printf '%-8s %-7s %7s %6s %7s %11s %11s %14s %10s %8s %9s %6s  %s\n' perHost variant "wall s" "VMs/s" VMs "bytes sent" "image bytes" "image×hosts" "RSS MiB" "CPU s" "busy %" exit note
for r in "${ROWS[@]}"; do echo "$r"; done
echo "(split: RSS = largest process / sum of the $NHOSTS; CPU s = user+sys of ovfpipe's processes (node + xorriso); busy % = whole machine, sshd/bash/virsh/libvirtd and other work included)"
echo
uptime
