#!/bin/bash
# mkarchive.sh OUTDIR - make the tree that test_cpio.c checks, OUTDIR/tree, and its newc archive,
# OUTDIR/tree.cpio, as an initramfs is made: (cd tree && find . | cpio -o -H newc), and an archive
# of nothing, OUTDIR/empty.cpio (its trailer).
# The tree has directories (nested), regular files whose sizes cover every padding (0..3 mod 4), an
# empty file, a symbolic link and a hard link (newc stores a hard link's data once, in its last entry).
set -euo pipefail
out=$1
rm -rf "$out/tree" "$out/tree.cpio"
mkdir -p "$out/tree"
cd "$out/tree"
mkdir -p bin etc usr/share/doc
printf 'hello, archipel\n' > bin/hello              # 16 bytes
ln -s hello bin/sh
: > etc/empty
printf 'abc' > etc/motd                             # 3 bytes
ln etc/motd etc/motd2
printf 'x' > etc/a                                  # 1 byte
printf 'ab' > etc/bb                                # 2 bytes
seq 1 1200 > usr/share/doc/big                   # 4893 bytes
chmod 755 . bin etc usr usr/share usr/share/doc bin/hello
chmod 644 etc/empty etc/motd etc/a etc/bb usr/share/doc/big
find . | LC_ALL=C sort | cpio -o -H newc --quiet > ../tree.cpio
cpio -o -H newc --quiet < /dev/null > ../empty.cpio   # the trailer alone
