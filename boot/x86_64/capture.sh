#!/usr/bin/env bash
# capture.sh OUTDIR [SHAPE...]
#
# Captures the boot data QEMU q35 hands to a PVH kernel, as fixtures for the host tests of the
# ACPI parser (tests/host/acpi/): for each topology (default: 1x1 2x2 4x2 8x4 16x4, files of
# config/topologies), boots the x86_64 kernel (build/x86_64-debug/archipel.elf, built first) with
# "acpidump nosmp" and an 8 KiB initrd: phase 0 prints the raw tables and powers off (boot.c). It
# writes OUTDIR/SHAPE.txt: comment lines, a "shape CLUSTERS CORES MEM_MB" line, then the dump
# (acpi_dump.h): "blob PA LEN" lines each followed by the bytes in hex. Needs Debian's
# qemu-system-x86 and gcc.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
outdir=${1:?usage: capture.sh OUTDIR [SHAPE...]}
shift
shapes=("$@")
[ ${#shapes[@]} -gt 0 ] || shapes=(1x1 2x2 4x2 8x4 16x4)
"$root/archipel" build --arch x86_64 >&2
kernel=$root/build/x86_64-debug/archipel.elf
mkdir -p "$outdir"
initrd=$(mktemp)
log=$(mktemp)
trap 'rm -f "$initrd" "$log"' EXIT
head -c 8192 /dev/zero | tr '\0' 'A' > "$initrd"
for shape in "${shapes[@]}"; do
  mapfile -d '' -t qemu < <(python3 "$root/tools/qemu_args.py" command --arch x86_64 --topology "$shape" \
    --kernel "$kernel" --cmdline "acpidump nosmp" --initrd "$initrd")
  set +e
  timeout 120 "${qemu[@]}" > "$log" 2>&1
  rc=$?
  set -e
  [ "$rc" -eq 1 ] || { echo "capture.sh: $shape: QEMU exited with $rc" >&2; cat "$log" >&2; exit 1; }
  {
    echo "# QEMU $(qemu-system-x86_64 --version | head -1 | sed 's/.*version //'), q35, PVH entry, captured by"
    echo "# boot/x86_64/capture.sh with the options of tools/qemu_args.py for topology $shape"
    echo "# -append \"acpidump nosmp\" -initrd <8192 bytes>"
    sed -n 's/^CLUSTERS=\([0-9]*\)/\1/p; s/^CORES=\([0-9]*\)/\1/p; s/^MEM_MB=\([0-9]*\)/\1/p' \
      "$root/config/topologies/$shape.conf" | tr '\n' ' ' | sed 's/^/shape /; s/ $/\n/'
    sed -n '/^acpidump begin/,/^acpidump end/p' "$log" | tr -d '\r' | grep -v '^acpidump'
  } > "$outdir/$shape.txt"
  echo "capture.sh: $outdir/$shape.txt: $(grep -c '^blob' "$outdir/$shape.txt") blobs"
done
