# A pretend host without KVM, for preflight tests on machines that have it.
# Run inside a private mount namespace (unshare -m), as the wrapper of one
# test sshd: hides /dev/kvm behind an empty file, gives libvirt fresh state
# directories (tmpfs), starts a libvirtd and virtlogd of its own (pid files
# in $1), then execs the sshd command line. Everything this host's commands
# run (virsh, qemu) sees no KVM, exactly like a machine without /dev/kvm.
#   no-kvm-host.sh DIR SSHD-ARGV...
set -eu
d=$1; shift
if [ -e /dev/kvm ]; then : > "$d/kvm-hidden"; mount --bind "$d/kvm-hidden" /dev/kvm; fi
# The built-in filters, as a copy: nothing defined here reaches the machine's libvirtd.
mkdir -p "$d/nwfilter"; cp -a /etc/libvirt/nwfilter/. "$d/nwfilter/"; mount --bind "$d/nwfilter" /etc/libvirt/nwfilter
for p in /run/libvirt /var/lib/libvirt /var/cache/libvirt /etc/libvirt/qemu /var/log/libvirt; do
  mkdir -p "$p"; mount -t tmpfs -o mode=0755 tmpfs "$p"
done
virtlogd -d -p "$d/virtlogd.pid"
libvirtd -d -p "$d/libvirtd.pid"
i=0
until virsh -c qemu:///system uri >/dev/null 2>&1; do
  i=$((i+1)); [ "$i" -lt 150 ] || { echo "no-kvm-host: libvirtd did not start" >&2; exit 1; }; sleep 0.1
done
exec "$@"
