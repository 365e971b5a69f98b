#!/usr/bin/env bash
# run.sh CLUSTERSxCORES [--icount] [--cpu MODEL] [-- QEMU OPTIONS...]
#
# Builds the standalone early-boot image (Makefile), boots it on qemu-system-x86_64 -machine q35
# with the NUMA shape (qemu-numa.sh), and checks the run: QEMU must exit through isa-debug-exit
# with status 1 (success), the machine description must show CLUSTERS clusters of CORES cores,
# and every core must be online. Prints the console; exits 0 when all holds, 1 otherwise.
# Needs Debian's qemu-system-x86 and gcc.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
shape=${1:?usage: run.sh CLUSTERSxCORES [--icount] [--cpu MODEL] [-- QEMU OPTIONS...]}
shift
icount=() cpu=qemu64 extra=()
while [ $# -gt 0 ]; do
  case $1 in
    --icount) icount=(-icount shift=0) ;;
    --cpu) cpu=${2:?--cpu needs a model}; shift ;;
    --) shift; extra=("$@"); break ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
clusters=${shape%x*} cores=${shape#*x}
out=${O:-$root/build/x86_64-standalone}
make -s -C "$here" O="$out" >&2
mapfile -t machine < <("$here/qemu-numa.sh" "$shape")
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
timeout 300 qemu-system-x86_64 "${machine[@]}" -cpu "$cpu" "${icount[@]}" -display none -serial stdio \
  -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$out/archipel-x86.elf" \
  "${extra[@]}" | tee "$log"
rc=${PIPESTATUS[0]}
set -e
ok=1
[ "$rc" -eq 1 ] || { echo "run.sh: QEMU exited with $rc, expected 1 (isa-debug-exit, success)"; ok=0; }
grep -q "^machine: $clusters clusters, $((clusters * cores)) cores" "$log" ||
  { echo "run.sh: no line 'machine: $clusters clusters, $((clusters * cores)) cores'"; ok=0; }
if ! grep -q -- "nosmp" <<< "${extra[*]:-}"; then
  grep -q ", $((clusters * cores)) cores online" "$log" ||
    { echo "run.sh: not every core online"; ok=0; }
fi
[ $ok -eq 1 ] && echo "run.sh: $shape ${icount[*]:-} -cpu $cpu: ok"
[ $ok -eq 1 ]
