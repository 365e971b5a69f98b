#!/usr/bin/env python3
"""Self-test of the driver (./archipel run, debug, build, test, setup), tools/mkinitramfs.sh and qemu_user.py.

Run by ctest as qemu.driver-selftest; needs neither a kernel nor QEMU. The driver runs from a copy of
the tree's driver files (with config/arch and config/topologies) in a temporary root, plus a test
architecture `toy` whose exit device is isa-debug-exit and whose packages are not all installable, with
build trees of placeholders, a fake QEMU (it records its arguments and the archive it got with -initrd,
prints a kernel log line, echoes its input with $FAKE_ECHO_INPUT, and exits with the status of
$FAKE_STATUS), and fakes of cmake, ctest, dpkg-query, apt-cache, apt-get and sudo first in PATH (nothing
is built or installed; cmake and apt-get record their arguments).
With ARCHIPEL_INITRAMFS set (ctest sets it), the build's own archive is checked too.
"""

import json
import os
import pty
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MKINITRAMFS = os.path.join(ROOT, "tools", "mkinitramfs.sh")
QEMU_USER = os.path.join(HERE, "qemu_user.py")

FAKE_QEMU = """\
import json, os, subprocess, sys, tempfile
argv = sys.argv[1:]
record = {"argv": argv}
if "-initrd" in argv:
    initrd = argv[argv.index("-initrd") + 1]
    with tempfile.TemporaryDirectory() as tree, open(initrd, "rb") as archive:
        subprocess.run(["cpio", "-id", "--quiet"], stdin=archive, cwd=tree, check=True)
        record["files"] = {}
        for top, dirs, files in os.walk(tree):
            for name in files:
                path = os.path.join(top, name)
                with open(path, "rb") as f:
                    record["files"][os.path.relpath(path, tree)] = f.read().decode("latin-1")
with open(os.environ["FAKE_QEMU_RECORD"], "w") as f:
    json.dump(record, f)
print("[   0.000100][0,0] Archipel booting", flush=True)
if os.environ.get("FAKE_ECHO_INPUT"):   # a console session: what is typed comes back
    for line in sys.stdin:
        print("got: " + line.rstrip("\\n"), flush=True)
sys.exit(int(os.environ.get("FAKE_STATUS", "0")))
"""


# A second architecture: another exit device, a machine per shape, a package apt cannot install.
TOY_ARCH = """HAL=toy
QEMU=qemu-system-toy
MACHINES=2:toy 4:toy,big=on
EXIT_DEVICE=isa-debug-exit
QEMU_OPTIONS=-device isa-debug-exit
GDB_ARCH=i386:x86-64
PACKAGES=toy-tools %s
TEST_TOPOLOGIES=1x1
"""

FAKE_DPKG_QUERY = """#!/bin/sh
# installed: everything but the packages named no-such-*
case "$3" in no-such-*) exit 1 ;; esac
printf 'ii '
"""

FAKE_APT_CACHE = """#!/bin/sh
# apt-cache policy PACKAGE: a candidate for everything but no-such-package
[ "$1" = policy ] || exit 1
echo "$2:"
echo "  Installed: (none)"
case "$2" in no-such-package) echo "  Candidate: (none)" ;; *) echo "  Candidate: 1.0-1" ;; esac
"""


def write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def cpio_list(archive):
    with open(archive, "rb") as f:
        out = subprocess.run(["cpio", "-it", "--quiet"], stdin=f, stdout=subprocess.PIPE, check=True)
    return out.stdout.decode().split("\n")[:-1]


def pack(staging, out, *extras):
    return subprocess.run([MKINITRAMFS, staging, out] + list(extras), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)


class DriverTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = os.path.join(self.tmp.name, "tree")
        for name in ["archipel", "params.h", "tools/qemu_args.py", "tools/mkinitramfs.sh", "tools/gdbinit.in",
                     "config/topologies", "config/arch"]:
            source, target = os.path.join(ROOT, name), os.path.join(self.root, name)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            (shutil.copytree if os.path.isdir(source) else shutil.copy2)(source, target)
        # The fake tree's architectures are riscv64 (the default) and toy, whatever else the real
        # tree has (x86_64...): the expectations below name them.
        for conf in os.listdir(os.path.join(self.root, "config", "arch")):
            if conf.endswith(".conf") and conf != "riscv64.conf":
                os.remove(os.path.join(self.root, "config", "arch", conf))
        self.toy_packages("no-such-extra")
        for preset in ["riscv64-debug", "riscv64-release", "toy-debug"]:
            build = os.path.join(self.root, "build", preset)
            for name in ["CMakeCache.txt", "Makefile", "archipel.elf"]:
                write(os.path.join(build, name), "")
            write(os.path.join(build, "rootfs", "bin", "hello"), "hello of %s\n" % preset, 0o755)
            os.makedirs(os.path.join(build, "rootfs", "dev"))
            self.assertEqual(pack(os.path.join(build, "rootfs"),
                                  os.path.join(build, "initramfs.cpio")).returncode, 0)
        self.bin = os.path.join(self.tmp.name, "bin")
        self.calls = os.path.join(self.tmp.name, "calls.log")
        for tool in ["cmake", "apt-get"]:
            write(os.path.join(self.bin, tool), '#!/bin/sh\necho "%s $*" >> "%s"\n' % (tool, self.calls), 0o755)
        # the fake ctest records its arguments and which of the driver's load processes run meanwhile
        write(os.path.join(self.bin, "ctest"),
              '#!/bin/sh\necho "ctest $*" >> "%s"\n'
              'for p in $ARCHIPEL_LOAD_PIDS; do kill -0 $p 2>/dev/null && echo "load $p" >> "%s"; done\n'
              "echo '100%% tests passed, 0 tests failed out of 2'\n" % (self.calls, self.calls), 0o755)
        write(os.path.join(self.bin, "dpkg-query"), FAKE_DPKG_QUERY, 0o755)
        write(os.path.join(self.bin, "apt-cache"), FAKE_APT_CACHE, 0o755)
        write(os.path.join(self.bin, "sudo"), '#!/bin/sh\nexec "$@"\n', 0o755)
        write(os.path.join(self.bin, "fake-qemu"), "#!%s\n%s" % (sys.executable, FAKE_QEMU), 0o755)
        self.record = os.path.join(self.tmp.name, "record.json")
        self.cwd = os.path.join(self.tmp.name, "cwd")
        os.makedirs(self.cwd)

    def tearDown(self):
        self.tmp.cleanup()

    def toy_packages(self, extra):
        write(os.path.join(self.root, "config", "arch", "toy.conf"), TOY_ARCH % extra)

    def call_log(self):
        if not os.path.exists(self.calls):
            return []
        with open(self.calls) as f:
            lines = f.read().split("\n")[:-1]
        os.remove(self.calls)
        return lines

    def driver(self, *args, status=0, tty=False, input=None):
        """Run the driver: (exit status, output, the fake QEMU's record or None). With @input (text),
        stdin is a pipe carrying it and the fake QEMU echoes what it reads."""
        env = dict(os.environ, PATH=self.bin + os.pathsep + os.environ["PATH"], FAKE_STATUS=str(status),
                   ARCHIPEL_QEMU=os.path.join(self.bin, "fake-qemu"), FAKE_QEMU_RECORD=self.record)
        # the driver under test has its own load, or none: not the busy processes of a
        # `./archipel test --load` that runs this self-test (the fake ctest would log them)
        env.pop("ARCHIPEL_LOAD_PIDS", None)
        if input is not None:
            env["FAKE_ECHO_INPUT"] = "1"
        if os.path.exists(self.record):
            os.remove(self.record)
        command = [os.path.join(self.root, "archipel")] + list(args)
        if tty:
            controller, terminal = pty.openpty()
            try:
                proc = subprocess.run(command, env=env, cwd=self.cwd, stdin=terminal, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, text=True, timeout=60)
            finally:
                os.close(controller)
                os.close(terminal)
        elif input is not None:
            proc = subprocess.run(command, env=env, cwd=self.cwd, input=input,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
        else:
            proc = subprocess.run(command, env=env, cwd=self.cwd, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
        record = None
        if os.path.exists(self.record):
            with open(self.record) as f:
                record = json.load(f)
        return proc.returncode, proc.stdout, record

    def option(self, record, name):
        argv = record["argv"]
        return argv[argv.index(name) + 1]

    def leftovers(self):
        return [name for name in os.listdir(os.path.join(self.root, "build", "riscv64-debug")) if "extra" in name]

    def test_run_passes_the_build_initramfs(self):
        status, output, record = self.driver("run", "--topology", "1x1", status=3)
        self.assertEqual(status, 3, output)
        self.assertEqual(self.option(record, "-initrd"),
                         os.path.join(self.root, "build", "riscv64-debug", "initramfs.cpio"))
        self.assertEqual(self.option(record, "-append"), "")
        self.assertEqual(record["files"]["bin/hello"], "hello of riscv64-debug\n")
        self.assertIn("Archipel booting", output)

    def test_piped_session(self):
        # printf 'display vmm 1 1 -m\npoweroff\n' | ./archipel run: no program on the command line
        # (the kernel runs init and the shell), the lines reach the console after the kernel's first
        # log line, in order and whole, and QEMU's status is run's.
        status, output, record = self.driver("run", input="display vmm 1 1 -m\npoweroff\n", status=0)
        self.assertEqual(status, 0, output)
        self.assertEqual(self.option(record, "-append"), "")
        lines = output.split("\n")
        boot = lines.index("[   0.000100][0,0] Archipel booting")
        self.assertEqual(lines[boot + 1:boot + 3], ["got: display vmm 1 1 -m", "got: poweroff"], output)
        status, output, _ = self.driver("run", "--topology", "2x2", input="exit\n", status=7)
        self.assertEqual(status, 7, output)
        self.assertIn("got: exit", output)

    def test_release_initramfs(self):
        _, output, record = self.driver("run", "--release", "--cmdline", "ktest=all")
        self.assertEqual(self.option(record, "-initrd"),
                         os.path.join(self.root, "build", "riscv64-release", "initramfs.cpio"), output)
        self.assertEqual(self.option(record, "-append"), "ktest=all")

    def test_program_appended_to_cmdline(self):
        status, output, record = self.driver("run", "--cmdline", "loglevel=3", "--", "/bin/hello", "-x",
                                             "--y=1", "é", status=5)
        self.assertEqual(status, 5, output)
        self.assertEqual(self.option(record, "-append"), "loglevel=3 -- /bin/hello -x --y=1 é")
        _, output, record = self.driver("run", "--", "/bin/hello")
        self.assertEqual(self.option(record, "-append"), "-- /bin/hello", output)
        _, output, record = self.driver("run", "--")
        self.assertEqual(self.option(record, "-append"), "", output)

    def test_refused_program_arguments(self):
        for args, reason in [(["bin/hello"], "absolute path"), (["/bin/x", "a b"], "one word"),
                             (["/bin/x", ""], "one word"), (["/bin/x", "a\tb"], "one word"),
                             (["/bin/x", 'say"hi'], "one word"), (["/bin/x", "a\nb"], "one word"),
                             (["/bin/x", "y" * 250], "longer than 255 bytes")]:
            status, output, record = self.driver("run", "--", *args)
            self.assertEqual(status, 2, output)
            self.assertIn(reason, output)
            self.assertIsNone(record, "QEMU must not start")

    def test_extra_directories(self):
        write(os.path.join(self.cwd, "one", "bin", "tool"), "first\n", 0o755)
        write(os.path.join(self.cwd, "one", "etc", "conf"), "one\n")
        write(os.path.join(self.cwd, "two", "bin", "tool"), "second\n", 0o755)
        write(os.path.join(self.cwd, "two", "bin", "hello"), "replaced\n", 0o755)
        status, output, record = self.driver("run", "--extra", "one", "--extra", os.path.join(self.cwd, "two"),
                                             "--", "/bin/tool", status=4)
        self.assertEqual(status, 4, output)
        self.assertEqual(record["files"], {"bin/tool": "second\n", "bin/hello": "replaced\n", "etc/conf": "one\n"})
        self.assertEqual(self.leftovers(), [], "the temporary initramfs must be removed")
        self.assertEqual(cpio_list(os.path.join(self.root, "build", "riscv64-debug", "initramfs.cpio")),
                         ["bin", "bin/hello", "dev"], "the build's archive must not change")

    def test_extra_on_a_terminal(self):
        write(os.path.join(self.cwd, "x", "bin", "tool"), "t\n", 0o755)
        status, output, record = self.driver("run", "--extra", "x", status=6, tty=True)
        self.assertEqual(status, 6, output)
        self.assertEqual(record["files"]["bin/tool"], "t\n")
        self.assertEqual(self.leftovers(), [])

    def test_missing_extra(self):
        status, output, record = self.driver("run", "--extra", "nope")
        self.assertEqual(status, 2)
        self.assertIn("no directory 'nope'", output)
        self.assertIsNone(record)

    def test_debug(self):
        write(os.path.join(self.cwd, "x", "bin", "tool"), "t\n", 0o755)
        status, output, record = self.driver("debug", "--topology", "2x2", "--extra", "x", "--", "/bin/tool",
                                             "1", status=0, tty=True)
        self.assertEqual(status, 0, output)
        self.assertEqual(record["argv"][-3:], ["-gdb", "tcp::1234", "-S"])
        with open(os.path.join(self.root, "build", "riscv64-debug", "gdbinit")) as f:
            gdbinit = f.read()
        self.assertIn("set architecture riscv:rv64\n", gdbinit)
        self.assertIn("file %s\n" % os.path.join(self.root, "build", "riscv64-debug", "archipel.elf"), gdbinit)
        self.assertIn("target remote :1234\n", gdbinit)
        self.assertEqual(self.option(record, "-append"), "-- /bin/tool 1")
        self.assertEqual(record["files"]["bin/tool"], "t\n")
        self.assertEqual(self.leftovers(), [])
        _, output, record = self.driver("debug", tty=True)
        self.assertEqual(self.option(record, "-initrd"),
                         os.path.join(self.root, "build", "riscv64-debug", "initramfs.cpio"), output)
        status, output, record = self.driver("debug", "--arch", "toy", "--topology", "1x1", "--port", "1303",
                                             tty=True, status=1)
        self.assertEqual(status, 0, output)
        self.assertEqual(record["argv"][-3:], ["-gdb", "tcp::1303", "-S"])
        self.assertIn("listens on :1303", output)
        with open(os.path.join(self.root, "build", "toy-debug", "gdbinit")) as f:
            gdbinit = f.read()
        self.assertIn("set architecture i386:x86-64\n", gdbinit)
        self.assertIn("target remote :1303\n", gdbinit)
        for port in ["0", "65536", "x"]:
            status, output, record = self.driver("debug", "--port", port, tty=True)
            self.assertEqual(status, 2, output)
            self.assertIn("is not a TCP port", output)
            self.assertIsNone(record)

    # Architectures: the machine, the exit device, the presets.

    def test_run_arch_machine_and_options(self):
        status, output, record = self.driver("run", "--topology", "2x2", status=0)
        argv = " ".join(record["argv"])
        self.assertIn("-machine virt,aclint=on -smp 4", argv)
        self.assertIn("-bios /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin", argv)
        self.assertEqual(record["argv"][-1], "-nographic")
        _, output, record = self.driver("run", "--arch", "toy", "--topology", "4x2", "--icount", status=1)
        argv = " ".join(record["argv"])
        self.assertIn("-machine toy,big=on -smp 8", argv)
        self.assertIn("-device isa-debug-exit -kernel %s" % os.path.join(self.root, "build", "toy-debug",
                                                                         "archipel.elf"), argv)
        self.assertNotIn("-bios", argv)
        self.assertEqual(record["argv"][-3:], ["-nographic", "-icount", "shift=0"])

    def test_run_refuses_what_the_arch_cannot_boot(self):
        write(os.path.join(self.root, "config", "topologies", "8x1.conf"),
              "CLUSTERS=8\nCORES=1\nMEM_MB=64\nDISTANCES=(%s)\n"
              % " ".join('"%s"' % " ".join("10" if i == j else "20" for j in range(8)) for i in range(8)))
        for args, reason in [(["--arch", "toy", "--topology", "8x1"], "toy cannot boot topology 8x1"),
                             (["--topology", "8x1"], "riscv64 cannot boot topology 8x1: 8 clusters, at most 4"),
                             (["--arch", "vax"], "no architecture 'vax' \\(have: riscv64 toy\\)"),
                             (["--topology", "3x3"], "no topology '3x3'")]:
            status, output, record = self.driver("run", *args)
            self.assertEqual(status, 2, output)
            self.assertRegex(output, reason)
            self.assertIsNone(record, "QEMU must not start")
            self.assertEqual(self.call_log(), [], "nothing is built")

    def test_exit_status_through_the_exit_device(self):
        # riscv64's finisher: QEMU's status is the kernel's.
        for qemu, kernel in [(0, 0), (139, 139)]:
            self.assertEqual(self.driver("run", status=qemu, tty=True)[0], kernel)
        # isa-debug-exit: the kernel's status s made QEMU exit ((s << 1) | 1) & 0xff; an even status is
        # QEMU's own, passed on (0 becomes 1: not the kernel's success).
        for qemu, kernel in [(1, 0), (23, 11), (255, 127), (2, 2)]:
            self.assertEqual(self.driver("run", "--arch", "toy", "--topology", "1x1", status=qemu, tty=True)[0],
                             kernel, "QEMU status %d" % qemu)
        self.assertEqual(self.driver("run", "--arch", "toy", "--topology", "1x1", status=3,
                                     input="poweroff\n")[0], 1, "piped")
        status, output, _ = self.driver("run", "--arch", "toy", "--topology", "1x1", status=0, tty=True)
        self.assertEqual(status, 1)
        self.assertIn("QEMU exit status 0 is not one isa-debug-exit gives", output)

    def test_build_presets(self):
        for args, preset in [([], "riscv64-debug"), (["--release"], "riscv64-release"),
                             (["--arch", "toy"], "toy-debug"), (["--arch", "toy", "--release"], "toy-release")]:
            status, output, _ = self.driver("build", *args)
            self.assertEqual(status, 0, output)
            calls = self.call_log()
            self.assertIn("cmake --build --preset %s -j %d" % (preset, os.cpu_count()), calls, output)
        status, output, _ = self.driver("build", "--arch", "vax")
        self.assertEqual(status, 2, output)

    def test_test_every_installable_arch(self):
        # toy needs no-such-package, which apt cannot install: left out, said so; riscv64 is tested.
        self.toy_packages("no-such-package")
        status, output, _ = self.driver("test")
        self.assertEqual(status, 0, output)
        self.assertIn("leaving out architecture toy: cannot install no-such-package", output)
        self.assertIn("test: architectures riscv64\n", output)
        calls = self.call_log()
        self.assertEqual([c.split()[3] for c in calls if c.startswith("cmake --build")],
                         ["host-tests", "host-tsan", "riscv64-debug"], calls)
        self.assertIn("apt-get update", calls)
        self.assertTrue(output.endswith("6 passed, 0 failed\n"), output)
        # installable (no-such-extra has a candidate): both architectures, the missing ones installed.
        self.toy_packages("no-such-extra")
        status, output, _ = self.driver("test")
        self.assertEqual(status, 0, output)
        self.assertIn("test: architectures riscv64 toy\n", output)
        calls = self.call_log()
        self.assertEqual([c.split()[3] for c in calls if c.startswith("cmake --build")],
                         ["host-tests", "host-tsan", "riscv64-debug", "toy-debug"], calls)
        self.assertIn("apt-get install -y --no-install-recommends no-such-extra", calls)
        self.assertEqual(calls.count("apt-get update"), 1)
        # --arch chooses; a missing one is an error before anything runs.
        status, output, _ = self.driver("test", "--arch", "toy")
        self.assertIn("test: architectures toy\n", output)
        self.assertEqual([c.split()[3] for c in self.call_log() if c.startswith("cmake --build")],
                         ["host-tests", "host-tsan", "toy-debug"])
        status, output, _ = self.driver("test", "--arch", "vax")
        self.assertEqual(status, 2, output)
        self.assertEqual(self.call_log(), [])

    def test_test_repeat_load_and_choice(self):
        # --repeat N: each ctest run wants N runs in a row; --tests: ctest -R; --load: one busy
        # process per host core during every ctest run (not the builds), all gone afterwards.
        status, output, _ = self.driver("test", "--arch", "riscv64", "--repeat", "10", "--load",
                                        "--tests", "^qemu\\.")
        self.assertEqual(status, 0, output)
        calls = self.call_log()
        runs = [c for c in calls if c.startswith("ctest ")]
        self.assertEqual(len(runs), 3, calls)
        for run in runs:
            self.assertIn("--repeat until-fail:10 -R ^qemu\\.", run)
        pids = re.search(r"test: load: (\d+) busy processes \(pids ([\d ]+)\)", output)
        self.assertIsNotNone(pids, output)
        pids = pids.group(2).split()
        self.assertEqual(len(pids), os.cpu_count())
        self.assertEqual(calls.index(next(c for c in calls if c.startswith("load "))),
                         calls.index(runs[0]) + 1, calls)           # the builds came before the load
        self.assertEqual(sorted(c.split()[1] for c in calls if c.startswith("load ")), sorted(pids * 3))
        for pid in pids:
            self.assertFalse(os.path.exists("/proc/%s" % pid) and
                             open("/proc/%s/cmdline" % pid).read().startswith("bash"), "load %s left" % pid)
        self.assertIn("each test passed 10 runs in a row", output)
        # without them: no repeat, no choice, no load
        status, output, _ = self.driver("test", "--arch", "riscv64")
        self.assertEqual(status, 0, output)
        calls = self.call_log()
        self.assertEqual([c for c in calls if c.startswith("load ")], [])
        self.assertTrue(all("--repeat" not in c and " -R " not in c for c in calls), calls)
        # bad values are refused before anything runs
        for bad in (["--repeat", "0"], ["--repeat", "x"], ["--tests"], ["--frobnicate"]):
            status, output, _ = self.driver("test", *bad)
            self.assertNotEqual(status, 0, output)
            self.assertEqual(self.call_log(), [], bad)

    def test_setup(self):
        self.toy_packages("no-such-package")
        status, output, _ = self.driver("setup")
        self.assertEqual(status, 0, output)
        self.assertIn("all packages present", output)     # riscv64's: the fake says installed
        self.assertIn("leaving out architecture toy", output)
        status, output, _ = self.driver("setup", "--arch", "toy")
        self.assertIn("apt-get install -y --no-install-recommends no-such-package", self.call_log())


class MkinitramfsTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        write(os.path.join(self.dir, "s", "bin", "b"), "b\n", 0o755)
        write(os.path.join(self.dir, "s", "bin-x"), "x\n")
        write(os.path.join(self.dir, "s", "a", "z"), "z\n")
        os.makedirs(os.path.join(self.dir, "s", "dev"))

    def tearDown(self):
        self.tmp.cleanup()

    def test_names_and_order(self):
        out = os.path.join(self.dir, "out.cpio")
        self.assertEqual(pack(os.path.join(self.dir, "s"), out).returncode, 0)
        # Byte order, no "./", no root entry; a directory comes before what it holds.
        self.assertEqual(cpio_list(out), ["a", "a/z", "bin", "bin-x", "bin/b", "dev"])
        with open(out, "rb") as f:
            self.assertEqual(f.read(6), b"070701")

    def test_reproducible(self):
        first, second = os.path.join(self.dir, "1.cpio"), os.path.join(self.dir, "2.cpio")
        pack(os.path.join(self.dir, "s"), first)
        os.utime(os.path.join(self.dir, "s", "bin", "b"), (1e9, 1e9))
        pack(os.path.join(self.dir, "s"), second)
        with open(first, "rb") as a, open(second, "rb") as b:
            self.assertEqual(a.read(), b.read())

    def test_symlinks_followed_other_files_refused(self):
        write(os.path.join(self.dir, "target"), "real\n")
        os.makedirs(os.path.join(self.dir, "e", "bin"))
        os.symlink(os.path.join(self.dir, "target"), os.path.join(self.dir, "e", "bin", "link"))
        out = os.path.join(self.dir, "out.cpio")
        self.assertEqual(pack(os.path.join(self.dir, "s"), out, os.path.join(self.dir, "e")).returncode, 0)
        self.assertIn("bin/link", cpio_list(out))
        os.mkfifo(os.path.join(self.dir, "e", "fifo"))
        result = pack(os.path.join(self.dir, "s"), out, os.path.join(self.dir, "e"))
        self.assertEqual(result.returncode, 2)
        self.assertIn("'fifo' is neither a regular file nor a directory", result.stdout)

    def test_missing_directory(self):
        result = pack(os.path.join(self.dir, "s"), os.path.join(self.dir, "o"), os.path.join(self.dir, "no"))
        self.assertEqual(result.returncode, 2)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "o")))

    @unittest.skipUnless(os.environ.get("ARCHIPEL_INITRAMFS"), "no build archive given")
    def test_build_archive(self):
        names = cpio_list(os.environ["ARCHIPEL_INITRAMFS"])
        for name in ["bin", "bin/hello", "bin/test_startup", "bin/init", "bin/ksh", "bin/ls", "bin/cat",
                     "dev", "etc", "etc/motd", "tmp"]:
            self.assertIn(name, names)
        for name in names:
            self.assertFalse(name.startswith("."), name)


