#!/usr/bin/env python3
"""Self-test of `./archipel bench`: tools/profiler/bench.py's tables from made-up consoles (and
Linux's figures read from ../shared/TESTING.md when the tree has it beside), and the driver's runs
against a fake QEMU that prints such consoles (no kernel, no QEMU, nothing built)."""
import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import bench  # noqa: E402

TESTING = """\
Report benchmarks on 1x1 and on 4x2. Linux's reference figures for the
same benchmark on the same machine (one hart, icount): getpid 180, anon_fault 2 498,
cow_fault 3 616, fork_wait 121 143, fork_exec_wait 200 018, mmap_munmap 10 764, mmap_touch_munmap_16 61 901,
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
            text = f.read()
        self.assertEqual(sorted(bench.linux_figures(text)), sorted(bench.VMBENCH))
        x86 = bench.linux_figures(text, "x86_64")
        self.assertEqual(sorted(x86), sorted(bench.VMBENCH))
        self.assertEqual(x86["getpid"], 312)


# The fake QEMU: records its arguments (one JSON line per run) and prints the console of the run
# its -append asks for; the run whose -append contains $FAKE_FAIL fails.
FAKE_QEMU = """\
import json, os, sys
argv = sys.argv[1:]
cmdline = argv[argv.index("-append") + 1]
with open(os.environ["FAKE_QEMU_RECORD"], "a") as f:
    f.write(json.dumps(argv) + "\\n")
consoles = json.loads(os.environ["FAKE_CONSOLES"])
for key, text in consoles.items():
    if key in cmdline:
        sys.stdout.write(text)
fail = os.environ.get("FAKE_FAIL")
sys.exit(3 if fail and fail in cmdline else 0)
"""


class Driver(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = os.path.join(self.tmp.name, "tree")
        for name in ["archipel", "params.h", "tools/qemu_args.py", "tools/profiler/bench.py",
                     "config/topologies", "config/arch"]:
            source, target = os.path.join(ROOT, name), os.path.join(self.root, name)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            (shutil.copytree if os.path.isdir(source) else shutil.copy2)(source, target)
        build = os.path.join(self.root, "build", "riscv64-release")
        os.makedirs(os.path.join(build, "rootfs", "bin"))
        for name in ["CMakeCache.txt", "Makefile", "archipel.elf", "initramfs.cpio",
                     "rootfs/bin/vmbench"]:
            open(os.path.join(build, name), "w").close()
        os.makedirs(os.path.join(self.tmp.name, "shared"))
        with open(os.path.join(self.tmp.name, "shared", "TESTING.md"), "w") as f:
            f.write(TESTING)
        self.bin = os.path.join(self.tmp.name, "bin")
        os.makedirs(self.bin)
        for name, text in {"cmake": "#!/bin/sh\nexit 0\n",
                           "dpkg-query": "#!/bin/sh\nprintf 'ii '\n",
                           "fake-qemu": f"#!{sys.executable}\n{FAKE_QEMU}"}.items():
            with open(os.path.join(self.bin, name), "w") as f:
                f.write(text)
            os.chmod(os.path.join(self.bin, name), 0o755)
        self.record = os.path.join(self.tmp.name, "record")

    def tearDown(self):
        self.tmp.cleanup()

    def bench(self, *args, fail=""):
        consoles = {"-- /bin/vmbench": VMBENCH_1X1, "ktest=bench": KTEST,
                    "-- /bin/test_vmm": TEST_VMM}
        env = dict(os.environ, PATH=self.bin + os.pathsep + os.environ["PATH"],
                   ARCHIPEL_QEMU=os.path.join(self.bin, "fake-qemu"), FAKE_QEMU_RECORD=self.record,
                   FAKE_CONSOLES=json.dumps(consoles), FAKE_FAIL=fail)
        proc = subprocess.run([os.path.join(self.root, "archipel"), "bench", *args], env=env,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
        runs = []
        if os.path.exists(self.record):
            with open(self.record) as f:
                runs = [json.loads(line) for line in f]
        return proc.returncode, proc.stdout, proc.stderr, runs

    @staticmethod
    def option(argv, name):
        return argv[argv.index(name) + 1]

    def test_runs_and_tables(self):
        status, out, err, runs = self.bench()
        self.assertEqual(status, 0, err)
        self.assertEqual([(self.option(r, "-smp"), self.option(r, "-append")) for r in runs],
                         [("1", "-- /bin/vmbench"), ("1", "ktest=bench"),
                          ("8", "-- /bin/vmbench"), ("8", "ktest=bench"),
                          ("8", "launch_cluster=1 vmm=rpc -- /bin/test_vmm"),
                          ("8", "launch_cluster=1 vmm=direct -- /bin/test_vmm")])
        for argv in runs:
            self.assertEqual(self.option(argv, "-icount"), "shift=0")
            self.assertTrue(self.option(argv, "-kernel").endswith("build/riscv64-release/archipel.elf"))
        self.assertIn("| getpid | 477 | 477 | 180 | 2.65 | 2.65 | 1.00 |", out)
        self.assertIn("user/test_vmm on 4x2", out)
        self.assertIn("| local: a thread in the reference cluster | 5 987 | 5 987 |", out)
        self.assertIn("| context_switch | 623 | 623 |", out)
        log = os.path.join(self.root, "build", "riscv64-release", "bench", "vmbench.4x2.log")
        with open(log) as f:
            self.assertEqual(f.read(), VMBENCH_1X1)

    def test_one_topology(self):
        status, out, err, runs = self.bench("--topology", "1x1")
        self.assertEqual(status, 0, err)
        self.assertEqual([self.option(r, "-append") for r in runs],
                         ["-- /bin/vmbench", "ktest=bench"])
        self.assertIn("| benchmark | Archipel 1x1 | Linux | 1x1/Linux |", out)
        self.assertNotIn("test_vmm", out)

    def test_failed_run(self):
        status, out, err, runs = self.bench(fail="vmm=direct")
        self.assertEqual(status, 1)
        self.assertEqual(len(runs), 6)
        self.assertIn("bench: test_vmm.direct on riscv64 4x2 failed (status 3)", err)
        self.assertIn("| local: a thread in the reference cluster | 5 987 | 5 987 |", out)

    def test_no_vmbench(self):
        os.remove(os.path.join(self.root, "build", "riscv64-release", "rootfs", "bin", "vmbench"))
        status, out, err, runs = self.bench("--topology", "1x1")
        self.assertEqual(status, 0, err)
        self.assertEqual([self.option(r, "-append") for r in runs], ["ktest=bench"])
        self.assertIn("| getpid | - | 180 | - |", out)

    def test_bad_options(self):
        for args in (["--nosuch"], ["--topology", "9x9"]):
            status, _, err, runs = self.bench(*args)
            self.assertEqual(status, 2, args)
            self.assertEqual(runs, [])
            self.assertIn("archipel:", err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
