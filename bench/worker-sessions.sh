#!/usr/bin/env bash
# Remote sessions and wall time of bulk provisioning, one build against
# another (issue 19, docs/remote-steps.md "The worker"): VMS VMs of
# examples/secure-web (one deployment each, own ip, define only) on HOSTS
# pretend hosts (OpenSSH servers on 127.0.0.1, LogLevel VERBOSE, in front of
# the one local libvirtd), one pipeline and storage root per host, the applies
# at once. Root's login shell is used as it is (its ~/.bashrc is sourced for
# sshd's commands; OVFPIPE_WS_RC=skip sets SHLVL=1 so bash skips it).
#
# For each build: cold apply, no-op apply, destroy; wall time, peak RSS, and
# the exec sessions each host's sshd started ("Starting session: command" in
# its log) next to the report's hosts[].remoteSessions (absent before the
# worker). Once per run, the floor: N × `qemu-img create -b` of an overlay and
# one `virsh` session defining N domains (the XML of the VMs just applied,
# renamed), then one `virsh` session undefining them. Last, the fixed cost of
# one command through each build's Transport (bench/scale/exec-latency.mjs).
#
#   bench/worker-sessions.sh BUILD_DIR [BUILD_DIR…]   each with dist/cli/bin.js
#   OVFPIPE_WS_VMS (60) OVFPIPE_WS_HOSTS (2) OVFPIPE_WS_TENANTS (10)
#   OVFPIPE_WS_PER_HOST (4) OVFPIPE_WS_RC (source | skip)
#
# Loopback only; every command bounded by `timeout`. What it creates is under
# /var/lib/ovfpipe-bench/ws-<pid> or removed on exit: its sshds (by pid), its
# domains (prefix ws<pid>), its bridge.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 1 ] || { sed -n '2,25p' "$0" >&2; exit 2; }
VMS=${OVFPIPE_WS_VMS:-60}
NHOSTS=${OVFPIPE_WS_HOSTS:-2}
NTENANTS=${OVFPIPE_WS_TENANTS:-10}
PER_HOST=${OVFPIPE_WS_PER_HOST:-4}
RC=${OVFPIPE_WS_RC:-source}
RUN=/var/lib/ovfpipe-bench/ws-$$
PREFIX=ws$$
BRIDGE=ovfws$((RANDOM % 10000))
VIRSH=(timeout 300 virsh -q -c qemu:///system)
SSHD_PIDS=()
BUILDS=()
for b in "$@"; do BUILDS+=("$(cd "$b" && pwd)"); done

ours() { "${VIRSH[@]}" list --all --name | grep -c "^$PREFIX" || true; }
cleanup() {
  set +e
  for d in $("${VIRSH[@]}" list --all --name 2>/dev/null | grep -E "^($PREFIX|fl$PREFIX)"); do "${VIRSH[@]}" undefine "$d" >/dev/null 2>&1; done
  for _ in 1 2 3; do for f in $("${VIRSH[@]}" nwfilter-list 2>/dev/null | awk '{ print $2 }' | grep "^$PREFIX"); do "${VIRSH[@]}" nwfilter-undefine "$f" >/dev/null 2>&1; done; done
  for pid in "${SSHD_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  ip link del "$BRIDGE" 2>/dev/null
  rm -rf "$RUN"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"${VIRSH[@]}" uri >/dev/null
mkdir -p "$RUN/ssh" && cd "$RUN"
ip link add "$BRIDGE" type bridge
mkdir -p /run/sshd && chmod 0755 /run/sshd
ssh-keygen -q -t ed25519 -N '' -f ssh/clientkey
install -m 600 ssh/clientkey.pub ssh/authorized_keys
: > ssh/known_hosts
PORTS=()
for k in $(seq "$NHOSTS"); do
  ssh-keygen -q -t ed25519 -N '' -f "ssh/hostkey-$k"
  port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  {
    printf '%s\n' "Port $port" "ListenAddress 127.0.0.1" "HostKey $RUN/ssh/hostkey-$k" "PidFile $RUN/ssh/sshd-$k.pid" \
      "AuthorizedKeysFile $RUN/ssh/authorized_keys" "PermitRootLogin prohibit-password" "PubkeyAuthentication yes" \
      "PasswordAuthentication no" "KbdInteractiveAuthentication no" "UsePAM no" "StrictModes no" "LogLevel VERBOSE"
    if [ "$RC" = skip ]; then echo "SetEnv SHLVL=1"; fi
  } > "ssh/sshd-$k.config"
  /usr/sbin/sshd -f "ssh/sshd-$k.config" -E "$RUN/ssh/sshd-$k.log"
  for _ in $(seq 50); do [ -s "ssh/sshd-$k.pid" ] && break; sleep 0.1; done
  SSHD_PIDS+=("$(cat "ssh/sshd-$k.pid")")
  echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "ssh/hostkey-$k.pub")" >> ssh/known_hosts
  PORTS+=("$port")
done
sessions() { grep -c 'Starting session: command' "ssh/sshd-$1.log" || true; }
spec=$(printf '{"pkg":"%s","prefix":"%s","tenants":%d,"vms":%d,"ports":[%s],"identity":"%s","knownHosts":"%s","storage":"%s","perHost":%d,"bridge":"%s"}' \
  "$ROOT/examples/secure-web" "$PREFIX" "$NTENANTS" "$VMS" "$(IFS=,; echo "${PORTS[*]}")" "$RUN/ssh/clientkey" "$RUN/ssh/known_hosts" "$RUN/store" "$PER_HOST" "$BRIDGE")
node "$ROOT/bench/scale/gen-pipeline.mjs" "$RUN" "$spec" >/dev/null
FILES=()
for k in $(seq "$NHOSTS"); do FILES+=("$RUN/split-h$k-p$PER_HOST.yaml"); done
echo "== $VMS VMs on $NHOSTS hosts, perHost $PER_HOST, login shell: $([ "$RC" = skip ] && echo 'lean (SHLVL=1)' || echo "as it is (root's ~/.bashrc sourced)"); $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"

# run NAME BUILD VERB: one `ovfpipe VERB` per host pipeline, all at once; prints wall, peak RSS, sessions per host (sshd log | report)
run() {
  local name=$1 build=$2 verb=$3 k s pids=() rc=0 before=() log="" rep="" rss=0 kb
  for k in $(seq "$NHOSTS"); do before+=("$(sessions "$k")"); done
  s=$(date +%s.%N)
  for k in $(seq "$NHOSTS"); do
    if [ "$verb" = apply ]; then extra=(--report "rep-$name-$k.json"); else extra=(); fi
    /usr/bin/time -f %M -o "rss-$name-$k" timeout 600 node "$build/dist/cli/bin.js" "$verb" "${FILES[$((k - 1))]}" "${extra[@]}" > "out-$name-$k" 2>&1 &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || rc=$?; done
  WALL=$(awk -v s="$s" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", e - s }')
  for k in $(seq "$NHOSTS"); do
    log+="$(( $(sessions "$k") - ${before[$((k - 1))]} )) "
    kb=$(tail -n 1 "rss-$name-$k"); [ "$kb" -gt "$rss" ] && rss=$kb
    [ "$verb" = apply ] && rep+="$(node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")); const h=r.hosts[0]; const st={}; for (const v of r.vms) st[v.status]=(st[v.status]??0)+1; process.stdout.write(`${h.remoteSessions ?? "-"}/${h.remoteSteps ?? "-"} ${JSON.stringify(st)}`)' "rep-$name-$k.json" 2>/dev/null || echo '?') "
  done
  printf '  %-24s %8ss  exit %d  peak RSS %4d MiB  sessions per host (sshd log): %s %s\n' "$name" "$WALL" "$rc" "$((rss / 1024))" "$log" "${rep:+ report remoteSessions/remoteSteps + statuses: $rep}"
  [ "$rc" = 0 ] || tail -n 5 "out-$name-1" >&2
}

floor() {
  local d n=0 s
  mkdir -p floor
  for d in $("${VIRSH[@]}" list --all --name | grep "^$PREFIX"); do
    n=$((n + 1))
    "${VIRSH[@]}" dumpxml --inactive "$d" | sed -e "s|<name>$d</name>|<name>fl$d</name>|" -e '/<uuid>/d' > "floor/$n.xml"
  done
  local base
  base=$(ls "$RUN"/store/host-1/images/*.qcow2 | head -n 1)
  s=$(date +%s.%N)
  for i in $(seq "$n"); do qemu-img create -q -f qcow2 -F qcow2 -b "$base" "floor/$i.qcow2"; done
  for i in $(seq "$n"); do echo "define floor/$i.xml"; done | "${VIRSH[@]}" >/dev/null
  FLOOR_DEFINE=$(awk -v s="$s" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", e - s }')
  s=$(date +%s.%N)
  "${VIRSH[@]}" list --all --name | grep "^fl$PREFIX" | sed 's/^/undefine /' | "${VIRSH[@]}" >/dev/null
  FLOOR_UNDEFINE=$(awk -v s="$s" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", e - s }')
  echo "  floor: $n × qemu-img create -b + one virsh session defining them: ${FLOOR_DEFINE}s; one virsh session undefining them: ${FLOOR_UNDEFINE}s"
}

first=1
for b in "${BUILDS[@]}"; do
  echo "== build $b"
  rm -rf "$RUN/store"
  run cold "$b" apply
  [ "$(ours)" = "$VMS" ] || echo "  !! $(ours) of $VMS domains defined"
  if [ "$first" = 1 ]; then floor; first=0; fi
  run no-op "$b" apply
  run destroy "$b" destroy
  [ "$(ours)" = 0 ] || echo "  !! $(ours) domains left after destroy"
done
echo "== fixed cost of one remote command through the Transport, host 1 (bench/scale/exec-latency.mjs, 20 each)"
for b in "${BUILDS[@]}"; do
  echo "  $b: $(timeout 300 node "$ROOT/bench/scale/exec-latency.mjs" "$b" "ssh://root@127.0.0.1:${PORTS[0]}" "$RUN/ssh/clientkey" "$RUN/ssh/known_hosts" 20 || echo "exited $?")"
done
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
