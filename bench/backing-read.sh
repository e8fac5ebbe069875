#!/usr/bin/env bash
# Runtime read cost of `--disk-mode backing`: a guest's reads through its qcow2 overlay when the
# overlay's base is the package's streamOptimized VMDK itself (backing) against the same reads when
# the base is the VMDK converted to qcow2 (convert, the default). Measured with `qemu-img bench` (the
# QEMU block layer a guest's disk goes through), same files, same run, alternating, both ways each round.
#   sequential: 1 MiB reads over the whole disk, 4 in flight
#   random:     4 KiB reads, 1 in flight, strided across the disk (a large prime step, so consecutive
#               reads land in different 64 KiB VMDK grains and the cache of the last grain never helps)
# Data: the first SIZE MiB of a tar of /usr/lib and /usr/share (binaries, text, compressed files: an
# operating system's mix, which deflate shrinks to about half), or random bytes with DATA=random
# (incompressible: deflate stores it, the cheapest case for the VMDK).
# Page cache warm for both (files just written): this is the CPU cost of the formats, not the disk's.
# Usage: bench/backing-read.sh [SIZE_MIB] [ROUNDS]   (default 512 MiB, 3 rounds); DATA=os|random
# Everything lives in a temp dir under /var/tmp, removed on exit. Needs qemu-img only.
set -euo pipefail
SIZE_MIB=${1:-512}
ROUNDS=${2:-3}
DATA=${DATA:-os}
W=$(mktemp -d /var/tmp/ovfpipe-backing-read.XXXXXX)
trap 'rm -rf "$W"' EXIT
cd "$W"

echo "== machine: $(nproc) cores; $(uptime | sed 's/.*load/load/') (shared with other work: single figures are noisy, compare within a round)"
echo "== disk: ${SIZE_MIB} MiB of ${DATA} data"
if [ "$DATA" = random ]; then
  head -c "$((SIZE_MIB * 1048576))" /dev/urandom > disk.raw
else
  { tar cf - /usr/lib /usr/share 2>/dev/null || true; } | head -c "$((SIZE_MIB * 1048576))" > disk.raw
  truncate -s "$((SIZE_MIB * 1048576))" disk.raw
fi
qemu-img convert -q -f raw -O vmdk -o subformat=streamOptimized disk.raw base.vmdk
qemu-img convert -q -f vmdk -O qcow2 base.vmdk base.qcow2
rm disk.raw
qemu-img create -q -f qcow2 -F vmdk -b "$W/base.vmdk" over-backing.qcow2
qemu-img create -q -f qcow2 -F qcow2 -b "$W/base.qcow2" over-convert.qcow2
echo "vmdk (streamOptimized) $(stat -c %s base.vmdk) bytes; converted qcow2 $(stat -c %s base.qcow2) bytes"
cat base.vmdk base.qcow2 > /dev/null

bench() { # bench FILE ARGS... -> seconds
  qemu-img bench -f qcow2 -t writeback "$@" | awk '/Run completed/ { print $4 }'
}
SEQ_COUNT=$SIZE_MIB
RND_COUNT=5000
STEP=$((4096 * 7919))
declare -A ALL=()
add() { ALL[$1]="${ALL[$1]:-}${ALL[$1]:+ }$2"; }
for r in $(seq "$ROUNDS"); do
  for mode in backing convert; do
    add "seq-$mode" "$(bench -c "$SEQ_COUNT" -d 4 -s 1M "over-$mode.qcow2")"
    add "rnd-$mode" "$(bench -c "$RND_COUNT" -d 1 -s 4k -S "$STEP" "over-$mode.qcow2")"
  done
  echo "round $r: sequential backing $(awk '{ print $NF }' <<< "${ALL[seq-backing]}")s, convert $(awk '{ print $NF }' <<< "${ALL[seq-convert]}")s; random backing $(awk '{ print $NF }' <<< "${ALL[rnd-backing]}")s, convert $(awk '{ print $NF }' <<< "${ALL[rnd-convert]}")s"
done

stats() { # stats "a b c" -> best median
  tr ' ' '\n' <<< "$1" | sort -g | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%s %s", v[1], m }'
}
ratios() { # ratios A B -> per-round A/B, then best (lowest) and median
  awk -v a="$1" -v b="$2" 'BEGIN { n = split(a, x, " "); split(b, y, " ");
    for (i = 1; i <= n; i++) { r[i] = x[i] / y[i]; out = out sprintf("%s%.2f", (i > 1 ? " " : ""), r[i]) }
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (r[j] < r[i]) { t = r[i]; r[i] = r[j]; r[j] = t }
    m = (n % 2) ? r[(n + 1) / 2] : (r[n / 2] + r[n / 2 + 1]) / 2; printf "%s (best %.2f, median %.2f)", out, r[1], m }'
}
echo
echo "== results (${SIZE_MIB} MiB, ${DATA} data, ${ROUNDS} rounds; best / median seconds; ratio = backing / convert, per round)"
read -r sb sm <<< "$(stats "${ALL[seq-backing]}")"
read -r cb cm <<< "$(stats "${ALL[seq-convert]}")"
printf 'sequential 1 MiB reads: backing %ss / %ss (%s MiB/s best), convert %ss / %ss (%s MiB/s best); backing/convert %s\n' \
  "$sb" "$sm" "$(awk -v m="$SIZE_MIB" -v t="$sb" 'BEGIN { printf "%.0f", m / t }')" "$cb" "$cm" "$(awk -v m="$SIZE_MIB" -v t="$cb" 'BEGIN { printf "%.0f", m / t }')" \
  "$(ratios "${ALL[seq-backing]}" "${ALL[seq-convert]}")"
read -r rb rm_ <<< "$(stats "${ALL[rnd-backing]}")"
read -r rcb rcm <<< "$(stats "${ALL[rnd-convert]}")"
printf 'random 4 KiB reads (%s): backing %ss / %ss (%s IOPS best), convert %ss / %ss (%s IOPS best); backing/convert %s\n' \
  "$RND_COUNT" "$rb" "$rm_" "$(awk -v n="$RND_COUNT" -v t="$rb" 'BEGIN { printf "%.0f", n / t }')" "$rcb" "$rcm" "$(awk -v n="$RND_COUNT" -v t="$rcb" 'BEGIN { printf "%.0f", n / t }')" \
  "$(ratios "${ALL[rnd-backing]}" "${ALL[rnd-convert]}")"
