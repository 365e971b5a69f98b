#!/usr/bin/env bash
# dumpdtb.sh QEMU TOPOLOGY OUT [QEMU options...]
#
# Writes to OUT the device tree that QEMU builds for config/topologies/TOPOLOGY.conf (with the extra
# QEMU options, e.g. -kernel K -append ARGS -initrd F). QEMU exits once the tree is dumped; nothing
# runs. Used by tests/host/fdt.cmake to make the inputs of the device-tree host tests.
set -euo pipefail
here=$(cd "$(dirname "$0")/../../.." && pwd)
qemu=${1:?usage: dumpdtb.sh QEMU TOPOLOGY OUT [QEMU options...]}
topo=${2:?} out=${3:?}
shift 3
mkdir -p "$(dirname "$out")"
args=$("$here/tools/qemu-args.sh" "$topo" --dumpdtb "$out.tmp")
mapfile -t A <<< "$args"
rm -f "$out.tmp"
if ! "$qemu" "${A[@]}" -display none "$@" 2> "$out.log"; then
  cat "$out.log" >&2
  exit 1
fi
[ -s "$out.tmp" ] || { echo "dumpdtb.sh: QEMU wrote no device tree for $topo" >&2; exit 1; }
rm -f "$out.log"
mv "$out.tmp" "$out"
