#!/bin/sh
# qemu_with.sh ARGS... - QEMU with more options: runs $QEMU_WITH_BINARY with ARGS, then the words of
# $QEMU_WITH_OPTIONS (QEMU takes the last of a repeated -cpu, so these override the arch file's).
# tests/qemu/CMakeLists.txt hands it to the harness as the QEMU binary (--qemu) for the variants of a
# boot: another CPU model (`-cpu max`), deterministic time (`-icount shift=0`), another machine option
# (`-machine aclint=off`: QEMU merges it into the first -machine).
[ -n "$QEMU_WITH_BINARY" ] || { echo "qemu_with.sh: QEMU_WITH_BINARY is not set" >&2; exit 2; }
# shellcheck disable=SC2086 # the options are words on purpose
exec "$QEMU_WITH_BINARY" "$@" $QEMU_WITH_OPTIONS
