#!/usr/bin/env python3
"""Self-test of tools/profile.py on synthetic input: a made-up kernel, program and profile, with
fake nm/readelf/objdump that print canned text, so that every figure of the report is known."""
import contextlib
import io
import os
import re
import sys
import tempfile
import textwrap
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import profile as prof  # noqa: E402  (tools/profile.py)

KERNEL_NM = """\
ffffffff80000000 0000000000000010 T _start
ffffffff80000100 0000000000000040 T hal_trap_entry
ffffffff80000140 t from_user
ffffffff80000200 0000000000000100 T handler
ffffffff80000300 0000000000000080 T walk
ffffffff80000380 0000000000000020 t walk_alias
ffffffff80000380 0000000000000020 T leaf
ffffffff80000400 0000000000000030 T hal_context_switch
ffffffff80000430 0000000000000008 T hal_context_start
ffffffff80001000 B some_data
"""
KERNEL_SEGMENTS = """\
  LOAD           0x001000 0xffffffff80000000 0x0000000080200000 0x001000 0x001000 R E 0x1000
  LOAD           0x002000 0xffffffff80001000 0x0000000080201000 0x000100 0x004000 RW  0x1000
"""
SWITCH_DISASSEMBLY = """\
ffffffff80000400 <hal_context_switch>:
ffffffff80000400:\tsd\tra,0(a0)
ffffffff80000404:\tsd\tsp,8(a0)
ffffffff80000408:\tld\tt0,112(a0)
ffffffff8000040c:\tld\tra,0(a1)
ffffffff80000410:\tret
"""
PROGRAM_NM = """\
0000000000010000 0000000000000020 T _start
0000000000010100 0000000000000040 t bench_loop
0000000000010200 0000000000000010 T getpid
"""
PROGRAM_SEGMENTS = """\
  LOAD           0x000000 0x0000000000010000 0x0000000000010000 0x001000 0x001000 R E 0x1000
"""
LOOP_DISASSEMBLY = """\
0000000000010100 <bench_loop>:
   10100:\tadd\tsp,sp,-16
   10104:\trdtime\ts2
   10108:\tjal\t10200 <getpid>
   1010c:\tbnez\ta0,10108 <bench_loop+0x8>
   10110:\tret
   10112:\trdtime\ta0
   10116:\tret
"""
FIRMWARE_SEGMENTS = """\
  LOAD           0x000120 0x0000000080000000 0x0000000080000000 0x01c280 0x045ac8 RWE 0x8
"""

# A fake TOOL prints $FAKE_TOOL_DATA/FILE.TOOL, or FILE.START.TOOL for objdump's function at START.
FAKE_TOOL = """\
#!/bin/sh
last= start=
for a; do
    last=$a
    case $a in --start-address=0x*) start=.${a#--start-address=0x} ;; esac
done
f=$FAKE_TOOL_DATA/$(basename "$last")$start.@TOOL@
[ -f "$f" ] && exec cat "$f"
echo "fake @TOOL@: nothing for $last" >&2
exit 1
"""

# The run: windows of 1000 + 500 + 1500 instructions. PCs: kernel (virtual and one physical at
# boot, which is outside the windows), firmware, user, and idle (PC 0). The tree: a trap, the
# handler, which calls walk, which recurses once and calls leaf.
PROFILE = """\
archiprof 1
vcpus 2
T 99999
W 1000
W 500
W 1500
P 80200004 0 50
P ffffffff80000100 300 400
P ffffffff80000144 100 100
P ffffffff80000200 800 900
P ffffffff80000210 200 200
P ffffffff80000300 700 700
P ffffffff80000384 400 400
P 80001000 100 100
P 10104 150 150
P 10200 150 150 wfi
P 0 100 100
N 0 0 0 0 0 500
N 1 0 ffffffff80000100 10 2500 400
N 2 1 ffffffff80000200 10 2100 1000
N 3 2 ffffffff80000300 10 1100 500
N 4 3 ffffffff80000300 5 400 200
N 5 4 ffffffff80000380 5 200 200
N 6 2 ffffffff80000380 20 200 200
S switches 7
S threads 3
S unmatched_returns 0
S bare_trap_returns 1
S resets 0
S stale_stacks 2
S max_depth 4
"""


