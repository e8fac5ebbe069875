#!/usr/bin/env bash
# Side-by-side: ovfpipe verify (library, streamed SHA-256 over a tar OVA)
# against openssl dgst -sha256 and sha256sum over the same disk bytes.
# Local only; everything lives in a temp dir that is removed on exit.
# Usage: bench/verify.sh [SIZE_MIB] [RUNS]   (default 1024 MiB, 3 rounds; ratios per round, best and median)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SIZE_MIB=${1:-1024}
RUNS=${2:-3}
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

secs() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f", e - s }'; }
mibs() { awk -v m="$SIZE_MIB" -v t="$1" 'BEGIN { printf "%.1f", m / t }'; }
# stats "r1 r2 …" -> "r1 r2 … (best b, median m)" (best = highest ratio)
stats() { awk -v l="$1" 'BEGIN { n = split(l, r, " "); out = l;
  for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (r[j] < r[i]) { t = r[i]; r[i] = r[j]; r[j] = t }
  m = (n % 2) ? r[(n + 1) / 2] : (r[n / 2] + r[n / 2 + 1]) / 2; printf "%s (best %.2f, median %.2f)", out, r[n], m }'; }
median() { awk -v l="$1" 'BEGIN { n = split(l, r, " "); for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (r[j] < r[i]) { t = r[i]; r[i] = r[j]; r[j] = t }; printf "%.2f", (n % 2) ? r[(n + 1) / 2] : (r[n / 2] + r[n / 2 + 1]) / 2 }'; }
add() { printf '%s%s' "${1:+$1 }" "$2"; }

HAVE_CLI=""; if [ -f "$ROOT/dist/cli/bin.js" ]; then HAVE_CLI=yes; fi
echo "== timing: ${RUNS} rounds, each openssl, sha256sum, ovfpipe (library, whole process, CLI) back to back; page cache warm"
echo "   (the machine may be shared: each ratio is taken within one round, so a slow spell hits both sides)"
cat bench.ova disk1.vmdk > /dev/null
R_LIB=""; R_PROC=""; R_CLI=""; R_SUM=""; RSS_MAX=0; CLI_RSS_MAX=0
for i in $(seq "$RUNS"); do
  T_OPENSSL=$(secs openssl dgst -sha256 disk1.vmdk)
  T_SHASUM=$(secs sha256sum disk1.vmdk)
  s=$(date +%s.%N)
  out=$(/usr/bin/time -v node "$ROOT/bench/verify.mjs" bench.ova 2> time.txt)
  e=$(date +%s.%N); T_PROC=$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f", e - s }')
  T_LIB=$(node -e 'console.log(JSON.parse(process.argv[1]).seconds)' "$out")
  rss=$(awk -F: '/Maximum resident/ {gsub(/ /,"",$2); print $2}' time.txt); if [ "$rss" -gt "$RSS_MAX" ]; then RSS_MAX=$rss; fi
  line="round $i: openssl ${T_OPENSSL}s ($(mibs "$T_OPENSSL") MiB/s), sha256sum ${T_SHASUM}s, verifyPackage ${T_LIB}s ($(mibs "$T_LIB") MiB/s), whole process ${T_PROC}s"
  R_LIB=$(add "$R_LIB" "$(awk -v a="$T_OPENSSL" -v b="$T_LIB" 'BEGIN { printf "%.2f", a / b }')")
  R_PROC=$(add "$R_PROC" "$(awk -v a="$T_OPENSSL" -v b="$T_PROC" 'BEGIN { printf "%.2f", a / b }')")
  R_SUM=$(add "$R_SUM" "$(awk -v a="$T_SHASUM" -v b="$T_LIB" 'BEGIN { printf "%.2f", a / b }')")
  if [ -n "$HAVE_CLI" ]; then
    s=$(date +%s.%N)
    /usr/bin/time -v node "$ROOT/dist/cli/bin.js" verify bench.ova > /dev/null 2> time-cli.txt
    e=$(date +%s.%N); T_CLI=$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f", e - s }')
    rss=$(awk -F: '/Maximum resident/ {gsub(/ /,"",$2); print $2}' time-cli.txt); if [ "$rss" -gt "$CLI_RSS_MAX" ]; then CLI_RSS_MAX=$rss; fi
    R_CLI=$(add "$R_CLI" "$(awk -v a="$T_OPENSSL" -v b="$T_CLI" 'BEGIN { printf "%.2f", a / b }')")
    line="$line, CLI ${T_CLI}s"
  fi
  echo "  $line"
done
echo "ovfpipe verify (last round): $out"
verdict() { awk -v a="$1" -v b="$2" 'BEGIN { print (a >= b ? "met" : "MISSED") }'; }
echo
echo "== ratios, openssl time / ovfpipe time, per round (${SIZE_MIB} MiB)"
echo "library (verifyPackage):  $(stats "$R_LIB")   target >= 0.9 (median): $(verdict "$(median "$R_LIB")" 0.9)"
echo "whole node process:       $(stats "$R_PROC")"
if [ -n "$HAVE_CLI" ]; then echo "CLI (ovfpipe verify):     $(stats "$R_CLI")   target >= 0.9 (median): $(verdict "$(median "$R_CLI")" 0.9)"; fi
echo "vs sha256sum (library):   $(stats "$R_SUM")"
echo "peak RSS (time -v, highest of the rounds): library $((RSS_MAX / 1024)) MiB$(if [ -n "$HAVE_CLI" ]; then echo ", CLI $((CLI_RSS_MAX / 1024)) MiB"; fi)   (target < 150)"
