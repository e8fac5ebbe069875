#!/usr/bin/env bash
# Real test infrastructure (../shared/docs/TEST-INFRA.md): installs and starts
# what the end-to-end tests need, and stops only what it started (by pid file).
#   infra.sh install   apt packages (root, Debian 12)
#   infra.sh start     libvirtd + virtlogd (if not running)
#   infra.sh stop      stop what `start` started
set -euo pipefail
STATE=${OVFPIPE_E2E_STATE:-/tmp/ovfpipe-e2e}
mkdir -p "$STATE"

install() {
  export DEBIAN_FRONTEND=noninteractive
  local pkgs=(openssh-server openssh-client libxml2-utils qemu-utils qemu-system-x86
    libvirt-clients libvirt-daemon libvirt-daemon-system libvirt-daemon-system-sysv
    ebtables iptables iproute2 openssl xorriso genisoimage ovmf
    chromium)
  local missing=()
  for p in "${pkgs[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

start() {
  mkdir -p /var/log/libvirt /run/sshd && chmod 0755 /run/sshd
  # libvirtd's QEMU probe hangs when /dev/kvm is root-only (0600 here): open it to the kvm group.
  if [ -e /dev/kvm ] && getent group kvm >/dev/null && [ "$(stat -c %a /dev/kvm)" = 600 ]; then
    stat -c '%U:%G %a' /dev/kvm > "$STATE/kvm-mode"
    chgrp kvm /dev/kvm && chmod 0660 /dev/kvm
  fi
  if ! virsh -c qemu:///system uri >/dev/null 2>&1; then
    if [ ! -s /run/virtlogd.pid ] || ! kill -0 "$(cat /run/virtlogd.pid)" 2>/dev/null; then
      virtlogd -d && echo virtlogd >> "$STATE/started"
    fi
    libvirtd -d && echo libvirtd >> "$STATE/started"
    for _ in $(seq 50); do virsh -c qemu:///system uri >/dev/null 2>&1 && break; sleep 0.2; done
  fi
  virsh -c qemu:///system uri >/dev/null
}

stop() {
  if [ -f "$STATE/kvm-mode" ]; then
    read -r owner mode < "$STATE/kvm-mode"
    chown "$owner" /dev/kvm && chmod "$mode" /dev/kvm
    rm -f "$STATE/kvm-mode"
  fi
  [ -f "$STATE/started" ] || return 0
  while read -r svc; do
    case "$svc" in
      libvirtd) [ -s /run/libvirtd.pid ] && kill "$(cat /run/libvirtd.pid)" 2>/dev/null || true ;;
      virtlogd) [ -s /run/virtlogd.pid ] && kill "$(cat /run/virtlogd.pid)" 2>/dev/null || true ;;
    esac
  done < "$STATE/started"
  rm -f "$STATE/started"
}

"${1:?usage: infra.sh install|start|stop}"
