#!/usr/bin/env bash
# Runs a command as on a fresh machine WITHOUT /dev/kvm (TEST-INFRA.md, "Machines differ"),
# on a machine that has it: a private mount namespace whose /dev is a copy of the real one
# less kvm, and whose /run and libvirt state are empty, so `infra.sh start` starts a libvirtd
# of its own that finds no KVM. Root only. Nothing outside the namespace changes.
#   bash test/e2e/without-kvm.sh env CI=true bash .ci/run
set -euo pipefail
if [ "${OVFPIPE_IN_NOKVM_NS:-}" != 1 ]; then
  exec env OVFPIPE_IN_NOKVM_NS=1 unshare -m --propagation private bash "$0" "$@"
fi
work=$(mktemp -d /tmp/ovfpipe-nokvm.XXXXXX)
mount -t tmpfs -o mode=0755 tmpfs "$work"
mkdir "$work/dev"
for e in /dev/* /dev/.[!.]*; do
  [ -e "$e" ] || [ -L "$e" ] || continue
  b=$(basename "$e")
  [ "$b" = kvm ] && continue
  if mountpoint -q "$e"; then mkdir -p "$work/dev/$b"; mount --rbind "$e" "$work/dev/$b"; else cp -a "$e" "$work/dev/$b"; fi
done
mount --rbind "$work/dev" /dev
mkdir "$work/nwfilter"; cp -a /etc/libvirt/nwfilter/. "$work/nwfilter/"; mount --bind "$work/nwfilter" /etc/libvirt/nwfilter
# libvirt's per-domain /dev namespace cannot move the submounts of this copied /dev; a real machine has no such copy.
cp /etc/libvirt/qemu.conf "$work/qemu.conf"; echo 'namespaces = []' >> "$work/qemu.conf"; mount --bind "$work/qemu.conf" /etc/libvirt/qemu.conf
for p in /run /var/lib/libvirt /var/cache/libvirt /etc/libvirt/qemu /var/log/libvirt; do mount -t tmpfs -o mode=0755 tmpfs "$p"; done
if [ -e /dev/kvm ]; then echo "without-kvm.sh: /dev/kvm is still there" >&2; exit 9; fi
"$@"
