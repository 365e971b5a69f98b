#!/usr/bin/env python3
"""profile.py - the host side of Archipel's instruction profiler (docs/perf.md).

    profile.py plugin-args [--arch A] --kernel ELF [--program ELF] [--firmware ELF]
                           [--window SPEC]... --out FILE
        Prints the arguments of the QEMU plugin (tools/profiler/archiprof.c), comma-separated, to
        append to "-plugin archiprof.so,": the kernel's code range, the trap entries and the context
        switch found in the kernel's symbols, the firmware's range, and the PCs opening and closing
        the windows.
    profile.py report [--arch A] --data FILE --kernel ELF [--program ELF] [--firmware ELF]
                      [--window SPEC]... [--console LOG] [--ops N] [--top N] [--tree-min PCT]
                      [--title TEXT]
        Prints the profile the plugin wrote: a summary, the functions sorted by self instructions
        (self, inclusive, calls, and per operation when the number of operations is known), and the
        kernel's calling-context tree down to --tree-min percent of the window.

Architectures (--arch, default riscv64): riscv64 and x86_64; ARCHES below says what differs
(binutils, firmware, trap entries, context switch, the instruction that reads the time).

Windows (SPEC, locations in --program, the user program):
    FUNC          from the first to the last time-reading instruction of FUNC (rdtime on riscv64,
                  rdtsc on x86_64): a benchmark's timed loop (vmbench's bench_NAME functions read
                  the time exactly there)
    START:STOP    opens when the instruction at START runs and closes at STOP; each is SYMBOL,
                  SYMBOL+OFFSET or 0xADDRESS
    run           from the program's entry point to the end of the run
Without --window the whole run, boot included, is one window.

Operations: --ops N; or, for vmbench with a bench_NAME window, its own output (--console): the
operations it reports plus those of its warm-up, which runs the same timed loop first. The windows
vmbench measured are then known too, and the report compares their instruction count with the
figure vmbench printed (virtual nanoseconds under -icount shift=0: the two must agree).
"""
import argparse
import bisect
import re
import subprocess
import sys

# What differs between the architectures. The context switch is found by the store of one slot
# of the outgoing context and the load of the same slot of the incoming one (save, load: regular
# expressions on objdump's mnemonic and operands, group 1 the offset, group 2 the base register).
ARCHES = {
    "riscv64": {
        "binutils": "riscv64-linux-gnu-",
        # QEMU virt: OpenSBI, loaded below the kernel
        "firmware": "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.elf",
        "firmware_base": 0x80000000,
        "traps": [("hal_trap_entry", False)],           # hal/riscv/trap.S: the one S-mode vector
        "faults": None,                                  # no entry only faults take
        "switch_slot": "ra",                             # hal/riscv/context.S: 0(a0), 0(a1)
        "save": (r"sd", r"^ra,(-?\d+)\((\w+)\)$"),
        "load": (r"ld", r"^ra,(-?\d+)\((\w+)\)$"),
        "time": ("rdtime",),                             # csrr x, time too (below)
        "tick_ns": 100,                                  # the time CSR counts at 10 MHz
    },
    "x86_64": {
        "binutils": "x86_64-linux-gnu-",
        "firmware": None,                                # no firmware runs beside the kernel
        "firmware_base": None,
        # hal/x86_64/trap.S: a stub per IDT vector (the whole of x86_trap_stubs, up to
        # x86_trap_stubs_end), and the syscall instruction's entry (LSTAR)
        "traps": [("x86_trap_stubs", True), ("x86_syscall_entry", False)],
        # the stub only a page fault enters (vector 14; 256 stubs of 16 bytes): the instruction
        # it interrupts runs again, even a block's last (archiprof.c's raised_exception)
        "faults": ("x86_trap_stubs", 16, 256, [14]),
        "switch_slot": "%rsp",                           # hal/x86_64/context.S: 0(%rdi), 0(%rsi)
        "save": (r"mov", r"^%rsp,(-?(?:0x)?[0-9a-f]*)\((%\w+)\)$"),
        "load": (r"mov", r"^(-?(?:0x)?[0-9a-f]*)\((%\w+)\),%rsp$"),
        "time": ("rdtsc",),
        "tick_ns": 1,                                    # the TSC counts virtual ns (-icount)
    },
}
TOOLS = {"nm": "nm", "objdump": "objdump", "readelf": "readelf"}  # set from --arch in main()
ARCH = ARCHES["riscv64"]
CONTEXT_SWITCH = "hal_context_switch"
THREAD_START = "hal_context_start"
IDLE_PC = 0                          # archiprof.c's pseudo-PC for idle time


