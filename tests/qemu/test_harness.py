#!/usr/bin/env python3
"""Self-test of harness.py against a fake QEMU that plays a scripted console and exits with a chosen status.

Run by ctest as qemu.harness-selftest; needs no kernel and no QEMU. Each case gives the fake a scenario,
a list of steps in JSON:
  ["out", TEXT]      print TEXT (no newline added)
  ["sleep", S]       wait S seconds
  ["read", TEXT]     read the console input until it contains TEXT
  ["chatter", S]     print a line every 0.1 s for S seconds
  ["exit", CODE]     exit with CODE (a silent hang if the scenario ends without exit)
The architecture is riscv64's file of the tree (its test finisher: QEMU's status is the kernel's), or a
fake one in a temporary root to check another exit device (isa-debug-exit) and the machine rules.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
HARNESS = os.path.join(HERE, "harness.py")

FAKE_QEMU = """\
import json, os, sys, time
with open(os.environ["FAKE_QEMU_RECORD"], "w") as record:
    json.dump({"pid": os.getpid(), "argv": sys.argv[1:]}, record)
typed = b""
for step, arg in json.load(open(os.environ["FAKE_QEMU_SCENARIO"])):
    if step == "out":
        sys.stdout.write(arg)
        sys.stdout.flush()
    elif step == "sleep":
        time.sleep(arg)
    elif step == "read":
        while arg.encode() not in typed:
            byte = os.read(0, 1)
            if not byte:
                sys.exit(99)
            typed += byte
        typed = typed[typed.index(arg.encode()) + len(arg):]
    elif step == "chatter":
        end = time.time() + arg
        while time.time() < end:
            print("[   1.000000][0,0] busy", flush=True)
            time.sleep(0.1)
    elif step == "exit":
        sys.exit(arg)
while True:
    time.sleep(60)
