#!/usr/bin/env bash
# Audit vs no-op apply at fleet size: N VMs of examples/secure-web (one
# pipeline, one tenant per 10 VMs, defined, not started) on one pretend host
# (an OpenSSH server on 127.0.0.1 in front of the local libvirtd), then
#   apply (cold)      define everything
#   apply (no-op)     the same again: facts, nothing to do
#   audit             domain, filters (content + uuid), bindings and rules
# each timed with /usr/bin/time (wall, peak RSS), best of OVFPIPE_AUDIT_RUNS.
# Both the no-op apply and the audit read one batch per host; the audit also
# reads each VM's live XML, every binding, and the firewall listings.
#
# Loopback only; everything it makes is under /var/lib/ovfpipe-bench/audit-<pid>
# or removed on exit (its sshd by pid, its domains and filters with
# `ovfpipe destroy`, then leftovers with its prefix, the bridge if it made it).
# Root's ~/.bashrc is skipped for sshd's commands (SetEnv SHLVL=1), as in
# bench/scale.sh. Uses dist/ as built (npm run build).
#
# Usage: bench/audit.sh   OVFPIPE_AUDIT_VMS (40)  OVFPIPE_AUDIT_RUNS (2)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VMS=${OVFPIPE_AUDIT_VMS:-40}
RUNS=${OVFPIPE_AUDIT_RUNS:-2}
BASE=/var/lib/ovfpipe-bench
RUN=$BASE/audit-$$
PREFIX=au$$
BRIDGE=ovfpipe-br0
CLI=$ROOT/dist/cli/bin.js
VIRSH=(virsh -q -c qemu:///system)
SSHD_PID=""
BRIDGE_CREATED=""
APPLIED=""

log() { printf '%s %s\n' "$(date +%T)" "$*" >&2; }
cleanup() {
  set +e
  trap - EXIT INT TERM
  [ -n "$APPLIED" ] && timeout 300 node "$CLI" destroy "$APPLIED" >"$RUN/destroy.out" 2>&1
  for d in $("${VIRSH[@]}" list --all --name 2>/dev/null | grep "^$PREFIX"); do "${VIRSH[@]}" undefine "$d" >/dev/null 2>&1; done
  for _ in 1 2 3; do for f in $("${VIRSH[@]}" nwfilter-list 2>/dev/null | awk '{ print $2 }' | grep "^$PREFIX"); do "${VIRSH[@]}" nwfilter-undefine "$f" >/dev/null 2>&1; done; done
  [ -n "$SSHD_PID" ] && kill "$SSHD_PID" 2>/dev/null
  [ -n "$BRIDGE_CREATED" ] && ip link del "$BRIDGE" 2>/dev/null
  rm -rf "$RUN"
  rmdir "$BASE" 2>/dev/null
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

test -f "$CLI" || { echo "$CLI missing: npm run build" >&2; exit 2; }
"${VIRSH[@]}" uri >/dev/null 2>&1 || { echo "libvirtd is not running: bash test/e2e/infra.sh start" >&2; exit 2; }
mkdir -p "$BASE" && chmod 0755 "$BASE" && mkdir -m 0755 "$RUN" "$RUN/ssh"
cd "$RUN"
if ! ip link show "$BRIDGE" >/dev/null 2>&1; then ip link add "$BRIDGE" type bridge && ip link set "$BRIDGE" up && BRIDGE_CREATED=1; fi

mkdir -p /run/sshd && chmod 0755 /run/sshd
ssh-keygen -q -t ed25519 -N '' -f ssh/hostkey && ssh-keygen -q -t ed25519 -N '' -f ssh/client
install -m 600 ssh/client.pub ssh/authorized_keys
PORT=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
printf '%s\n' "Port $PORT" "ListenAddress 127.0.0.1" "HostKey $RUN/ssh/hostkey" "PidFile $RUN/ssh/sshd.pid" "AuthorizedKeysFile $RUN/ssh/authorized_keys" \
  "PermitRootLogin prohibit-password" "PubkeyAuthentication yes" "PasswordAuthentication no" "KbdInteractiveAuthentication no" "UsePAM no" "StrictModes no" "SetEnv SHLVL=1" > ssh/sshd_config
/usr/sbin/sshd -f ssh/sshd_config -E "$RUN/ssh/sshd.log"
for _ in $(seq 50); do [ -s ssh/sshd.pid ] && break; sleep 0.1; done
SSHD_PID=$(cat ssh/sshd.pid)
echo "[127.0.0.1]:$PORT $(cat ssh/hostkey.pub | cut -d' ' -f1-2)" > ssh/known_hosts

TENANTS=$(( (VMS + 9) / 10 ))
node "$ROOT/bench/scale/gen-pipeline.mjs" "$RUN" "$(printf '{"pkg":"%s","prefix":"%s","tenants":%d,"vms":%d,"ports":[%d],"identity":"%s","knownHosts":"%s","storage":"%s","perHost":4,"bridge":"%s"}' \
  "$ROOT/examples/secure-web" "$PREFIX" "$TENANTS" "$VMS" "$PORT" "$RUN/ssh/client" "$RUN/ssh/known_hosts" "$RUN/store" "$BRIDGE")" >/dev/null
P=$RUN/shared-p4.yaml
APPLIED=$P

timed() { # timed LABEL ARGS… → prints "LABEL wall_s rss_kib exit"
  local label=$1; shift
  local best="" rss="" code=0
  for _ in $(seq "$RUNS"); do
    set +e
    /usr/bin/time -f '%e %M' -o "$RUN/time" timeout 600 node "$CLI" "$@" >"$RUN/$label.out" 2>"$RUN/$label.err"
    code=$?
    set -e
    read -r wall mem < <(tail -n1 "$RUN/time")
    if [ -z "$best" ] || awk "BEGIN{exit !($wall < $best)}"; then best=$wall rss=$mem; fi
  done
  printf '%-16s %8s s  %7s KiB  exit %s\n' "$label" "$best" "$rss" "$code"
  echo "$best" > "$RUN/$label.wall"
}

echo "== $VMS VMs of secure-web on 1 host (libvirt $(virsh --version), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
RUNS=1 timed apply-cold apply "$P"
timed apply-no-op apply "$P"
timed audit audit "$P"
grep -q "^audit: 1 host(s), $VMS VM(s): $VMS clean" "$RUN/audit.out" || { echo "audit was not clean:"; tail -n 5 "$RUN/audit.out"; }
awk -v a="$(cat "$RUN/audit.wall")" -v n="$(cat "$RUN/apply-no-op.wall")" 'BEGIN { printf "audit / no-op apply: %.2f\n", a / n }'
