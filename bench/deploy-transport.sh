#!/usr/bin/env bash
# Side-by-side upload throughput to one loopback sshd (TEST-INFRA "sshd on
# loopback"), all measured in the same run on the same file:
#   ovfpipe put (verified + atomic, durable and not), ssh2 exec cat, ssh2 fastPut,
#   scp (default = SFTP), scp -O -c aes128-gcm, ssh 'cat > f' < file.
# Local only (127.0.0.1); the sshd is ours, stopped by pid; the temp dir is removed.
# Usage: bench/deploy-transport.sh [SIZE_MIB] [RUNS]   (default 1024 MiB, best of 2)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SIZE_MIB=${1:-1024}
RUNS=${2:-2}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ovfpipe-bench-ssh.XXXXXX")
SSHD_PID=""
cleanup() {
  if [ -n "$SSHD_PID" ]; then kill "$SSHD_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "== building dist/"
(cd "$ROOT" && npx tsc -p . >/dev/null) || echo "note: tsc reported type errors elsewhere in the tree; using what it emitted"
test -f "$ROOT/dist/deploy/ssh/ssh-transport.js" || { echo "dist/deploy/ssh/ssh-transport.js missing" >&2; exit 2; }

echo "== sshd on 127.0.0.1 in $WORK"
mkdir -p /run/sshd && chmod 0755 /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$WORK/hostkey"
ssh-keygen -q -t ed25519 -N '' -f "$WORK/clientkey"
install -m 600 "$WORK/clientkey.pub" "$WORK/authorized_keys"
PORT=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
cat > "$WORK/sshd_config" <<CFG
Port $PORT
ListenAddress 127.0.0.1
HostKey $WORK/hostkey
PidFile $WORK/sshd.pid
AuthorizedKeysFile $WORK/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
CFG
/usr/sbin/sshd -t -f "$WORK/sshd_config"
/usr/sbin/sshd -D -f "$WORK/sshd_config" -E "$WORK/sshd.log" &
SSHD_PID=$!
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$WORK/hostkey.pub")" > "$WORK/known_hosts"
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.05; done
SSH=(-p "$PORT" -i "$WORK/clientkey" -o UserKnownHostsFile="$WORK/known_hosts" -o StrictHostKeyChecking=yes -o BatchMode=yes)
SCP=(-P "$PORT" -i "$WORK/clientkey" -o UserKnownHostsFile="$WORK/known_hosts" -o StrictHostKeyChecking=yes -o BatchMode=yes)

echo "== ${SIZE_MIB} MiB random file"
head -c "$((SIZE_MIB * 1048576))" /dev/urandom > "$WORK/src.bin"
mkdir "$WORK/dst"
DST="$WORK/dst/out.bin"

secs() { awk -v s="$1" -v e="$2" 'BEGIN { printf "%.3f", e - s }'; }
mibs() { awk -v m="$SIZE_MIB" -v t="$1" 'BEGIN { printf "%.1f", m / t }'; }
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }
# Before each run: no old destination, dirty pages of the last run written back, source in the page cache.
fresh() { rm -f "$DST" "$WORK"/dst/*.ovfpipe-tmp-*; sync; cat "$WORK/src.bin" > /dev/null; }

# CPU seconds of everything the sshd listener has reaped (sessions, cat, openssl…): fields 16+17 of /proc/PID/stat.
server_cpu() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($14 + $15) / hz }' "/proc/$SSHD_PID/stat"; }
declare -A BEST RSS INNER CPU
measure() { # name, command…: keeps the best wall time, with the client's peak RSS (time -v) and the least CPU
  local name=$1 s e t c0 c1 cpu; shift
  fresh
  c0=$(server_cpu)
  s=$(date +%s.%N); timeout 900 /usr/bin/time -v -o "$WORK/time.txt" "$@" > "$WORK/out.txt"; e=$(date +%s.%N)
  sleep 0.2 # let the listener reap the session
  c1=$(server_cpu)
  t=$(secs "$s" "$e")
  # Client user+sys plus server-side CPU: what the upload costs, whatever else loads the machine.
  cpu=$(awk -v a="$c0" -v b="$c1" '/User time|System time/ { split($0, f, ": "); c += f[2] } END { printf "%.2f", c + b - a }' "$WORK/time.txt")
  if [ -z "${CPU[$name]:-}" ] || lt "$cpu" "${CPU[$name]}"; then CPU[$name]=$cpu; fi
  cmp -s "$WORK/src.bin" "$DST" || { echo "$name: destination differs from the source" >&2; exit 1; }
  if [ -z "${BEST[$name]:-}" ] || lt "$t" "${BEST[$name]}"; then
    BEST[$name]=$t
    RSS[$name]=$(awk -F: '/Maximum resident/ {gsub(/ /,"",$2); print int($2/1024)}' "$WORK/time.txt")
    INNER[$name]=$(sed -n 's/.*"mibPerSecond":\([0-9.]*\).*/\1/p' "$WORK/out.txt")
  fi
  printf '  run %s %-16s %8ss  cpu %6ss  load %s\n' "$RUN" "$name" "$t" "$cpu" "$(cut -d' ' -f1 /proc/loadavg)"
}

