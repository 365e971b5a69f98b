#!/usr/bin/env python3
"""Self-test of tools/qemu_args.py: the arch and topology files, the QEMU command, the exit devices.

Run by ctest as qemu.qemu-args-selftest; needs no kernel and no QEMU. Every config/arch/*.conf of the tree
must parse and boot each of its TEST_TOPOLOGIES; malformed files are made in a temporary root.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TOOL = os.path.join(ROOT, "tools", "qemu_args.py")
sys.path.insert(0, os.path.join(ROOT, "tools"))
import qemu_args  # noqa: E402

TOY = """# a test architecture
HAL=toy
QEMU=qemu-system-toy
MACHINES=2:small 4:small,big=on
FIRMWARE=
QEMU_OPTIONS=-cpu max
EXIT_DEVICE=isa-debug-exit
TEST_TOPOLOGIES=1x1 2x2
"""


class TreeFiles(unittest.TestCase):
    """The tree's own files."""

    def test_every_arch_file(self):
        names = qemu_args.arch_names(ROOT)
        self.assertIn("riscv64", names)
        for name in names:
            arch = qemu_args.Arch(ROOT, name)
            for key in ["HAL", "QEMU", "MACHINES", "EXIT_DEVICE", "TOOLCHAIN", "KERNEL_CMAKE", "PACKAGES",
                        "TEST_TOPOLOGIES"]:
                self.assertTrue(arch.get(key), "%s: %s" % (name, key))
            for key in ["TOOLCHAIN", "KERNEL_CMAKE"]:
                self.assertTrue(os.path.isfile(os.path.join(ROOT, arch.get(key))), "%s: %s" % (name, key))
            self.assertTrue(os.path.isdir(os.path.join(ROOT, "hal", arch.get("HAL"))), name)
            self.assertTrue(qemu_args.tested_topologies(arch), name)

    def test_riscv64(self):
        arch = qemu_args.Arch(ROOT, "riscv64")
        self.assertEqual(arch.machine_for(qemu_args.Topology(ROOT, "2x2")), "virt,aclint=on")
        self.assertEqual(arch.machine_for(qemu_args.Topology(ROOT, "4x2")), "virt,aia=aplic,aclint=on")
        self.assertEqual(qemu_args.tested_topologies(arch), ["1x1", "2x2", "4x2"])
        self.assertEqual([arch.qemu_status(s) for s in (0, 1, 139, 255)], [0, 1, 139, 255])

    def test_machine_options_of_2x2(self):
        # The same options tools/qemu-args.sh gave before it was replaced, with aclint=on since IPIs
        # go through the ACLINT SSWI (docs/traps.md).
        arch = qemu_args.Arch(ROOT, "riscv64")
        self.assertEqual(qemu_args.machine_options(arch, qemu_args.Topology(ROOT, "2x2")), [
            "-machine", "virt,aclint=on", "-smp", "4", "-m", "1024M",
            "-object", "memory-backend-ram,id=mem0,size=512M", "-numa", "node,memdev=mem0,cpus=0-1,nodeid=0",
            "-object", "memory-backend-ram,id=mem1,size=512M", "-numa", "node,memdev=mem1,cpus=2-3,nodeid=1",
            "-numa", "dist,src=0,dst=1,val=20", "-numa", "dist,src=1,dst=0,val=20"])

    def test_x86_64(self):
        arch = qemu_args.Arch(ROOT, "x86_64")
        self.assertEqual([arch.machine_for(qemu_args.Topology(ROOT, t)) for t in ("1x1", "8x4", "16x4")],
                         ["q35", "q35", "q35"])
        self.assertEqual(qemu_args.tested_topologies(arch), ["1x1", "2x2", "4x2", "8x4", "16x4"])
        self.assertEqual([arch.qemu_status(s) for s in (0, 1, 127, 255)], [1, 3, 255, 255])
        self.assertIn("isa-debug-exit,iobase=0xf4,iosize=0x04", arch.words("QEMU_OPTIONS"))

    def test_machine_options_of_8x4_by_sockets(self):
        # One socket per cluster, so that the APIC ids follow the topology (q35).
        options = qemu_args.machine_options(qemu_args.Arch(ROOT, "x86_64"), qemu_args.Topology(ROOT, "8x4"))
        self.assertEqual(options[:6], ["-machine", "q35", "-smp", "32,sockets=8,cores=4,threads=1",
                                       "-m", "4096M"])
        self.assertEqual(options[6:12], ["-object", "memory-backend-ram,id=mem0,size=512M",
                                         "-numa", "node,memdev=mem0,nodeid=0",
                                         "-numa", "cpu,node-id=0,socket-id=0"])
        self.assertIn("cpu,node-id=7,socket-id=7", options)
        self.assertNotIn("cpus=", " ".join(options))
        # the 4x2 mesh: cluster 0 at (0, 0), cluster 7 at (3, 1): 4 hops
        self.assertIn("dist,src=0,dst=7,val=50", options)
        self.assertIn("dist,src=5,dst=6,val=20", options)
        self.assertEqual(len([o for o in options if o.startswith("dist,")]), 8 * 7)

    def test_mesh_topologies(self):
        for name, width in (("8x4", 4), ("16x4", 4)):
            topology = qemu_args.Topology(ROOT, name)
            for s in range(topology.clusters):
                for d in range(topology.clusters):
                    hops = abs(s % width - d % width) + abs(s // width - d // width)
                    self.assertEqual(topology.distances[s][d], 10 + 10 * hops, (name, s, d))

    def test_topology_files_say_nothing_of_the_machine(self):
        for name in qemu_args.topology_names(ROOT):
            values = qemu_args.read_conf(os.path.join(ROOT, "config", "topologies", name + ".conf"))
            self.assertEqual(sorted(values), ["CLUSTERS", "CORES", "DISTANCES", "MEM_MB"], name)


class ExitDevices(unittest.TestCase):
    def test_sifive_test(self):
        device = qemu_args.EXIT_DEVICES["sifive-test"]
        for status in range(256):
            self.assertEqual(device.decode(device.encode(status)), status)

    def test_isa_debug_exit(self):
        device = qemu_args.EXIT_DEVICES["isa-debug-exit"]
        for status in range(256):
            qemu = device.encode(status)
            self.assertTrue(0 <= qemu <= 255 and qemu & 1)
            self.assertEqual(device.decode(qemu), status & 0x7F)
        self.assertEqual(device.encode(0), 1)
        self.assertEqual(device.encode(255), 255)
        for qemu in (0, 2, 254):
            self.assertIsNone(device.decode(qemu))


class FakeRoot(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = self.tmp.name
        shutil.copytree(os.path.join(ROOT, "config", "topologies"), os.path.join(self.root, "config", "topologies"))
        os.makedirs(os.path.join(self.root, "config", "arch"))
        self.write("arch/toy.conf", TOY)

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, text):
        with open(os.path.join(self.root, "config", name), "w") as f:
            f.write(text)

    def tool(self, *args):
        proc = subprocess.run([sys.executable, TOOL, "--root", self.root] + list(args),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        return proc.returncode, proc.stdout, proc.stderr

    def assertConfigError(self, regex, function, *args):
        with self.assertRaisesRegex(qemu_args.ConfigError, regex):
            function(*args)

    def test_machine_rules(self):
        arch = qemu_args.Arch(self.root, "toy")
        self.assertEqual(arch.machine_for(qemu_args.Topology(self.root, "1x1")), "small")
        self.assertEqual(arch.machine_for(qemu_args.Topology(self.root, "4x2")), "small,big=on")
        self.write("topologies/8x1.conf", "CLUSTERS=8\nCORES=1\nMEM_MB=64\nDISTANCES=(%s)\n"
                   % " ".join('"%s"' % " ".join("10" if i == j else "20" for j in range(8)) for i in range(8)))
        self.assertConfigError(r"toy cannot boot topology 8x1: 8 clusters, at most 4 NUMA nodes \(small,big=on\)",
                               arch.machine_for, qemu_args.Topology(self.root, "8x1"))
        self.assertEqual(qemu_args.bootable_topologies(arch), ["1x1", "2x2", "4x2"])

    def test_command(self):
        status, out, _ = self.tool("command", "--arch", "toy", "--topology", "1x1", "--kernel", "/k.elf",
                                   "--cmdline", "ktest=all -- /bin/x a", "--initrd", "/i.cpio",
                                   "--console", "terminal")
        self.assertEqual(status, 0)
        self.assertTrue(out.endswith("\0"))
        words = out[:-1].split("\0")
        self.assertEqual(words[:3], ["qemu-system-toy", "-machine", "small"])
        self.assertIn("-cpu max -kernel /k.elf -append", " ".join(words))
        self.assertEqual(words[words.index("-append") + 1], "ktest=all -- /bin/x a")
        self.assertEqual(words[-3:], ["-initrd", "/i.cpio", "-nographic"])
        self.assertNotIn("-bios", words)
        status, out, _ = self.tool("command", "--arch", "toy", "--topology", "1x1", "--kernel", "/k.elf",
                                   "--qemu", "/bin/fake")
        self.assertEqual(out.split("\0")[0], "/bin/fake")
        self.assertEqual(out.split("\0")[-5:-1], ["-serial", "stdio", "-monitor", "none"])

    def test_exit_status(self):
        self.assertEqual(self.tool("exit-status", "--arch", "toy", "23")[:2], (0, "11\n"))
        self.assertEqual(self.tool("exit-status", "--arch", "toy", "1")[:2], (0, "0\n"))
        status, _, err = self.tool("exit-status", "--arch", "toy", "0")
        self.assertEqual(status, 3)
        self.assertIn("QEMU exit status 0 is not one isa-debug-exit gives", err)

    def test_get_archs_topologies(self):
        self.assertEqual(self.tool("get", "--arch", "toy", "QEMU_OPTIONS")[1], "-cpu max\n")
        self.assertEqual(self.tool("get", "--arch", "toy", "NOSUCH")[1], "\n")
        self.assertEqual(self.tool("archs")[1], "toy\n")
        self.assertEqual(self.tool("topologies", "--arch", "toy", "--tested")[1], "1x1\n2x2\n")
        self.assertEqual(self.tool("check", "--arch", "toy", "--topology", "4x2")[0], 0)

    def test_errors(self):
        for name, text, regex in [
            ("arch/a.conf", TOY.replace("QEMU=qemu-system-toy\n", ""), r"a.conf: missing QEMU="),
            ("arch/a.conf", TOY.replace("2:small", "two:small"), r"MACHINES: 'two:small' is not NODES:MACHINE"),
            ("arch/a.conf", TOY.replace("isa-debug-exit", "pigeon"), r"EXIT_DEVICE=pigeon is none of"),
            ("arch/a.conf", TOY + "NUMA_CPUS=threads\n", r"NUMA_CPUS=threads is none of ranges, sockets"),
            ("arch/a.conf", TOY + "oops\n", r"a.conf:9: not KEY=VALUE: 'oops'"),
            ("arch/a.conf", TOY.replace("1x1 2x2", "1x1 9x9"), r"no topology '9x9'"),
        ]:
            self.write(name, text)
            status, _, err = self.tool("topologies", "--arch", "a", "--tested")
            self.assertEqual(status, 2, err)
            self.assertRegex(err, "^qemu_args.py: .*" + regex)
        for text, regex in [
            ("CORES=1\nMEM_MB=1\nDISTANCES=(\"10\")\n", r"missing CLUSTERS="),
            ("CLUSTERS=0\nCORES=1\nMEM_MB=1\nDISTANCES=(\"10\")\n", r"CLUSTERS=0 is not a number in 1\.\.256"),
            ("CLUSTERS=2\nCORES=1\nMEM_MB=1\nDISTANCES=(\"10 20\")\n", r"DISTANCES=\( \.\.\. \) needs 2 rows"),
            ("CLUSTERS=2\nCORES=1\nMEM_MB=1\nDISTANCES=(\"10 20\"\n\"20\")\n", r"DISTANCES row 1 needs 2 values"),
            ("CLUSTERS=1\nCORES=1\nMEM_MB=1\nDISTANCES=(\"10\"\n", r"not closed"),
        ]:
            self.write("topologies/bad.conf", text)
            status, _, err = self.tool("check", "--arch", "toy", "--topology", "bad")
            self.assertEqual(status, 2, text)
            self.assertRegex(err, regex)
        self.assertRegex(self.tool("check", "--arch", "../toy")[2], r"no architecture '\.\./toy' \(have: a toy\)")
        self.assertRegex(self.tool("check", "--arch", "toy", "--topology", "none")[2], r"no topology 'none'")


if __name__ == "__main__":
    unittest.main()
