#!/usr/bin/env bash
# qemu-args.sh TOPOLOGY [--dumpdtb FILE]
#
# Prints, one per line, the QEMU options describing the machine of config/topologies/TOPOLOGY.conf:
# machine, cores, memory, one memory backend and NUMA node per cluster, and the distance matrix.
# Used by the driver (./archipel), the QEMU harness and the build (DTBs for the host tests), so that
# a topology is described in exactly one place.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
topo=${1:?usage: qemu-args.sh TOPOLOGY [--dumpdtb FILE]}
conf=$here/config/topologies/$topo.conf
[ -f "$conf" ] || { echo "qemu-args.sh: no topology '$topo' (config/topologies/$topo.conf)" >&2; exit 2; }
dumpdtb=""
if [ "${2:-}" = "--dumpdtb" ]; then dumpdtb=",dumpdtb=${3:?--dumpdtb needs a file}"; fi

# shellcheck source=/dev/null
source "$conf"
: "${CLUSTERS:?} ${CORES:?} ${MEM_MB:?} ${MACHINE:?}"
[ "${#DISTANCES[@]}" -eq "$CLUSTERS" ] || { echo "qemu-args.sh: $topo: DISTANCES needs $CLUSTERS rows" >&2; exit 2; }

echo "-machine"; echo "$MACHINE$dumpdtb"
echo "-smp"; echo "$((CLUSTERS * CORES))"
echo "-m"; echo "$((CLUSTERS * MEM_MB))M"
for ((c = 0; c < CLUSTERS; c++)); do
  echo "-object"; echo "memory-backend-ram,id=mem$c,size=${MEM_MB}M"
  echo "-numa"; echo "node,memdev=mem$c,cpus=$((c * CORES))-$((c * CORES + CORES - 1)),nodeid=$c"
done
for ((s = 0; s < CLUSTERS; s++)); do
  read -r -a row <<< "${DISTANCES[$s]}"
  [ "${#row[@]}" -eq "$CLUSTERS" ] || { echo "qemu-args.sh: $topo: row $s needs $CLUSTERS values" >&2; exit 2; }
  for ((d = 0; d < CLUSTERS; d++)); do
    if [ "$s" -ne "$d" ]; then echo "-numa"; echo "dist,src=$s,dst=$d,val=${row[$d]}"; fi
  done
done
