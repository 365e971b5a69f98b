#!/usr/bin/env bash
# capture.sh OUTDIR [SHAPE...]
#
# Captures the boot data QEMU q35 hands to a PVH kernel, as fixtures for the host tests of the
# ACPI parser (tests/host/acpi/): for each shape (default: 1x1 2x2 4x2 8x4 16x4, see qemu-numa.sh),
# boots the standalone image with "acpidump nosmp" and an 8 KiB initrd, and writes OUTDIR/SHAPE.txt:
# comment lines, a "shape CLUSTERS CORES MEM_MB" line, then the dump (dump.h): "blob PA LEN" lines
# each followed by the bytes in hex. Only Debian's qemu-system-x86 and gcc are needed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
outdir=${1:?usage: capture.sh OUTDIR [SHAPE...]}
shift
shapes=("$@")
[ ${#shapes[@]} -gt 0 ] || shapes=(1x1 2x2 4x2 8x4 16x4)
build=${O:-$root/build/x86_64-standalone}
make -s -C "$here" O="$build" >&2
mkdir -p "$outdir"
initrd=$(mktemp)
log=$(mktemp)
trap 'rm -f "$initrd" "$log"' EXIT
head -c 8192 /dev/zero | tr '\0' 'A' > "$initrd"
for shape in "${shapes[@]}"; do
  mapfile -t machine < <("$here/qemu-numa.sh" "$shape")
  set +e
  timeout 120 qemu-system-x86_64 "${machine[@]}" -cpu qemu64 -display none -serial "file:$log" \
    -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$build/archipel-x86.elf" \
    -append "acpidump nosmp" -initrd "$initrd"
  rc=$?
  set -e
  [ "$rc" -eq 1 ] || { echo "capture.sh: $shape: QEMU exited with $rc" >&2; cat "$log" >&2; exit 1; }
  {
    echo "# QEMU $(qemu-system-x86_64 --version | head -1 | sed 's/.*version //'), q35, PVH entry, captured by"
    echo "# boot/x86_64/standalone/capture.sh with: ${machine[*]} -cpu qemu64"
    echo "# -append \"acpidump nosmp\" -initrd <8192 bytes>"
    echo "shape ${shape%x*} ${shape#*x} 512"
    sed -n '/^acpidump begin/,/^acpidump end/p' "$log" | tr -d '\r' | grep -v '^acpidump'
  } > "$outdir/$shape.txt"
  echo "capture.sh: $outdir/$shape.txt: $(grep -c '^blob' "$outdir/$shape.txt") blobs"
done
