#!/usr/bin/env bash
# busybox_root.sh PACKAGE DIR ROOTFS INITRAMFS
#
# Debian's BusyBox, unmodified, for the QEMU tests (docs/user.md, "BusyBox"): downloads the .deb of
# PACKAGE (the arch file's BUSYBOX_PACKAGE, e.g. busybox-static:amd64) with `apt-get download`
# into DIR, unpacks it with `dpkg-deb -x` into DIR/root (the package's own bin/busybox: nothing is
# rebuilt or patched), then packs the build's ROOTFS with DIR/root merged on top into INITRAMFS
# (tools/mkinitramfs.sh), the -initrd of the BusyBox tests. A .deb already in DIR is used again.
# Fails (status 1, with apt's message) where the package cannot be had.
set -euo pipefail

[ $# -eq 4 ] || { echo "usage: busybox_root.sh PACKAGE DIR ROOTFS INITRAMFS" >&2; exit 2; }
package=$1 dir=$2 rootfs=$3 initramfs=$4
here=$(cd "$(dirname "$0")" && pwd)

mkdir -p "$dir"
name=${package%%:*}
deb=$(find "$dir" -maxdepth 1 -name "${name}_*.deb" | head -n 1)
if [ -z "$deb" ]; then
	# apt-get download writes into the current directory
	(cd "$dir" && apt-get download "$package") || {
		echo "busybox_root.sh: cannot download $package (apt-get update first?)" >&2
		exit 1
	}
	deb=$(find "$dir" -maxdepth 1 -name "${name}_*.deb" | head -n 1)
fi
[ -n "$deb" ] || { echo "busybox_root.sh: no ${name}_*.deb in $dir" >&2; exit 1; }
rm -rf "$dir/root"
dpkg-deb -x "$deb" "$dir/root"
[ -x "$dir/root/bin/busybox" ] || { echo "busybox_root.sh: $deb has no bin/busybox" >&2; exit 1; }
echo "busybox_root.sh: $(basename "$deb") unpacked into $dir/root"
"$here/mkinitramfs.sh" "$rootfs" "$initramfs" "$dir/root"
