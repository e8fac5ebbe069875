#!/usr/bin/env bash
# The hand-made ways to get an OVF disk onto a KVM host, for bench/deploy.sh.
# Each prints "step NAME SECONDS" lines to STEPS_FILE and fails on any error.
#   baseline.sh scp     VMDK REMOTE_DIR        scp (default: SFTP protocol, chacha20) + remote qemu-img convert
#   baseline.sh scp-gcm VMDK REMOTE_DIR        the same with scp -O -c aes128-gcm@openssh.com
#   baseline.sh manual  OVA REMOTE_DIR XDIR    tar xf into XDIR + sha256sum + compare with the .mf
#                                              + scp + remote sha256sum + compare + convert
# Environment: PORT KEY KH (known_hosts) STEPS_FILE. Remote = root@127.0.0.1:PORT.
set -euo pipefail
MODE=$1
: "${PORT:?}" "${KEY:?}" "${KH:?}" "${STEPS_FILE:?}"
SSH_OPTS=(-o "UserKnownHostsFile=$KH" -o StrictHostKeyChecking=yes -o BatchMode=yes -o IdentitiesOnly=yes -o ConnectTimeout=10 -i "$KEY")
r() { ssh "${SSH_OPTS[@]}" -p "$PORT" root@127.0.0.1 "$@"; }
now() { date +%s.%N; }
step() { # step NAME CMD...
  local name=$1 s e
  shift
  s=$(now)
  "$@"
  e=$(now)
  awk -v n="$name" -v s="$s" -v e="$e" 'BEGIN { printf "step %s %.3f\n", n, e - s }' >> "$STEPS_FILE"
}
convert() { r qemu-img convert -f vmdk -O qcow2 "$1/$2" "$1/disk.qcow2"; }

case "$MODE" in
  scp | scp-gcm)
    VMDK=$2 DIR=$3
    extra=()
    if [ "$MODE" = scp-gcm ]; then extra=(-O -c aes128-gcm@openssh.com); fi
    step scp scp -q "${extra[@]}" "${SSH_OPTS[@]}" -P "$PORT" "$VMDK" "root@127.0.0.1:$DIR/"
    step convert convert "$DIR" "$(basename "$VMDK")"
    ;;
  manual)
    OVA=$2 DIR=$3 X=$4
    step tar-xf tar -xf "$OVA" -C "$X"
    MF=$(find "$X" -maxdepth 1 -name '*.mf' | head -n1)
    VMDK=$(sed -n 's/^SHA256(\(.*\.vmdk\))= .*/\1/p' "$MF" | head -n1)
    WANT=$(sed -n "s/^SHA256($VMDK)= //p" "$MF")
    hash_local() { GOT=$(sha256sum "$X/$VMDK" | cut -d' ' -f1); [ "$GOT" = "$WANT" ] || { echo "local digest mismatch" >&2; return 1; }; }
    step sha256sum-local hash_local
    step scp scp -q "${SSH_OPTS[@]}" -P "$PORT" "$X/$VMDK" "root@127.0.0.1:$DIR/"
    hash_remote() { RGOT=$(r sha256sum "$DIR/$VMDK" | cut -d' ' -f1); [ "$RGOT" = "$WANT" ] || { echo "remote digest mismatch" >&2; return 1; }; }
    step sha256sum-remote hash_remote
    step convert convert "$DIR" "$VMDK"
    ;;
  *)
    echo "usage: baseline.sh scp|scp-gcm|manual ..." >&2
    exit 2
    ;;
esac
