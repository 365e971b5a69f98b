#!/usr/bin/env python3
"""Self-test of tools/profiler/bench.py: its tables from made-up consoles, and Linux's figures
read from ../shared/TESTING.md when the tree has it beside."""
import contextlib
import io
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402

TESTING = """\
Report benchmarks on 1x1 and on 4x2. Linux's reference figures for the
same benchmark on the same machine (one hart, icount): getpid 180, anon_fault 2 498, cow_fault 3 616,
fork_wait 121 143, fork_exec_wait 200 018, mmap_munmap 10 764, mmap_touch_munmap_16 61 901,
brk_grow 5 597, mprotect 2 352 instructions per operation.
On x86_64 (...): getpid 312, anon_fault 3 274.
"""
VMBENCH_1X1 = """\
[    0.110632][0,0] launch: /bin/vmbench is process 1, thread 4
vmbench boot_to_init ops=1 ns_per_op=111057300.0
vmbench getpid ops=100000 ns_per_op=477.1
vmbench anon_fault ops=16384 ns_per_op=5985.6
vmbench fork_wait ops=500 ns_per_op=516892.0
vmbench done failures=0
"""
VMBENCH_4X2 = VMBENCH_1X1.replace("477.1", "954.2").replace("516892.0", "600000.0")
TEST_VMM = """\
# phase 1: cluster 1: local 16 false 0 global 0 (expected 16 0 0); reference: 16 0 0
# phase 1: 6306 ns per page written (the fault included)
# phase 2: 4475 ns per page written (the fault included)
# phase 3: 21612 ns per page written (the fault included)
ok 2 fault_counters_as_the_protocol_predicts
# phase 1: 5987 ns per page written (the fault included)
# phase 2: 4468 ns per page written (the fault included)
# phase 2: 4462 ns per page written (the fault included)
# phase 2: 4470 ns per page written (the fault included)
# phase 3: 21612 ns per page written (the fault included)
# phase 4: 4462 ns per page written (the fault included)
"""
KTEST = """\
# bench: 1 clusters, farthest from 0 is 0 (distance 10)
# bench context_switch: 623 ns/op (400 ops)
# bench lock_local_uncontended: 459 ns/op (200 ops)
# bench lock_local_uncontended: 999 ns/op (200 ops)
"""


class Tables(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        files = {"vmbench.1x1.log": VMBENCH_1X1, "vmbench.4x2.log": VMBENCH_4X2,
                 "test_vmm.rpc.4x2.log": TEST_VMM, "ktest_bench.1x1.log": KTEST,
                 "TESTING.md": TESTING}
        for name, text in files.items():
            with open(os.path.join(self.tmp.name, name), "w") as f:
                f.write(text)

    def tearDown(self):
        self.tmp.cleanup()

    def run_main(self, *topologies):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            status = bench.main(["--dir", self.tmp.name, "--linux",
                                 os.path.join(self.tmp.name, "TESTING.md"), *topologies])
        self.assertEqual(status, 0)
        return out.getvalue()

    def test_linux_figures(self):
        figures = bench.linux_figures(TESTING)
        self.assertEqual(figures["anon_fault"], 2498)
        self.assertEqual(figures["fork_wait"], 121143)
        self.assertEqual(figures["mprotect"], 2352)
        self.assertEqual(len(figures), 9)
        self.assertEqual(bench.linux_figures("nothing here"), {})

    def test_vmbench_table(self):
        out = self.run_main("1x1", "4x2")
        self.assertIn("| benchmark | Archipel 1x1 | Archipel 4x2 | Linux | 1x1/Linux | 4x2/Linux "
                      "| 4x2/1x1 |", out)
        self.assertIn("| getpid | 477 | 954 | 180 | 2.65 | 5.30 | 2.00 |", out)
        self.assertIn("| fork_wait | 516 892 | 600 000 | 121 143 | 4.27 | 4.95 | 1.16 |", out)
        self.assertIn("| cow_fault | - | - | 3 616 | - | - | - |", out)

    def test_faults_of_the_last_group(self):
        out = self.run_main("1x1", "4x2")
        self.assertIn("| local: a thread in the reference cluster | 5 987 | - |", out)
        self.assertIn("| false: threads in the other clusters (min - max) | 4 462 - 4 470 | - |",
                      out)
        self.assertIn("| global: the reference has no PTE, resolved there then copied | 21 612 "
                      "| - |", out)
        self.assertNotIn("on 1x1, launch_cluster", out)

    def test_ktest_first_of_each(self):
        out = self.run_main("1x1")
        self.assertIn("| context_switch | 623 |", out)
        self.assertIn("| lock_local_uncontended | 459 |", out)
        self.assertIn("| rpc_local | - |", out)

    def test_real_testing_md(self):
        path = os.path.join(HERE, "..", "..", "..", "shared", "TESTING.md")
        if not os.path.exists(path):
            self.skipTest("no ../shared/TESTING.md")
        with open(path) as f:
            self.assertEqual(sorted(bench.linux_figures(f.read())), sorted(bench.VMBENCH))


if __name__ == "__main__":
    unittest.main(verbosity=2)
