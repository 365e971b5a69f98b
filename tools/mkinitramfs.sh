#!/usr/bin/env bash
# mkinitramfs.sh STAGING OUT [EXTRA_DIR...]
#
# Packs the tree STAGING, with each EXTRA_DIR merged on top in the order given (EXTRA_DIR/bin/x
# becomes /bin/x, replacing a file of the same name), into OUT: a cpio "newc" archive for QEMU's
# -initrd, read by the kernel's RAM file system at boot. Used by the build (user/CMakeLists.txt:
# build/<preset>/rootfs -> build/<preset>/initramfs.cpio) and by `./archipel run --extra DIR`.
#
# The archive, for the kernel's parser (docs/user.md):
#  - names are relative, without "./" and without an entry for the root ("bin", "bin/hello");
#  - entries are sorted by name in byte order, so a directory always comes before what it holds;
#  - directories and regular files only: symbolic links in the inputs are followed (the archive
#    holds what they point to); other kinds of file are refused;
#  - owner 0:0, modes as in the inputs, inode numbers renumbered in archive order, device numbers 0,
#    every mtime $SOURCE_DATE_EPOCH (default 0): the same inputs give the same bytes.
# OUT is replaced only once complete.
set -euo pipefail

die() {
	echo "mkinitramfs.sh: $*" >&2
	exit 2
}

[ $# -ge 2 ] || die "usage: mkinitramfs.sh STAGING OUT [EXTRA_DIR...]"
staging=$1 out=$2
shift 2
for dir in "$staging" "$@"; do
	[ -d "$dir" ] || die "no directory '$dir'"
done
command -v cpio >/dev/null || die "cpio is missing (Debian package cpio)"

work=$(mktemp -d "${TMPDIR:-/tmp}/mkinitramfs.XXXXXX")
partial=$out.partial.$$
trap 'rm -rf "$work" "$partial"' EXIT
mkdir "$work/root"
for dir in "$staging" "$@"; do
	cp -RL --preserve=mode "$dir/." "$work/root/" || die "cannot merge '$dir'"
done

odd=$(find "$work/root" -mindepth 1 ! -type f ! -type d -printf '%P\n' | head -n 1)
[ -z "$odd" ] || die "'$odd' is neither a regular file nor a directory"
find "$work/root" -exec touch -h -d "@${SOURCE_DATE_EPOCH:-0}" {} +

(cd "$work/root" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort |
	cpio --create --format=newc --owner=0:0 --reproducible --quiet) >"$partial" ||
	die "cpio failed"
mv "$partial" "$out"