class Fixture(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        d = self.tmp.name
        self.data = os.path.join(d, "data")
        os.mkdir(self.data)
        files = {"kernel.elf.nm": KERNEL_NM, "kernel.elf.readelf": KERNEL_SEGMENTS
                 + "  Entry point 0xffffffff80000000\n",
                 "kernel.elf.ffffffff80000400.objdump": SWITCH_DISASSEMBLY,
                 "prog.elf.nm": PROGRAM_NM, "prog.elf.readelf": PROGRAM_SEGMENTS
                 + "  Entry point 0x10000\n",
                 "prog.elf.10100.objdump": LOOP_DISASSEMBLY, "fw.elf.readelf": FIRMWARE_SEGMENTS,
                 "fw.elf.nm": ""}
        for name, text in files.items():
            with open(os.path.join(self.data, name), "w") as f:
                f.write(text)
        self.tools = []
        for tool in ("nm", "readelf", "objdump"):
            path = os.path.join(d, f"fake-{tool}")
            with open(path, "w") as f:
                f.write(FAKE_TOOL.replace("@TOOL@", tool))
            os.chmod(path, 0o755)
            self.tools += [f"--{tool}", path]
        os.environ["FAKE_TOOL_DATA"] = self.data
        self.kernel = os.path.join(d, "kernel.elf")
        self.program = os.path.join(d, "prog.elf")
        self.firmware = os.path.join(d, "fw.elf")
        self.profile = os.path.join(d, "profile.data")
        with open(self.profile, "w") as f:
            f.write(PROFILE)

    def tearDown(self):
        self.tmp.cleanup()

    def run_cli(self, *args):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = prof.main([*args, *self.tools])
        return status, out.getvalue(), err.getvalue()

    def report(self, *extra):
        status, out, err = self.run_cli("report", "--kernel", self.kernel, "--program",
                                        self.program, "--firmware", self.firmware, "--data",
                                        self.profile, "--top", "0", *extra)
        self.assertEqual(status, 0, err)
        return out


def table_rows(out):
    """{(where, function): [numbers...]} of the functions table."""
    rows = {}
    table = out.split("functions by self instructions")[1].split("\n\n")[0]
    for line in table.splitlines()[2:]:
        m = re.match(r"^\s*(\d+)\s+[\d.]+ %\s+(\S+)\s+(-|[\d.]+ %)\s+(\d+)((?:\s+[\d.-]+)*)"
                     r"\s{2}(kernel|user|firmware|idle)\s+(.*)$", line)
        if m:
            rows[(m.group(6), m.group(7))] = m
    return rows


class PluginArgs(Fixture):
    def test_arguments(self):
        status, out, err = self.run_cli("plugin-args", "--kernel", self.kernel, "--program",
                                        self.program, "--firmware", self.firmware, "--window",
                                        "bench_loop", "--window", "getpid:0x10204", "--out",
                                        "/tmp/a,b")
        self.assertEqual(status, 0, err)
        args = out.strip().split(",")
        self.assertIn("out=/tmp/a,,b", out)     # QEMU's escaped comma
        self.assertIn("kernel=ffffffff80000000-ffffffff80001000", args)
        self.assertIn("firmware=80000000-80045ac8", args)
        self.assertIn("trap=ffffffff80000100", args)
        self.assertIn("switch_save=ffffffff80000400", args)
        self.assertIn("switch_load=ffffffff8000040c", args)
        self.assertIn("thread_start=ffffffff80000430", args)
        self.assertEqual([a for a in args if a.startswith(("open=", "close="))],
                         ["open=10104", "open=10200", "close=10112", "close=10204"])

    def test_run_window_and_bad_windows(self):
        status, out, _ = self.run_cli("plugin-args", "--kernel", self.kernel, "--program",
                                      self.program, "--window", "run", "--out", "x")
        self.assertEqual(status, 0)
        self.assertIn("open=10000", out)
        self.assertNotIn("close=", out)
        for spec in ("getpid", "nosuch", "getpid:", "1+2:getpid"):
            status, _, err = self.run_cli("plugin-args", "--kernel", self.kernel, "--program",
                                          self.program, "--window", spec, "--out", "x")
            self.assertEqual(status, 2, spec)
            self.assertIn("profile.py:", err)


class Report(Fixture):
    def test_summary(self):
        out = self.report()
        self.assertIn("windows: the whole run: 3 windows, 3000 instructions (the run: 99999, "
                      "2 vCPUs)", out)
        self.assertIn("kernel 2500 (83.3 %), user 300 (10.0 %), firmware 100 (3.3 %), "
                      "idle 100 (3.3 %); 150 wfi executed", out)
        self.assertIn("operations: unknown", out)
        self.assertIn("3 threads, 7 context switches; 0 unmatched returns", out)

    def test_functions(self):
        rows = table_rows(self.report())
        self.assertEqual(len(rows), 9)                           # every row parsed
        handler = rows[("kernel", "handler")]
        self.assertEqual(handler.group(1), "1000")            # two PCs of handler
        self.assertEqual(handler.group(2), "2100")
        self.assertEqual(handler.group(4), "10")
        walk = rows[("kernel", "walk")]                          # recursion counted once
        self.assertEqual((walk.group(1), walk.group(2), walk.group(4)), ("700", "1100", "15"))
        leaf = rows[("kernel", "leaf")]                          # global name over the alias
        self.assertEqual((leaf.group(1), leaf.group(2), leaf.group(4)), ("400", "400", "25"))
        self.assertEqual(rows[("kernel", "from_user")].group(1), "100")   # asm label, no size
        self.assertEqual(rows[("firmware", "[firmware]")].group(2), "-")
        self.assertEqual(rows[("user", "bench_loop")].group(1), "150")
        self.assertEqual(rows[("user", "getpid")].group(1), "150")
        self.assertEqual(rows[("idle", prof.Places.IDLE_NAME)].group(1), "100")
        self.assertNotIn(("kernel", "_start"), rows)              # physical PC, outside windows
        self.assertRegex(self.report(), r"\n\s+3000 100.0 %\s+total")

    def test_physical_kernel_pc(self):
        places = prof.Places(prof.Image("k", KERNEL_NM, [(0xffffffff80000000, 0x80200000, 0x1000,
                                                          "RE")]))
        self.assertEqual(places.where(0x80200004), ("kernel", "_start"))
        self.assertEqual(places.where(0x80200304), ("kernel", "walk"))
        self.assertEqual(places.where(0xffffffff80000fff),
                         ("kernel", "[kernel 0xffffffff80000fff]"))
        self.assertEqual(places.where(0x4000), ("user", "[user]"))

    def test_per_operation(self):
        out = self.report("--ops", "10")
        self.assertIn("operations: 10 (--ops)", out)
        handler = [l for l in out.splitlines() if l.endswith("  kernel   handler")][0]
        self.assertEqual(handler.split()[7:10], ["100.0", "210.0", "1.00"])
        self.assertRegex(out, r"\n\s+3000 100.0 %\s+300.0  total")

    def tree(self, *extra):
        out = self.report(*extra)
        nodes = []
        for line in out.split("calling contexts")[1].splitlines()[2:]:
            m = re.match(r"^\s*[\d.]+ %\s+(\d+)\s+(\d+)  ( *)(\S.*)$", line)
            self.assertIsNotNone(m, line)
            nodes.append((len(m.group(3)) // 2, m.group(4), int(m.group(1)), int(m.group(2))))
        return nodes

    def test_tree(self):
        self.assertEqual(self.tree("--tree-min", "5"),
                         [(0, "hal_trap_entry", 2500, 10), (1, "handler", 2100, 10),
                          (2, "walk", 1100, 10), (3, "walk", 400, 5), (4, "leaf", 200, 5),
                          (2, "leaf", 200, 20)])
        self.assertEqual([n[1] for n in self.tree("--tree-min", "10")],
                         ["hal_trap_entry", "handler", "walk", "walk"])

    def test_bad_profile(self):
        with open(self.profile, "w") as f:
            f.write("archiprof 1\nW 12\nQ what\n")
        status, _, err = self.run_cli("report", "--kernel", self.kernel, "--data", self.profile)
        self.assertEqual(status, 2)
        self.assertIn("line 3", err)


class Vmbench(unittest.TestCase):
    def test_batches(self):
        self.assertEqual(prof.vmbench_batches(62, 1 << 30), [1, 2, 4, 7, 7, 7, 7, 7, 7, 7, 6])
        self.assertEqual(prof.vmbench_batches(1, 1 << 30), [1])
        self.assertEqual(prof.vmbench_batches(100, 4), [1, 2, 4, 4] + [4] * 22 + [1])
        self.assertEqual(sum(prof.vmbench_batches(16384, 4096)), 16384)

    def test_operations_and_check(self):
        # 64 measured ops in batches 1, 2, 4, 8, 8, ...; a warm-up of 64 / 16 in batches of 1
        warm, measured = [1, 1, 1, 1], prof.vmbench_batches(64, 1 << 30)
        windows = [500 * k for k in warm] + [500 * k for k in measured]
        windows[-1] += 30
        console = "vmbench boot_to_init ops=1 ns_per_op=5.0\nvmbench loop ops=64 ns_per_op=500.4\n"
        ops, check = prof.vmbench_operations(console, ["bench_loop"], windows)
        self.assertEqual(ops, 68)
        self.assertEqual((check["n"], check["warm"], check["windows"], check["insns"]),
                         (64, 4, len(measured), 64 * 500 + 30))
        self.assertAlmostEqual(check["bound"], 100 * len(measured) + 3.2)

    def test_no_inference(self):
        console = "vmbench loop ops=64 ns_per_op=500.0\n"
        self.assertIsNone(prof.vmbench_operations(console, ["bench_other"], [1])[0])
        self.assertIsNone(prof.vmbench_operations(console, [], [1])[0])
        self.assertIsNone(prof.vmbench_operations(console, ["bench_loop"], [1, 2, 3])[0])
        self.assertIsNone(prof.vmbench_operations(console * 2, ["bench_loop"], [1])[0])


class Nm(unittest.TestCase):
    def test_extent_and_aliases(self):
        funcs = prof.parse_nm(textwrap.dedent(KERNEL_NM))
        names = {name: (start, end) for start, end, name in funcs}
        self.assertEqual(names["hal_trap_entry"], (0xffffffff80000100, 0xffffffff80000140))
        self.assertEqual(names["from_user"], (0xffffffff80000140, 0xffffffff80000200))
        self.assertIn("leaf", names)
        self.assertNotIn("walk_alias", names)
        self.assertNotIn("some_data", names)

    def test_end_marker_names_no_code(self):
        """x86_64's trap.S: the stubs' end marker is global, the common code after it local."""
        funcs = prof.parse_nm("ffffffff80055230 T x86_trap_stubs\n"
                              "ffffffff80056230 t x86_trap_common\n"
                              "ffffffff80056230 T x86_trap_stubs_end\n"
                              "ffffffff80056269 T x86_trap_return\n")
        names = {name: (start, end) for start, end, name in funcs}
        self.assertEqual(names["x86_trap_common"], (0xffffffff80056230, 0xffffffff80056269))
        self.assertEqual(names["x86_trap_stubs"], (0xffffffff80055230, 0xffffffff80056230))
        self.assertNotIn("x86_trap_stubs_end", names)


if __name__ == "__main__":
    unittest.main(verbosity=2)
