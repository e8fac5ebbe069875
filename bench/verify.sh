#!/usr/bin/env bash
# Side-by-side: ovfpipe verify (library, streamed SHA-256 over a tar OVA)
# against openssl dgst -sha256 and sha256sum over the same disk bytes.
# Local only; everything lives in a temp dir that is removed on exit.
# Usage: bench/verify.sh [SIZE_MIB]   (default 1024)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SIZE_MIB=${1:-1024}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ovfpipe-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

echo "== building dist/"
(cd "$ROOT" && npx tsc -p . >/dev/null) || echo "note: tsc reported type errors elsewhere in the tree; using what it emitted"
test -f "$ROOT/dist/package/verify.js" || { echo "dist/package/verify.js missing" >&2; exit 2; }

echo "== creating a ${SIZE_MIB} MiB OVA in $WORK"
cd "$WORK"
head -c "$((SIZE_MIB * 1048576))" /dev/urandom > disk1.vmdk
cat > vm.ovf <<OVF
<?xml version="1.0" encoding="UTF-8"?>
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1">
  <References><File ovf:id="file1" ovf:href="disk1.vmdk" ovf:size="$((SIZE_MIB * 1048576))"/></References>
  <VirtualSystem ovf:id="vm"><Info>bench</Info></VirtualSystem>
</Envelope>
OVF
printf 'SHA256(vm.ovf)= %s\nSHA256(disk1.vmdk)= %s\n' \
  "$(openssl dgst -sha256 -r vm.ovf | cut -d' ' -f1)" "$(openssl dgst -sha256 -r disk1.vmdk | cut -d' ' -f1)" > vm.mf
tar --format=ustar -cf bench.ova vm.ovf vm.mf disk1.vmdk
rm disk1.vmdk
# The disk bytes the baselines hash: the same bytes, read out of the OVA's page-cached copy.
tar -xf bench.ova disk1.vmdk

best() { # best of two runs of "$@", in seconds
  local b=999999 s e t
  for _ in 1 2; do
    s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N)
    t=$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f", e - s }'); b=$(awk -v a="$t" -v b="$b" 'BEGIN { print (a < b ? a : b) }')
  done
  echo "$b"
}
mibs() { awk -v m="$SIZE_MIB" -v t="$1" 'BEGIN { printf "%.1f", m / t }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }

echo "== timing (best of two, page cache warm)"
cat bench.ova disk1.vmdk > /dev/null
T_OPENSSL=$(best openssl dgst -sha256 disk1.vmdk)
T_SHASUM=$(best sha256sum disk1.vmdk)
NODE_OUT=""; NODE_BEST=999999; PROC_BEST=999999
for _ in 1 2; do
  s=$(date +%s.%N)
  out=$(/usr/bin/time -v node "$ROOT/bench/verify.mjs" bench.ova 2> time.txt)
  e=$(date +%s.%N); p=$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f", e - s }')
  if lt "$p" "$PROC_BEST"; then PROC_BEST=$p; fi
  secs=$(node -e 'console.log(JSON.parse(process.argv[1]).seconds)' "$out")
  if lt "$secs" "$NODE_BEST"; then NODE_BEST=$secs; NODE_OUT=$out; RSS_KB=$(awk -F: '/Maximum resident/ {gsub(/ /,"",$2); print $2}' time.txt); fi
done
echo "ovfpipe verify: $NODE_OUT"

# The CLI, when it has been built: whole process, start-up included.
T_CLI=""
if [ -f "$ROOT/dist/cli/bin.js" ]; then
  T_CLI=$(best node "$ROOT/dist/cli/bin.js" verify bench.ova)
  /usr/bin/time -v node "$ROOT/dist/cli/bin.js" verify bench.ova > /dev/null 2> time-cli.txt
  CLI_RSS_KB=$(awk -F: '/Maximum resident/ {gsub(/ /,"",$2); print $2}' time-cli.txt)
fi

M_OPENSSL=$(mibs "$T_OPENSSL"); M_SHASUM=$(mibs "$T_SHASUM"); M_NODE=$(mibs "$NODE_BEST")
printf '\n%-34s %10s %12s\n' "operation (${SIZE_MIB} MiB)" "MiB/s" "seconds"
printf '%-34s %10s %12.3f\n' "openssl dgst -sha256" "$M_OPENSSL" "$T_OPENSSL"
printf '%-34s %10s %12.3f\n' "sha256sum" "$M_SHASUM" "$T_SHASUM"
printf '%-34s %10s %12.3f\n' "ovfpipe verifyPackage (tar OVA)" "$M_NODE" "$NODE_BEST"
printf '%-34s %10s %12.3f\n' "  same, whole node process" "$(mibs "$PROC_BEST")" "$PROC_BEST"
if [ -n "$T_CLI" ]; then printf '%-34s %10s %12.3f\n' "ovfpipe verify (CLI, whole process)" "$(mibs "$T_CLI")" "$T_CLI"; fi
echo
echo "ratio vs openssl:   $(ratio "$T_OPENSSL" "$NODE_BEST")x   (target >= 0.8; whole process: $(ratio "$T_OPENSSL" "$PROC_BEST")x)"
echo "ratio vs sha256sum: $(ratio "$T_SHASUM" "$NODE_BEST")x"
echo "peak RSS (time -v): $((RSS_KB / 1024)) MiB   (target < 200)"
if [ -n "$T_CLI" ]; then
  echo "CLI ratio vs openssl: $(ratio "$T_OPENSSL" "$T_CLI")x; CLI peak RSS: $((CLI_RSS_KB / 1024)) MiB"
fi
