#!/usr/bin/env bash
# qemu-numa.sh CLUSTERSxCORES [MEM_MB]
#
# Prints, one per line, the QEMU options of a q35 machine with CLUSTERS NUMA nodes of CORES CPUs
# (one socket per node) and MEM_MB MiB per node (default 512), nodes on a 2-D mesh (W = 1, 2, 2,
# 4, 4 columns for 1, 2, 4, 8, 16 nodes: node n at (n % W, n / W)), distance 10 + 10 * hops.
# Used by run.sh and capture.sh; phase 2 moves the x86_64 topologies to config/.
set -euo pipefail
shape=${1:?usage: qemu-numa.sh CLUSTERSxCORES [MEM_MB]}
mem=${2:-512}
clusters=${shape%x*}
cores=${shape#*x}
case $clusters in
  1) w=1 ;; 2|3|4) w=2 ;; *) w=4 ;;
esac
echo "-machine"; echo "q35"
echo "-smp"; echo "$((clusters * cores)),sockets=$clusters,cores=$cores,threads=1"
echo "-m"; echo "$((clusters * mem))M"
[ "$clusters" -eq 1 ] && exit 0
for ((c = 0; c < clusters; c++)); do
  echo "-object"; echo "memory-backend-ram,id=mem$c,size=${mem}M"
  echo "-numa"; echo "node,memdev=mem$c,nodeid=$c"
  echo "-numa"; echo "cpu,node-id=$c,socket-id=$c"
done
for ((s = 0; s < clusters; s++)); do
  for ((d = 0; d < clusters; d++)); do
    [ "$s" -eq "$d" ] && continue
    dx=$(( s % w - d % w )); dy=$(( s / w - d / w ))
    echo "-numa"; echo "dist,src=$s,dst=$d,val=$(( 10 + 10 * (${dx#-} + ${dy#-}) ))"
  done
done
