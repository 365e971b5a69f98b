#!/usr/bin/env python3
"""test_profile_run.py DRIVER profile OPTIONS... -- /PATH ARGS: run `./archipel profile` and judge
its report: well formed, the functions' self instructions adding up to the windows' total, the
calls followed without damage, and, for a vmbench window, the profiler's count of the windows
vmbench measured equal to vmbench's own -icount figure within the bound of its clock's ticks and
rounding (and within 0.05 %). The table's sanity: no function's inclusive count below its self
count (in a debug kernel, below) nor above the windows' total, the top functions symbolised kernel
ones, a window's count nonzero and below the whole
run's. The entry of system calls (the top of the calling contexts) is the architecture's (--arch,
riscv64 by default). It needs the whole table: --top 0 is added."""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_profile import table_rows  # noqa: E402

MAX_RELATIVE_ERROR = 0.0005
SYSCALL_ENTRY = {"riscv64": "hal_trap_entry", "x86_64": "x86_syscall_entry"}  # its trap.S


def fail(why, output=""):
    print(output)
    print(f"test_profile_run: FAIL: {why}")
    sys.exit(1)


def main():
    command = sys.argv[1:]
    split = command.index("--")
    arch = command[command.index("--arch") + 1] if "--arch" in command[:split] else "riscv64"
    entry = SYSCALL_ENTRY[arch]
    command[split:split] = ["--top", "0"]
    run = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                         timeout=280)
    out = run.stdout
    if run.returncode != 0:
        fail(f"status {run.returncode}: {run.stderr[-2000:]}", out)
    report = out[out.find("\nprofile: ") + 1:]
    m = re.search(r"^windows: .*: (\d+) windows, (\d+) instructions \(the run: (\d+),", report,
                  re.M)
    if m is None or int(m.group(1)) == 0 or int(m.group(2)) == 0:
        fail("no windows line, or nothing counted", out)
    total, run_total = int(m.group(2)), int(m.group(3))
    if "--window" in command[:split] and total >= run_total:
        fail(f"the windows' {total} instructions are not fewer than the run's {run_total}", out)
    rows = table_rows(report)
    if not rows or sum(int(r.group(1)) for r in rows.values()) != total:
        fail(f"the {len(rows)} functions do not add up to the windows' {total}", out)
    # Self counts a function's PCs, inclusive its frames. A debug kernel makes no tail calls
    # (config/kernel.cmake), so every function runs inside its frames but the context switch,
    # whose second half runs on the incoming thread's stack, where a new thread has no frame of
    # it. A release kernel's tail calls run their callee in the caller's frame: there only the
    # bound by the windows' total holds for every function.
    debug = "--release" not in command[:split]
    for (where, name), r in rows.items():
        if r.group(2) == "-":
            continue
        incl = int(r.group(2))
        if incl > total or (debug and name != "hal_context_switch" and incl < int(r.group(1))):
            fail(f"{name}: inclusive {incl}, self {r.group(1)}, the windows' {total}", out)
    top = list(rows)[:3]
    if any(where != "kernel" or name.startswith("[") for where, name in top):
        fail(f"the top functions {top} are not all symbolised kernel functions", out)
    if ("kernel", entry) not in rows:
        fail(f"no {entry} among the functions", out)
    m = re.search(r"^call tracking: (\d+) threads, (\d+) context switches; (\d+) unmatched "
                  r"returns, (\d+) resets", report, re.M)
    if m is None or int(m.group(3)) or int(m.group(4)):
        fail("calls and returns were not all matched", out)
    tree = report.split("\ncalling contexts")[1]
    if not re.search(rf"\d  {entry}$", tree, re.M):
        fail(f"no {entry} at the top of the calling contexts", out)
    if "vmbench" in command[split:]:
        check = re.search(r"^icount check: .* difference ([-+]\d+) instructions "
                          r"\(([-+][\d.]+) %\), bound (\d+)", report, re.M)
        if check is None:
            fail("no icount check", out)
        diff, relative, bound = int(check.group(1)), float(check.group(2)), int(check.group(3))
        if abs(diff) > bound or abs(relative) > 100 * MAX_RELATIVE_ERROR:
            fail(f"the profiler's count differs from vmbench's by {diff} ({relative} %)", out)
        if not re.search(r"\d  +sys_getpid$", tree, re.M):
            fail("no sys_getpid in the calling contexts", out)
    print(report)
    print("test_profile_run: PASS")


if __name__ == "__main__":
    main()