"""

BOOT = "OpenSBI v1.2\n[   0.000100][0,0] Archipel booting\n"
KTAP_OK = "KTAP version 1\n1..3\nok 1 ppm_local\n[   0.2][1,0] log line\nok 2 remote # SKIP 1 cluster\nok 3 barrier\n"
BACKTRACE = ("[   0.3][1,0] PANIC: ktest_panic: deliberate fault\n"
             "  #0 0xffffffff80001234 ktest_panic+0x1c\n  #1 0xffffffff80004000 ktest_run+0x40\n")


class HarnessTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        self.qemu = os.path.join(self.dir, "fake-qemu")
        with open(self.qemu, "w") as f:
            f.write("#!%s\n%s" % (sys.executable, FAKE_QEMU))
        os.chmod(self.qemu, 0o755)
        self.kernel = os.path.join(self.dir, "archipel.elf")
        open(self.kernel, "w").close()

    def tearDown(self):
        self.tmp.cleanup()

    def harness(self, scenario, *extra, kernel=None, topology="2x2", root=ROOT, arch="riscv64"):
        """Run the harness on a scenario: (exit status, verdict line, whole output, fake's record)."""
        with open(os.path.join(self.dir, "scenario.json"), "w") as f:
            json.dump(scenario, f)
        env = dict(os.environ, FAKE_QEMU_SCENARIO=os.path.join(self.dir, "scenario.json"),
                   FAKE_QEMU_RECORD=os.path.join(self.dir, "record.json"))
        env.pop("ARCHIPEL_QEMU", None)
        if os.path.exists(env["FAKE_QEMU_RECORD"]):
            os.remove(env["FAKE_QEMU_RECORD"])
        command = [sys.executable, HARNESS, "--root", root, "--arch", arch, "--kernel", kernel or self.kernel,
                   "--topology", topology, "--cmdline", "ktest=all", "--qemu", self.qemu,
                   "--timeout", "10", "--idle-timeout", "5", "--status-wait", "2"] + list(extra)
        proc = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, timeout=30)
        verdict = proc.stdout.rstrip("\n").split("\n")[-1]
        record = None
        if os.path.exists(env["FAKE_QEMU_RECORD"]):
            with open(env["FAKE_QEMU_RECORD"]) as f:
                record = json.load(f)
        return proc.returncode, verdict, proc.stdout, record

    def assertPass(self, result):
        status, verdict, output, _ = result
        self.assertEqual(status, 0, output)
        self.assertTrue(verdict.startswith("harness: PASS"), verdict)

    def assertFail(self, result, reason):
        status, verdict, output, _ = result
        self.assertEqual(status, 1, output)
        self.assertTrue(verdict.startswith("harness: FAIL"), verdict)
        self.assertRegex(verdict, reason)

    # --expect pass

    def test_pass(self):
        result = self.harness([["out", BOOT + "[   0.1][0,0] 2 clusters, 4 cores online\n" + KTAP_OK],
                               ["exit", 0]], "--expect-line", r"\b2 clusters, 4 cores online")
        self.assertPass(result)
        self.assertIn("3/3 ok, 1 skipped", result[1])

    def test_qemu_command(self):
        _, _, _, record = self.harness([["out", KTAP_OK], ["exit", 0]])
        argv = " ".join(record["argv"])
        for option in ["-smp 4", "-numa node,memdev=mem1,cpus=2-3,nodeid=1",
                       "-bios /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin",
                       "-kernel " + self.kernel, "-append ktest=all", "-serial stdio", "-monitor none"]:
            self.assertIn(option, argv)

    def test_initrd(self):
        initrd = os.path.join(self.dir, "initramfs.cpio")
        open(initrd, "w").close()
        _, _, _, record = self.harness([["out", KTAP_OK], ["exit", 0]], "--initrd", initrd)
        self.assertIn("-initrd " + initrd, " ".join(record["argv"]))
        _, _, _, record = self.harness([["out", KTAP_OK], ["exit", 0]])
        self.assertNotIn("-initrd", record["argv"])

    def test_not_ok(self):
        self.assertFail(self.harness([["out", "1..3\nok 1 a\nnot ok 2 remote_atomics\nok 3 c\n"], ["exit", 0]]),
                        r"not ok: 2 remote_atomics")

    def test_nested_results_do_not_count(self):
        self.assertPass(self.harness([["out", "1..1\n    1..1\n    ok 1 sub\nok 1 suite\n"], ["exit", 0]]))

    def test_incomplete_plan(self):
        self.assertFail(self.harness([["out", "1..3\nok 1 a\nok 2 b\n"], ["exit", 0]]),
                        r"plan 1\.\.3 incomplete: 2 result\(s\), missing 3")

    def test_results_beyond_plan(self):
        self.assertFail(self.harness([["out", "1..1\nok 1 a\nok 2 b\n"], ["exit", 0]]), r"outside the plan")

    def test_duplicate_result(self):
        self.assertFail(self.harness([["out", "1..2\nok 1 a\nok 1 a\n"], ["exit", 0]]), r"reported twice: 1")

    def test_no_plan(self):
        self.assertFail(self.harness([["out", BOOT], ["exit", 0]]), r"no KTAP plan")

    def test_two_plans(self):
        self.assertFail(self.harness([["out", "1..1\nok 1 a\n1..1\nok 1 a\n"], ["exit", 0]]),
                        r"2 top-level KTAP plans")

    def test_failure_status(self):
        self.assertFail(self.harness([["out", KTAP_OK], ["exit", 3]]), r"exit status 3, expected 0")

    def test_unexpected_panic(self):
        self.assertFail(self.harness([["out", "1..1\nok 1 a\n" + BACKTRACE], ["exit", 3]]),
                        r"exit status 3.*bad line: .*PANIC: ktest_panic")

    def test_panic_by_exit_status(self):
        # the console is garbled (no PANIC line survives), the status still tells
        self.assertFail(self.harness([["out", "1..1\nok 1 a\nPA[   0.3][1,0] xNIC: tor\n"], ["exit", 255]]),
                        r"the kernel panicked \(QEMU exit status 255\)")

    def test_exit_status_255_wanted(self):
        self.assertPass(self.harness([["out", "bye\n"], ["exit", 255]], "--expect", "exit0",
                                     "--exit-status", "255"))

    def test_warning_line(self):
        self.assertFail(self.harness([["out", KTAP_OK + "[   0.4][0,1] WARNING: lost tick\n"], ["exit", 0]]),
                        r"bad line: .*WARNING: lost tick")

    def test_expected_line_missing(self):
        self.assertFail(self.harness([["out", KTAP_OK + "[   0.1][0,0] 1 clusters, 1 cores online\n"],
                                      ["exit", 0]], "--expect-line", r"\b2 clusters, 4 cores online"),
                        r"expected line never seen: /\\b2 clusters, 4 cores online/")

    # --exit-status

    def test_exit_status_wanted(self):
        self.assertPass(self.harness([["out", "killed by signal 11\n"], ["exit", 139]],
                                     "--expect", "exit0", "--exit-status", "139"))

    def test_exit_status_other(self):
        self.assertFail(self.harness([["out", "bye\n"], ["exit", 0]], "--expect", "exit0",
                                     "--exit-status", "139"), r"QEMU exit status 0, expected 139")

    # --check

    def check_script(self, body):
        path = os.path.join(self.dir, "check.py")
        with open(path, "w") as f:
            f.write("import sys\nlines = sys.stdin.read().split('\\n')\n" + body)
        return path

    def test_check_pass(self):
        script = self.check_script("sys.exit(0 if 'dump 42' in lines else 1)\n")
        self.assertPass(self.harness([["out", KTAP_OK + "dump 42\n"], ["exit", 0]], "--check", script))

    def test_check_fail(self):
        script = self.check_script("print('cluster 2: 3 pages, expected 4')\nsys.exit(1)\n")
        self.assertFail(self.harness([["out", KTAP_OK], ["exit", 0]], "--check", script),
                        r"check check.py: cluster 2: 3 pages, expected 4")

    # --expect panic

    def test_expected_panic(self):
        self.assertPass(self.harness([["out", BOOT + BACKTRACE], ["exit", 3]],
                                     "--expect", "panic", "--expect-line", "ktest_panic"))

    def test_panic_with_check(self):
        script = self.check_script("print('frames out of order')\nsys.exit(1)\n")
        self.assertFail(self.harness([["out", BOOT + BACKTRACE], ["exit", 255]], "--expect", "panic",
                                     "--check", script), r"check check.py: frames out of order")

    def test_panic_without_symbols(self):
        self.assertFail(self.harness([["out", "PANIC: oops\n  #0 0xffffffff80001234 ???\n"], ["exit", 3]],
                                     "--expect", "panic"), r"no backtrace line with a symbol name")

    def test_panic_with_success_status(self):
        self.assertFail(self.harness([["out", BACKTRACE], ["exit", 0]], "--expect", "panic"),
                        r"exit status 0, expected a failure status")

    def test_no_panic(self):
        self.assertFail(self.harness([["out", KTAP_OK], ["exit", 1]], "--expect", "panic"), r"no PANIC: line")

    # Watchdogs: QEMU is killed, the verdict says why and how far the run went.

    def test_wall_clock_timeout(self):
        start = time.monotonic()
        result = self.harness([["out", "1..2\nok 1 a\n"], ["chatter", 30]], "--timeout", "1.5")
        self.assertFail(result, r"timeout: QEMU still running after 1\.5 s \(KTAP 1\.\.2, 1 result")
        self.assertLess(time.monotonic() - start, 8)
        self.assertGone(result[3]["pid"])

    def test_idle_timeout(self):
        start = time.monotonic()
        result = self.harness([["out", BOOT]], "--idle-timeout", "1")
        self.assertFail(result, r"idle timeout: no console output for 1 s .*Archipel booting")
        self.assertLess(time.monotonic() - start, 8)
        self.assertGone(result[3]["pid"])

    def test_timeout_asks_for_a_thread_dump(self):
        # A hang: the harness types ^T and copies the kernel's dump before it kills QEMU.
        dump = "scheduler of core [0,0]: 1 kernel, 1 user threads\n    00000007 USER   /bin/x BLOCKED\n"
        result = self.harness([["out", BOOT + "1..1\n"], ["read", "\x14"], ["out", dump]],
                              "--idle-timeout", "1")
        self.assertFail(result, r"idle timeout: no console output for 1 s")
        self.assertIn("typing ^T", result[2])
        self.assertIn(dump, result[2])
        self.assertGone(result[3]["pid"])

    def assertGone(self, pid):
        with self.assertRaises(ProcessLookupError):
            os.kill(pid, 0)

    # Console input

    def test_send_after(self):
        scenario = [["out", BOOT + "login: "], ["read", "root\n"], ["out", "root\nwelcome\n$ "],
                    ["read", "run tests\n"], ["out", "run tests\n" + KTAP_OK], ["exit", 0]]
        self.assertPass(self.harness(scenario, "--send-after", "^login: $", r"root\n",
                                     "--send-after", r"^\$ $", r"run tests\n"))

    def test_send_after_never_matched(self):
        # The fake waits for input that never comes: the idle watchdog ends the run.
        result = self.harness([["out", "login: "], ["read", "root\n"], ["out", KTAP_OK], ["exit", 0]],
                              "--send-after", "^password: $", r"root\n", "--idle-timeout", "1")
        self.assertFail(result, r"idle timeout")

    # Setup errors

    def test_missing_kernel(self):
        self.assertFail(self.harness([["exit", 0]], kernel=os.path.join(self.dir, "nope.elf")),
                        r"kernel ELF not found")

    def test_missing_initrd(self):
        self.assertFail(self.harness([["exit", 0]], "--initrd", os.path.join(self.dir, "nope.cpio")),
                        r"initrd not found: .*nope\.cpio")

    def test_unknown_topology(self):
        self.assertFail(self.harness([["exit", 0]], topology="9x9"), r"no topology '9x9' \(have: .*1x1")

    def test_unknown_arch(self):
        self.assertFail(self.harness([["exit", 0]], arch="vax"), r"no architecture 'vax' \(have: .*riscv64")

    # The architecture's file: machine per topology shape, firmware, options, exit device.

    def fake_root(self, exit_device, machines="2:toy 4:toy,big=on", firmware=""):
        """A root with the tree's topologies and config/arch/toy.conf."""
        root = os.path.join(self.dir, "root")
        shutil.rmtree(root, ignore_errors=True)
        shutil.copytree(os.path.join(ROOT, "config", "topologies"), os.path.join(root, "config", "topologies"))
        os.makedirs(os.path.join(root, "config", "arch"))
        with open(os.path.join(root, "config", "arch", "toy.conf"), "w") as f:
            f.write("# a test architecture\nHAL=toy\nQEMU=qemu-system-toy\nMACHINES=%s\nFIRMWARE=%s\n"
                    "QEMU_OPTIONS=-device toy-exit,iobase=0xf4 -cpu max\nEXIT_DEVICE=%s\n"
                    % (machines, firmware, exit_device))
        return root

    def toy(self, scenario, *extra, exit_device="isa-debug-exit", topology="2x2", **keys):
        return self.harness(scenario, *extra, root=self.fake_root(exit_device, **keys), arch="toy",
                            topology=topology)

    def test_machine_per_topology_shape(self):
        _, _, _, record = self.toy([["out", KTAP_OK], ["exit", 1]], topology="1x1")
        argv = " ".join(record["argv"])
        self.assertIn("-machine toy -smp 1", argv)
        self.assertIn("-device toy-exit,iobase=0xf4 -cpu max -kernel", argv)
        self.assertNotIn("-bios", argv)
        _, _, _, record = self.toy([["out", KTAP_OK], ["exit", 1]], topology="4x2", firmware="/fw.bin")
        self.assertIn("-machine toy,big=on -smp 8", " ".join(record["argv"]))
        self.assertIn("-bios /fw.bin", " ".join(record["argv"]))
        result = self.toy([["exit", 1]], topology="4x2", machines="2:toy")
        self.assertFail(result, r"toy cannot boot topology 4x2: 4 clusters, at most 2 NUMA nodes")
        self.assertIsNone(result[3], "QEMU must not start")

    def test_isa_debug_exit_success(self):
        # hal_poweroff(0) writes 0: QEMU exits (0 << 1) | 1 = 1.
        result = self.toy([["out", KTAP_OK], ["exit", 1]])
        self.assertPass(result)
        self.assertIn("QEMU exit status 1 (status 0 through isa-debug-exit), 3/3 ok", result[1])

    def test_isa_debug_exit_not_through_the_device(self):
        # An even status is QEMU's own (the guest never wrote the device): never a success.
        self.assertFail(self.toy([["out", KTAP_OK], ["exit", 0]]),
                        r"QEMU exit status 0 \(not from isa-debug-exit\), expected 1 \(status 0\)")

    def test_isa_debug_exit_failure(self):
        # A failed ktest: status 1, QEMU exits 3.
        self.assertFail(self.toy([["out", KTAP_OK], ["exit", 3]]),
                        r"QEMU exit status 3 \(status 1 through isa-debug-exit\), expected 1 \(status 0\)")

    def test_isa_debug_exit_wanted_status(self):
        # A program killed by SIGSEGV: 139 -> (139 << 1 | 1) & 0xff = 23.
        self.assertPass(self.toy([["out", "killed by signal 11\n"], ["exit", 23]], "--expect", "exit0",
                                 "--exit-status", "139"))
        self.assertFail(self.toy([["out", "bye\n"], ["exit", 139]], "--expect", "exit0", "--exit-status", "139"),
                        r"QEMU exit status 139 \(status 69 through isa-debug-exit\), expected 23 \(status 139\)")

    def test_isa_debug_exit_panic(self):
        # A panic: status 255 -> 511, of which the host keeps 255.
        self.assertPass(self.toy([["out", BOOT + BACKTRACE], ["exit", 255]], "--expect", "panic"))
        self.assertFail(self.toy([["out", BACKTRACE], ["exit", 1]], "--expect", "panic"),
                        r"QEMU exit status 1 \(status 0 through isa-debug-exit\), expected a failure status")
        self.assertFail(self.toy([["out", BACKTRACE], ["exit", 2]], "--expect", "panic"),
                        r"QEMU exit status 2 \(not from isa-debug-exit\), expected a failure status")

    def test_finisher_status_as_is(self):
        # The same runs with the test finisher: QEMU's status is the kernel's.
        self.assertPass(self.toy([["out", KTAP_OK], ["exit", 0]], exit_device="sifive-test"))
        self.assertPass(self.toy([["out", "x\n"], ["exit", 139]], "--expect", "exit0", "--exit-status", "139",
                                 exit_device="sifive-test"))
        self.assertFail(self.toy([["out", KTAP_OK], ["exit", 1]], exit_device="sifive-test"),
                        r"QEMU exit status 1, expected 0")

    def test_unknown_exit_device(self):
        self.assertFail(self.toy([["exit", 0]], exit_device="morse-code"),
                        r"EXIT_DEVICE=morse-code is none of isa-debug-exit, sifive-test")

    def test_log_file(self):
        log = os.path.join(self.dir, "console.log")
        self.harness([["out", BOOT + KTAP_OK], ["exit", 0]], "--log", log)
        with open(log) as f:
            text = f.read()
        self.assertIn("Archipel booting\n", text)
        self.assertTrue(re.search(r"harness: PASS .*\n$", text), text)


if __name__ == "__main__":
    unittest.main()