class QemuUserTest(unittest.TestCase):
    """qemu_user.py's verdicts, with a shell script as the emulator (it runs its first argument)."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.emulator = os.path.join(self.tmp.name, "fake-qemu-user")
        write(self.emulator, '#!/bin/sh\nexec /bin/sh "$@"\n', 0o755)

    def tearDown(self):
        self.tmp.cleanup()

    def check(self, script, *options):
        program = os.path.join(self.tmp.name, "program.sh")
        write(program, script)
        proc = subprocess.run([sys.executable, QEMU_USER, "--qemu-user", self.emulator] + list(options)
                              + ["--", program], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        return proc.returncode, proc.stdout.rstrip("\n").split("\n")[-1]

    def test_verdicts(self):
        ktap = "echo 1..2; echo ok 1 a; echo ok 2 b"
        self.assertEqual(self.check(ktap, "--ktap")[0], 0)
        self.assertEqual(self.check("echo 1..2; echo ok 1 a; echo not ok 2 b", "--ktap"),
                         (1, "qemu-user: FAIL program.sh: not ok: 2 b"))
        self.assertEqual(self.check("echo 1..2; echo ok 1 a", "--ktap")[0], 1)
        self.assertRegex(self.check("exit 3")[1], "exit status 3, expected 0")
        self.assertEqual(self.check("exit 3", "--expect-status", "3")[0], 0)
        self.assertEqual(self.check("echo hello", "--expect-line", "^hello$")[0], 0)
        self.assertRegex(self.check("echo bye", "--expect-line", "^hello$")[1], "never seen")
        self.assertEqual(self.check('test "$X" = 1 && test -z "$HOME"', "--env", "X=1")[0], 0)

    def test_native(self):
        # An empty emulator runs the program itself (an architecture whose programs are the host's).
        program = os.path.join(self.tmp.name, "native.sh")
        write(program, "#!/bin/sh\necho native; exit 4\n", 0o755)
        proc = subprocess.run([sys.executable, QEMU_USER, "--qemu-user", "", "--expect-status", "4",
                               "--expect-line", "^native$", "--", program], stdout=subprocess.PIPE, text=True)
        self.assertEqual(proc.returncode, 0, proc.stdout)

    def test_missing_emulator(self):
        proc = subprocess.run([sys.executable, QEMU_USER, "--qemu-user", "no-such-qemu", "--", "/bin/true"],
                              stdout=subprocess.PIPE, text=True)
        self.assertEqual(proc.returncode, 77)
        self.assertIn("SKIP", proc.stdout)


if __name__ == "__main__":
    unittest.main()
