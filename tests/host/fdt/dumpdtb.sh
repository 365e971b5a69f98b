#!/usr/bin/env bash
# dumpdtb.sh TOPOLOGY OUT [QEMU options...]
#
# Writes to OUT the device tree that QEMU builds for config/topologies/TOPOLOGY.conf on riscv64's
# machine for it (config/arch/riscv64.conf, through tools/qemu_args.py), with the extra QEMU options
# (e.g. -kernel K -append ARGS -initrd F), and to OUT without .dtb plus .machine the -machine value
# QEMU ran (the test checks the interrupt controllers against it). QEMU exits once the tree is
# dumped; nothing runs. Used by tests/host/fdt.cmake to make the inputs of the device-tree host tests.
set -euo pipefail
here=$(cd "$(dirname "$0")/../../.." && pwd)
topo=${1:?usage: dumpdtb.sh TOPOLOGY OUT [QEMU options...]}
out=${2:?}
shift 2
mkdir -p "$(dirname "$out")"
qemu=$(python3 "$here/tools/qemu_args.py" get --arch riscv64 QEMU)
mapfile -t A < <(python3 "$here/tools/qemu_args.py" machine --arch riscv64 --topology "$topo" \
                 --machine-option "dumpdtb=$out.tmp")
[ ${#A[@]} -gt 0 ] || { echo "dumpdtb.sh: no machine for $topo" >&2; exit 1; }
rm -f "$out.tmp"
if ! "$qemu" "${A[@]}" -display none "$@" 2> "$out.log"; then
  cat "$out.log" >&2
  exit 1
fi
[ -s "$out.tmp" ] || { echo "dumpdtb.sh: QEMU wrote no device tree for $topo" >&2; exit 1; }
rm -f "$out.log"
printf '%s\n' "${A[1]%,dumpdtb=*}" > "${out%.dtb}.machine"
mv "$out.tmp" "$out"