NODE_ARGS=("$PORT" "$WORK/clientkey" "$WORK/known_hosts" "$WORK/src.bin" "$DST")
MODES=(put put-nosync put-tee put-tee-nosync exec-cat fastput)
echo "== timing: best of $RUNS, runs interleaved (load here changes minute to minute), page cache warm"
for RUN in $(seq "$RUNS"); do
  for m in "${MODES[@]}"; do measure "$m" node "$ROOT/bench/transport.mjs" "$m" "${NODE_ARGS[@]}"; done
  measure scp scp -q "${SCP[@]}" "$WORK/src.bin" "root@127.0.0.1:$DST"
  measure scp-O-gcm scp -q -O -c aes128-gcm@openssh.com "${SCP[@]}" "$WORK/src.bin" "root@127.0.0.1:$DST"
  measure ssh-cat sh -c 'ssh "$@" < "$0"' "$WORK/src.bin" -c aes128-gcm@openssh.com "${SSH[@]}" root@127.0.0.1 "cat > '$DST'"
done

BASE=${BEST[ssh-cat]}
printf '\n%-44s %8s %8s %8s %10s %11s %9s\n' "upload of ${SIZE_MIB} MiB to 127.0.0.1" "MiB/s" "seconds" "RSS MiB" "vs ssh cat" "in-process" "CPU s"
row() { printf '%-44s %8s %8s %8s %9sx %11s %9s\n' "$2" "$(mibs "${BEST[$1]}")" "${BEST[$1]}" "${RSS[$1]}" "$(awk -v a="$BASE" -v b="${BEST[$1]}" 'BEGIN { printf "%.2f", a / b }')" "${INNER[$1]:--}" "${CPU[$1]}"; }
row put 'ovfpipe put (verified, atomic, fsync)'
row put-nosync 'ovfpipe put, durable:false (no fsync)'
row put-tee "ovfpipe put, remoteHash:'while-writing'"
row put-tee-nosync "  same, durable:false"
row exec-cat 'ssh2 exec cat > f (unverified)'
row fastput 'ssh2 fastPut 261120 x 64 (unverified)'
row scp 'scp (SFTP, default cipher)'
row scp-O-gcm 'scp -O -c aes128-gcm'
row ssh-cat "ssh -c aes128-gcm 'cat > f' < file"
ratio() { awk -v a="${BEST[$1]}" -v b="${BEST[$2]}" 'BEGIN { printf "%.2f", a / b }'; }
echo
echo "speed ratios (time of B / time of A, >1 means A is faster):"
echo "  put-nosync vs ssh2 exec cat (price of verification + atomic rename): $(ratio exec-cat put-nosync)"
echo "  put vs put-nosync (price of fsync):                                  $(ratio put-nosync put)"
echo "  put (after-write hash) vs put-tee (while-writing hash):              $(ratio put-tee put)"
echo "  put-nosync vs put-tee-nosync:                                        $(ratio put-tee-nosync put-nosync)"
echo "  put vs scp default:                                                  $(ratio scp put)"
echo "  put-nosync vs ssh cat:                                               $(ratio ssh-cat put-nosync)"
echo "MiB/s and seconds: whole client process (start, connect, transfer; for put also remote hash, compare, rename)."
echo "in-process: MiB/s of the transfer alone as timed inside node (connection already open)."
echo "CPU s: least client user+sys plus server-side CPU (sshd, cat, openssl…) over the runs; robust to other load."
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
