#!/usr/bin/env python3
"""bench.py - the tables of `./archipel bench` (docs/perf.md), from the consoles of its runs.

    bench.py --dir DIR [--linux TESTING.md] [--arch ARCH] TOPOLOGY...

DIR holds the consoles the driver saved, NAME.TOPOLOGY.log: vmbench (the whole vmbench run),
test_vmm.rpc and test_vmm.direct (user/test_vmm with launch_cluster=1 and vmm=rpc|direct),
ktest_bench (ktest=bench). Every figure is virtual time under -icount shift=0, where one
nanosecond is one instruction. Linux's reference figures are read from ../shared/TESTING.md: its
riscv64 sentence, or with --arch x86_64 its x86_64 one ("On x86_64 (...): getpid 312, ...;").
A figure that is missing prints as "-"; nothing here judges a figure: the exit status is 0 once
the tables are printed.
"""
import argparse
import os
import re
import sys

VMBENCH = ["getpid", "anon_fault", "cow_fault", "fork_wait", "fork_exec_wait", "mmap_munmap",
           "mmap_touch_munmap_16", "brk_grow", "mprotect"]
KTEST_BENCH = ["context_switch", "rpc_local", "rpc_remote", "wakeup_round_trip",
               "lock_local_uncontended", "lock_remote_uncontended", "lock_contended_all_cores",
               "page_zero", "page_copy", "page_zero_word", "page_copy_word"]
FAULTS = [("1", "local: a thread in the reference cluster"),
          ("2", "false: threads in the other clusters (min - max)"),
          ("3", "global: the reference has no PTE, resolved there then copied"),
          ("4", "false again, after a global fault elsewhere")]


def group(value):
    """An integer with its thousands apart, as in the docs: 12 345."""
    return f"{value:,.0f}".replace(",", " ") if value is not None else "-"


def ratio(a, b):
    return f"{a / b:.2f}" if a is not None and b else "-"


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return None


def linux_figures(text, arch="riscv64"):
    """Linux's vmbench figures for @arch: the sentence of TESTING.md that lists them (one hart or
    CPU, icount)."""
    if text is None:
        return {}
    flat = " ".join(text.split())
    if arch == "x86_64":
        m = re.search(r"On x86_64 \([^)]*\): (getpid .*?);", flat)
    else:
        m = re.search(r"Linux's reference figures for the same benchmark on the same machine "
                      r"\(one hart, icount\): (.*?) instructions per operation", flat)
    if m is None:
        return {}
    return {name: int(value.replace(" ", "")) for name, value in
            re.findall(r"([a-z_0-9]+) (\d[\d ]*\d|\d)(?:,|$)", m.group(1))
            if name in VMBENCH}


def vmbench_figures(console):
    if console is None:
        return {}
    return {name: float(ns) for name, ns in
            re.findall(r"^vmbench (\w+) ops=\d+ ns_per_op=([0-9.]+)", console, re.M)}


def fault_figures(console):
    """{phase: [ns per page, ...]} of test_vmm's second fault group (the first one also faults in
    what the process touches for the first time); the first group if there is only one."""
    if console is None:
        return {}
    groups, current = [], None
    for phase, ns in re.findall(r"^# phase (\d): (\d+) ns per page written", console, re.M):
        if phase == "1":
            current = {}
            groups.append(current)
        if current is not None:
            current.setdefault(phase, []).append(int(ns))
    return groups[-1] if groups else {}


def ktest_figures(console):
    figures = {}
    for name, ns in re.findall(r"^# bench (\w+): (\d+) ns/op", console or "", re.M):
        figures.setdefault(name, int(ns))
    return figures


def vmbench_table(dir_, topologies, linux):
    runs = {t: vmbench_figures(read(os.path.join(dir_, f"vmbench.{t}.log"))) for t in topologies}
    head = ["benchmark"] + [f"Archipel {t}" for t in topologies] + ["Linux"]
    head += [f"{t}/Linux" for t in topologies]
    if len(topologies) == 2:
        head.append(f"{topologies[1]}/{topologies[0]}")
    lines = ["| " + " | ".join(head) + " |", "|---" + "|---:" * (len(head) - 1) + "|"]
    for name in VMBENCH:
        ours = [runs[t].get(name) for t in topologies]
        row = [name] + [group(v) for v in ours] + [group(linux.get(name))]
        row += [ratio(v, linux.get(name)) for v in ours]
        if len(topologies) == 2:
            row.append(ratio(ours[1], ours[0]))
        lines.append("| " + " | ".join(row) + " |")
    return lines


def fault_table(dir_, topology):
    runs = {p: fault_figures(read(os.path.join(dir_, f"test_vmm.{p}.{topology}.log")))
            for p in ("rpc", "direct")}
    lines = ["| fault | vmm=rpc | vmm=direct |", "|---|---:|---:|"]
    for phase, what in FAULTS:
        cells = []
        for p in ("rpc", "direct"):
            values = runs[p].get(phase)
            if not values:
                cells.append("-")
            elif min(values) == max(values):
                cells.append(group(values[0]))
            else:
                cells.append(f"{group(min(values))} - {group(max(values))}")
        lines.append(f"| {what} | " + " | ".join(cells) + " |")
    return lines


def ktest_table(dir_, topologies):
    runs = {t: ktest_figures(read(os.path.join(dir_, f"ktest_bench.{t}.log"))) for t in topologies}
    lines = ["| benchmark | " + " | ".join(topologies) + " |",
             "|---" + "|---:" * len(topologies) + "|"]
    for name in KTEST_BENCH:
        lines.append(f"| {name} | " + " | ".join(group(runs[t].get(name)) for t in topologies)
                     + " |")
    return lines


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", required=True)
    ap.add_argument("--linux")
    ap.add_argument("--arch", default="riscv64")
    ap.add_argument("topologies", nargs="+")
    a = ap.parse_args(argv)
    linux = linux_figures(read(a.linux) if a.linux else None, a.arch)
    out = ["Archipel benchmarks: release kernel, -icount shift=0 (virtual ns = instructions).", ""]
    out += ["vmbench (../shared/bench/vmbench.c, unmodified), ns per operation; Linux 6.1 on the "
            f"same QEMU, one hart ({a.arch})" + ("" if linux else " (no ../shared/TESTING.md: no figures)")
            + ":", ""]
    out += vmbench_table(a.dir, a.topologies, linux)
    for topology in a.topologies:
        if os.path.exists(os.path.join(a.dir, f"test_vmm.rpc.{topology}.log")):
            out += ["", f"Page faults from other clusters (user/test_vmm on {topology}, "
                    "launch_cluster=1), ns per page written, the fault included:", ""]
            out += fault_table(a.dir, topology)
    out += ["", "Core mechanisms (ktest=bench), ns per operation:", ""]
    out += ktest_table(a.dir, a.topologies)
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