class ProfileError(Exception):
    pass


def run_tool(tool, *args):
    try:
        return subprocess.run([TOOLS[tool], *args], check=True, capture_output=True,
                              text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        raise ProfileError(f"{TOOLS[tool]} {' '.join(args)}: {e}") from e


class Image:
    """The functions of one ELF file: name by address, and address by name."""

    def __init__(self, path, nm_text=None, segments=None, entry=0):
        self.path = path
        if nm_text is None:
            nm_text = run_tool("nm", "-n", "-S", "--defined-only", path)
        self.funcs = parse_nm(nm_text)                    # [(start, end, name)] by start
        self.starts = [f[0] for f in self.funcs]
        self.by_name = {f[2]: f for f in self.funcs}
        self.segments = segments if segments is not None else read_segments(path)
        self.entry = entry if segments is not None else read_entry(path)

    def function(self, pc):
        i = bisect.bisect_right(self.starts, pc) - 1
        if i >= 0 and pc < self.funcs[i][1]:
            return self.funcs[i][2]
        return None

    def symbol(self, name):
        if name not in self.by_name:
            raise ProfileError(f"{self.path}: no function '{name}'")
        return self.by_name[name]

    def location(self, text):
        """SYMBOL, SYMBOL+OFFSET or 0xADDRESS."""
        if re.fullmatch(r"0x[0-9a-fA-F]+", text):
            return int(text, 16)
        m = re.fullmatch(r"([A-Za-z_.$][\w.$]*)(?:\+(0x[0-9a-fA-F]+|\d+))?", text)
        if m is None:
            raise ProfileError(f"'{text}' is not SYMBOL, SYMBOL+OFFSET or 0xADDRESS")
        return self.symbol(m.group(1))[0] + (int(m.group(2), 0) if m.group(2) else 0)

    def code_ranges(self):
        """[(vaddr, paddr, size)] of the executable segments."""
        return [(v, p, size) for v, p, size, flags in self.segments if "E" in flags]


def parse_nm(text):
    """Function symbols of `nm -n -S` output, with their extent: their size, else up to the next
    symbol (assembly labels have no size). An end marker (NAME_end) names no code where another
    symbol starts at its address: x86_64's x86_trap_stubs_end is also x86_trap_common's start."""
    rank = {"T": 0, "W": 1, "t": 2, "w": 3}       # which name to keep for one address
    best = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 4:
            addr, size, kind, name = int(parts[0], 16), int(parts[1], 16), parts[2], parts[3]
        elif len(parts) == 3:
            addr, size, kind, name = int(parts[0], 16), 0, parts[1], parts[2]
        else:
            continue
        if kind not in rank or name.startswith((".L", "$")):
            continue
        old = best.get(addr)
        if old is None or ((name.endswith("_end"), rank[kind], -size, name) <
                           (old[2].endswith("_end"), rank[old[1]], -old[0], old[2])):
            best[addr] = (size, kind, name)
    addrs = sorted(best)
    funcs = []
    for i, addr in enumerate(addrs):
        size, _, name = best[addr]
        following = addrs[i + 1] if i + 1 < len(addrs) else addr + max(size, 4)
        end = addr + size if size else following
        funcs.append((addr, min(end, following) if size else end, name))
    return funcs


def read_segments(path):
    out = run_tool("readelf", "-lW", path)
    segs = []
    for m in re.finditer(r"^\s*LOAD\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x[0-9a-f]+\s+"
                         r"0x([0-9a-f]+)\s+([RWE ]+?)\s+0x", out, re.M):
        segs.append((int(m.group(1), 16), int(m.group(2), 16), int(m.group(3), 16),
                     m.group(4).replace(" ", "")))
    return segs


def read_entry(path):
    m = re.search(r"Entry point (0x[0-9a-f]+)", run_tool("readelf", "-hW", path))
    return int(m.group(1), 16) if m else 0


def disassemble(image, name):
    """[(pc, mnemonic, operands)] of function @name of @image."""
    start, end, _ = image.symbol(name)
    out = run_tool("objdump", "-d", "--no-show-raw-insn", f"--start-address={start:#x}",
                   f"--stop-address={end:#x}", image.path)
    insns = []
    for m in re.finditer(r"^[ \t]*([0-9a-f]+):[ \t]+(\S+)[ \t]*(.*)$", out, re.M):
        insns.append((int(m.group(1), 16), m.group(2), m.group(3).strip()))
    return insns


def time_read_pcs(image, name):
    return [pc for pc, mn, ops in disassemble(image, name)
            if mn in ARCH["time"] or (mn == "csrr" and ops.endswith(",time"))]


def window_marks(specs, program):
    """The open and close PCs of the windows SPECs (see the module's help)."""
    opens, closes = [], []
    for spec in specs:
        if program is None:
            raise ProfileError(f"--window {spec}: needs the program's ELF")
        if spec == "run":
            opens.append(program.entry)
        elif ":" in spec:
            start, stop = spec.split(":", 1)
            opens.append(program.location(start))
            closes.append(program.location(stop))
        else:
            pcs = time_read_pcs(program, spec)
            if len(pcs) < 2:
                raise ProfileError(f"--window {spec}: {spec} reads the time {len(pcs)} times, "
                                   "not around a loop: give START:STOP")
            opens.append(pcs[0])
            closes.append(pcs[-1])
    return opens, closes


def firmware_range(path):
    """[lo, hi) of the M-mode firmware: its ELF's load segment, else up to the kernel."""
    if path is None:
        return None
    try:
        segs = read_segments(path)
    except ProfileError:
        segs = []
    if segs:
        return min(p for _, p, _, _ in segs), max(p + s for _, p, s, _ in segs)
    return None


def context_switch_accesses(kernel):
    """PCs of the context switch's store of one register (ra on riscv64, rsp on x86_64) into the
    outgoing context and its load from the incoming one. The plugin keys each thread by the
    address these two access, so they must be the same slot of the context: not merely the first
    store and the first load, since the switch also loads from the outgoing context (its
    kernel-stack top, to save the FP state)."""
    insns = disassemble(kernel, CONTEXT_SWITCH)

    def first(mnemonic, pattern):
        regex = re.compile(pattern)
        return next(((pc, m) for pc, mn, ops in insns
                     if mn == mnemonic and (m := regex.match(ops))), None)

    slot = ARCH["switch_slot"]
    save, load = first(*ARCH["save"]), first(*ARCH["load"])
    if save is None or load is None:
        raise ProfileError(f"{CONTEXT_SWITCH}: no store and load of {slot} found")
    if save[1].group(1) != load[1].group(1) or save[1].group(2) == load[1].group(2):
        raise ProfileError(f"{CONTEXT_SWITCH}: {slot} is saved at {save[1].group(0)} but loaded "
                           f"from {load[1].group(0)}: not the same slot of two contexts")
    return save[0], load[0]


def trap_args(kernel):
    """The plugin's trap=PC and traps=LO-HI arguments: where a trap's first block starts, at a
    symbol or anywhere in its extent (whole)."""
    args = []
    for name, whole in ARCH["traps"]:
        lo, hi, _ = kernel.symbol(name)
        args.append(f"traps={lo:x}-{hi:x}" if whole else f"trap={lo:x}")
    if ARCH["faults"]:
        name, size, count, vectors = ARCH["faults"]
        lo, hi, _ = kernel.symbol(name)
        if hi - lo != size * count:
            raise ProfileError(f"{name}: {hi - lo} bytes, not {count} stubs of {size}")
        args += [f"fault={lo + size * v:x}" for v in vectors]
    return args


def escape_option(value):
    return value.replace(",", ",,")                  # QEMU's option syntax


def plugin_args(a):
    kernel = Image(a.kernel)
    program = Image(a.program) if a.program else None
    code = kernel.code_ranges()
    if not code:
        raise ProfileError(f"{a.kernel}: no executable segment")
    fw = firmware_range(a.firmware)
    if fw is None and ARCH["firmware_base"] is not None:
        fw = (ARCH["firmware_base"], min(p for _, p, _ in code))
    save, load = context_switch_accesses(kernel)
    args = [f"out={escape_option(a.out)}"]
    args += [f"kernel={v:x}-{v + size:x}" for v, _, size in code]
    args += [f"firmware={fw[0]:x}-{fw[1]:x}"] if fw else []
    args += trap_args(kernel)
    args += [f"switch_save={save:x}", f"switch_load={load:x}",
             f"thread_start={kernel.symbol(THREAD_START)[0]:x}"]
    opens, closes = window_marks(a.window, program)
    args += [f"open={pc:x}" for pc in opens] + [f"close={pc:x}" for pc in closes]
    print(",".join(args))


class Profile:
    """What the plugin wrote (archiprof.c's output format)."""

    def __init__(self, text):
        self.vcpus, self.run_total = 0, 0
        self.windows = []       # instructions of each window
        self.pcs = []           # (pc, in windows, in the run, is wfi)
        self.nodes = {}         # id -> (parent, fn, calls, inclusive, self)
        self.stats = {}
        for number, line in enumerate(text.splitlines(), 1):
            f = line.split()
            try:
                self.parse(f)
            except (ValueError, IndexError) as e:
                raise ProfileError(f"line {number} of the profile: '{line}': {e}") from e
        if 0 not in self.nodes:
            raise ProfileError("the profile is incomplete (no calling-context tree)")

    def parse(self, f):
        if not f:
            return
        tag = f[0]
        if tag == "archiprof":
            if f[1] != "1":
                raise ValueError(f"format {f[1]}, this script reads format 1")
        elif tag == "vcpus":
            self.vcpus = int(f[1])
        elif tag == "T":
            self.run_total = int(f[1])
        elif tag == "W":
            self.windows.append(int(f[1]))
        elif tag == "P":
            self.pcs.append((int(f[1], 16), int(f[2]), int(f[3]), f[4:] == ["wfi"]))
        elif tag == "N":
            self.nodes[int(f[1])] = (int(f[2]), int(f[3], 16), int(f[4]), int(f[5]), int(f[6]))
        elif tag == "S":
            self.stats[f[1]] = int(f[2])
        else:
            raise ValueError("unknown record")

    def window_total(self):
        return sum(self.windows)


class Places:
    """Where a PC is: the kernel (at its virtual address, or its physical one before the MMU is
    on), the firmware, or user code (the program's functions when it is given)."""

    IDLE_NAME = "[idle: icount's charge for a halting wfi]"

    def __init__(self, kernel, program=None, firmware=None):
        self.kernel, self.program = kernel, program
        self.code = kernel.code_ranges()
        self.firmware = firmware

    def where(self, pc):
        if pc == IDLE_PC:
            return "idle", self.IDLE_NAME
        for v, p, size in self.code:
            if v <= pc < v + size:
                return "kernel", self.kernel.function(pc) or f"[kernel {pc:#x}]"
        for v, p, size in self.code:
            if p <= pc < p + size:
                return "kernel", self.kernel.function(pc - p + v) or f"[kernel {pc:#x}]"
        if self.firmware and self.firmware[0] <= pc < self.firmware[1]:
            return "firmware", "[firmware]"
        name = self.program.function(pc) if self.program else None
        return "user", name or "[user]"


class Summary:
    """Per function: self, inclusive (outermost frames only, so recursion counts once), calls."""

    def __init__(self, profile, places):
        self.by_kind = {"kernel": 0, "user": 0, "firmware": 0, "idle": 0}
        self.self_ = {}                        # (where, name) -> instructions in windows
        self.wfi = 0
        for pc, measured, _, is_wfi in profile.pcs:
            if measured == 0:
                continue
            key = places.where(pc)
            self.self_[key] = self.self_.get(key, 0) + measured
            self.by_kind[key[0]] += measured
            self.wfi += measured if is_wfi else 0
        self.names = {0: ("kernel", "[thread base]")}
        for node, (_, fn, _, _, _) in profile.nodes.items():
            if node:
                self.names[node] = places.where(fn)
        self.incl, self.calls = {}, {}
        self.children = {}
        for node, (parent, _, calls, _, _) in profile.nodes.items():
            if node:
                self.children.setdefault(parent, []).append(node)
                key = self.names[node]
                self.calls[key] = self.calls.get(key, 0) + calls
        self.outermost_inclusive(profile)

    def outermost_inclusive(self, profile):
        active = {}
        todo = [(0, True)]
        while todo:
            node, entering = todo.pop()
            key = self.names[node]
            if not entering:
                active[key] -= 1
                continue
            if node and not active.get(key):
                self.incl[key] = self.incl.get(key, 0) + profile.nodes[node][3]
            active[key] = active.get(key, 0) + 1
            todo.append((node, False))
            todo.extend((child, True) for child in self.children.get(node, []))


VMBENCH_MAX_BATCH = {"anon_fault": 4096, "cow_fault": 2048, "brk_grow": 1024}  # vmbench.c


def vmbench_batches(n, max_batch):
    """The batch sizes of vmbench's run_ops(n) when its time budget does not run out."""
    cap = max(1, min(n // 8, max_batch))
    batches, done, batch = [], 0, 1
    while done < n:
        k = min(batch, n - done)
        batches.append(k)
        done += k
        if batch < cap:
            batch = min(batch * 2, cap)
    return batches


def vmbench_operations(console, specs, windows):
    """For a bench_NAME window of vmbench: (operations in the windows, dict of the check), or
    (None, reason). vmbench first runs n/16 operations (at least 1) to warm up, then the n it
    reports, each in batches that double up to n/8; every batch is one window."""
    if len(specs) != 1 or not specs[0].startswith("bench_"):
        return None, "no vmbench window"
    name = specs[0][len("bench_"):]
    lines = re.findall(rf"^vmbench {re.escape(name)} ops=(\d+) ns_per_op=([0-9.]+)", console, re.M)
    if len(lines) != 1:
        return None, f"the console has {len(lines)} 'vmbench {name}' lines"
    n, per_op = int(lines[0][0]), float(lines[0][1])
    max_batch = VMBENCH_MAX_BATCH.get(name, 1 << 30)
    warm = vmbench_batches(max(n // 16, 1), max_batch)
    measured = vmbench_batches(n, max_batch)
    if len(windows) != len(warm) + len(measured):
        return None, (f"{len(windows)} windows, not the {len(warm)} + {len(measured)} of vmbench's "
                      "schedule (its time budget ran out?): give --ops")
    insns = sum(windows[len(warm):])
    return sum(warm) + n, {"name": name, "n": n, "warm": sum(warm), "per_op": per_op,
                           "windows": len(measured), "insns": insns,
                           "bound": ARCH["tick_ns"] * len(measured) + 0.05 * n}


def percent(x, total):
    return f"{100.0 * x / total:5.1f} %" if total else "    - "


def per_op(x, ops, width=9, digits=1):
    return f"{x / ops:{width}.{digits}f}" if ops else ""


def summary_lines(a, profile, summary, ops, check):
    total = profile.window_total()
    where = ", ".join(a.window) if a.window else "the whole run"
    out = [f"profile: {a.title}" if a.title else "profile:",
           f"windows: {where}: {len(profile.windows)} windows, {total} instructions "
           f"(the run: {profile.run_total}, {profile.vcpus} vCPUs)"]
    kinds = summary.by_kind
    out.append("  " + ", ".join(f"{kind} {kinds[kind]} ({percent(kinds[kind], total).strip()})"
                                for kind in ("kernel", "user", "firmware", "idle"))
               + f"; {summary.wfi} wfi executed")
    if sum(kinds.values()) != total:
        out.append(f"  warning: the PCs sum to {sum(kinds.values())}, not to the windows' total")
    if isinstance(check, dict):
        out.append(f"operations: {ops} = {check['n']} measured by vmbench + {check['warm']} of "
                   "its warm-up, in the same windows")
        diff = check["insns"] - check["n"] * check["per_op"]
        out.append(f"icount check: vmbench {check['per_op']:.1f} ns/op, the profiler "
                   f"{check['insns'] / check['n']:.1f} instructions/op over the same "
                   f"{check['windows']} windows: difference {diff:+.0f} instructions "
                   f"({100 * diff / max(check['insns'], 1):+.4f} %), bound "
                   f"{check['bound']:.0f} ({ARCH['tick_ns']} ns ticks, rounding)")
    elif ops:
        out.append(f"operations: {ops} (--ops)")
    else:
        out.append(f"operations: unknown ({check or 'give --ops N'}): no per-operation figures")
    s = profile.stats
    out.append(f"call tracking: {s.get('threads', 0)} threads, {s.get('switches', 0)} context "
               f"switches; {s.get('unmatched_returns', 0)} unmatched returns, "
               f"{s.get('resets', 0)} resets, {s.get('stale_stacks', 0)} stale stacks, "
               f"{s.get('bare_trap_returns', 0)} first returns to user, depth "
               f"{s.get('max_depth', 0)}")
    return out


def table_lines(summary, total, ops, top):
    keys = set(summary.self_) | set(summary.incl)
    rows = sorted(keys, key=lambda k: (-summary.self_.get(k, 0), -summary.incl.get(k, 0), k))
    shown = rows if top <= 0 else rows[:top]
    head = (f"{'self':>11} {'self%':>7} {'inclusive':>11} {'incl%':>7} {'calls':>9}"
            + (f" {'self/op':>9} {'incl/op':>9} {'calls/op':>9}" if ops else "")
            + f"  {'where':<8} function")
    out = [f"functions by self instructions ({len(shown)} of {len(rows)}; --top 0 for all):", head]
    for key in shown:
        s, calls = summary.self_.get(key, 0), summary.calls.get(key, 0)
        incl = summary.incl.get(key)
        line = f"{s:>11} {percent(s, total)} "
        line += f"{incl:>11} {percent(incl, total)}" if incl is not None else f"{'-':>11} {'-':>7}"
        line += f" {calls:>9}"
        if ops:
            line += f" {per_op(s, ops)} "
            line += per_op(incl, ops) if incl is not None else f"{'-':>9}"
            line += f" {per_op(calls, ops, 9, 2)}"
        out.append(f"{line}  {key[0]:<8} {key[1]}")
    out.append(f"{total:>11} {percent(total, total)}"
               + (f" {'':>11} {'':>7} {'':>9} {per_op(total, ops)}" if ops else "") + "  total")
    return out


def tree_lines(profile, summary, total, ops, min_pct, max_depth=40):
    out = [f"calling contexts (kernel frames per thread; inclusive >= {min_pct} % of the windows):",
           f"{'incl%':>7} {'inclusive':>11} {'calls':>9}"
           + (f" {'incl/op':>9} {'calls/op':>9}" if ops else "") + "  function"]
    floor = total * min_pct / 100.0
    todo = [(node, 0) for node in sorted(summary.children.get(0, []),
                                         key=lambda n: profile.nodes[n][3])]
    while todo:
        node, depth = todo.pop()
        _, _, calls, incl, _ = profile.nodes[node]
        if incl < floor or incl == 0:
            continue
        line = f"{percent(incl, total)} {incl:>11} {calls:>9}"
        if ops:
            line += f" {per_op(incl, ops)} {per_op(calls, ops, 9, 2)}"
        out.append(f"{line}  {'  ' * depth}{summary.names[node][1]}")
        if depth + 1 < max_depth:
            kids = sorted(summary.children.get(node, []), key=lambda n: profile.nodes[n][3])
            todo.extend((kid, depth + 1) for kid in kids)
    return out


def report(a):
    kernel = Image(a.kernel)
    program = Image(a.program) if a.program else None
    try:
        with open(a.data) as f:
            profile = Profile(f.read())
    except OSError as e:
        raise ProfileError(f"{a.data}: {e}") from e
    console = ""
    if a.console:
        with open(a.console, errors="replace") as f:
            console = f.read()
    summary = Summary(profile, Places(kernel, program, firmware_range(a.firmware)))
    ops, check = a.ops, None
    if ops is None:
        ops, check = vmbench_operations(console, a.window, profile.windows)
    total = profile.window_total()
    lines = summary_lines(a, profile, summary, ops, check) + [""]
    lines += table_lines(summary, total, ops, a.top) + [""]
    lines += tree_lines(profile, summary, total, ops, a.tree_min)
    print("\n".join(lines))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    for name in ("plugin-args", "report"):
        p = sub.add_parser(name)
        p.add_argument("--arch", choices=sorted(ARCHES), default="riscv64")
        p.add_argument("--kernel", required=True)
        p.add_argument("--program")
        p.add_argument("--firmware", help="the firmware's ELF (default: the architecture's)")
        p.add_argument("--window", action="append", default=[])
        for tool in TOOLS:
            p.add_argument(f"--{tool}", help="default: the architecture's binutils")
        if name == "plugin-args":
            p.add_argument("--out", required=True)
        else:
            p.add_argument("--data", required=True)
            p.add_argument("--console")
            p.add_argument("--ops", type=int)
            p.add_argument("--top", type=int, default=30)
            p.add_argument("--tree-min", type=float, default=2.0)
            p.add_argument("--title", default="")
    a = ap.parse_args(argv)
    global ARCH
    ARCH = ARCHES[a.arch]
    for tool in TOOLS:
        TOOLS[tool] = getattr(a, tool) or ARCH["binutils"] + tool
    if a.firmware is None:
        a.firmware = ARCH["firmware"]
    if getattr(a, "ops", None) is not None and a.ops <= 0:
        ap.error("--ops must be positive")
    try:
        plugin_args(a) if a.command == "plugin-args" else report(a)
    except ProfileError as e:
        print(f"profile.py: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
