#!/usr/bin/env python3
"""The QEMU side of an architecture and of a topology: one implementation for the driver, the QEMU
harness and the host tests' device trees.

An architecture is described by config/arch/NAME.conf (QEMU binary, machine per topology shape,
firmware, exit device, user-mode emulator, packages; docs/porting.md), a topology by
config/topologies/NAME.conf (clusters, cores per cluster, memory per cluster, distances: nothing about
the machine). This module turns the pair into QEMU's command line, and translates between the status
the kernel gives hal_poweroff() and QEMU's exit status, as the architecture's exit device does.

The harness imports it; the driver (./archipel) and tests/host/fdt/dumpdtb.sh run it:

    qemu_args.py command --arch A --topology T --kernel ELF [--cmdline S] [--initrd FILE]
                         [--console terminal|pipe] [--qemu BIN]
        the whole command, each word followed by a NUL byte (words may hold spaces)
    qemu_args.py machine --arch A --topology T [--machine-option OPT]
        the options of the machine only (QEMU binary excluded), one per line
    qemu_args.py check --arch A [--topology T]      nothing, or the reason the pair cannot boot
    qemu_args.py get --arch A KEY                   the value of KEY in the arch file
    qemu_args.py archs                              the architectures (config/arch/*.conf)
    qemu_args.py topologies --arch A [--tested]     the topologies A boots (--tested: its TEST_TOPOLOGIES)
    qemu_args.py exit-status --arch A STATUS        the guest's status for QEMU's exit status STATUS

Errors are reported on stderr as "qemu_args.py: ..." with exit status 2 (for exit-status, 3 when
STATUS is not one the exit device produces: QEMU did not end through it).
"""

import argparse
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The console of a boot: on the terminal (./archipel run and debug), or on a pipe (the harness).
CONSOLES = {
    "terminal": ["-nographic"],
    "pipe": ["-display", "none", "-serial", "stdio", "-monitor", "none"],
}


class ConfigError(Exception):
    """A missing or malformed configuration file, or a topology an architecture cannot boot."""


class ExitDevice:
    """How a guest status (hal_poweroff, 0..255) becomes QEMU's exit status (8 bits on the host)."""

    def __init__(self, name, encode, decode, description):
        self.name = name
        self.encode = encode          # guest status -> QEMU exit status
        self.decode = decode          # QEMU exit status -> guest status, None if not the device's
        self.description = description


EXIT_DEVICES = {
    # RISC-V's SiFive test finisher: 0x5555 exits 0, 0x3333 | status << 16 exits with the status.
    "sifive-test": ExitDevice("sifive-test", lambda status: status, lambda qemu: qemu,
                              "QEMU exits with the status as is"),
    # x86's isa-debug-exit: writing V exits with (V << 1) | 1, of which the host keeps the low 8
    # bits: an odd status, and the guest's status modulo 128 comes back.
    "isa-debug-exit": ExitDevice("isa-debug-exit", lambda status: ((status << 1) | 1) & 0xFF,
                                 lambda qemu: (qemu >> 1) if qemu & 1 else None,
                                 "QEMU exits with (status << 1) | 1, 8 bits kept"),
}


# How -numa gives each cluster its CPUs (NUMA_CPUS of the arch file): `ranges` lists the CPU indexes
# of each node (`-numa node,cpus=A-B`); `sockets` makes one socket per cluster (`-smp
# N,sockets=C,cores=K,threads=1` and `-numa cpu,node-id=C,socket-id=C`), so that the CPUs' ids follow
# the topology (x86's APIC ids: socket * K + core).
NUMA_CPU_STYLES = ["ranges", "sockets"]


def read_conf(path):
    """The KEY=VALUE lines of @path as a dict of strings ('#' lines and blank lines skipped). A value
    KEY=( "a b" "c d" ) over one or more lines becomes the list of its quoted strings."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError as error:
        raise ConfigError("cannot read %s: %s" % (path, error.strerror))
    values = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        i += 1
        if not line or line.startswith("#"):
            continue
        match = re.match(r"^([A-Z][A-Z0-9_]*)=(.*)$", line)
        if not match:
            raise ConfigError("%s:%d: not KEY=VALUE: %r" % (path, i, line))
        key, value = match.group(1), match.group(2).strip()
        if value.startswith("("):
            while ")" not in value and i < len(lines):
                value += " " + lines[i].strip()
                i += 1
            if not value.endswith(")"):
                raise ConfigError("%s: %s=( ... ) is not closed by ')' at the end of a line" % (path, key))
            values[key] = re.findall(r'"([^"]*)"', value[1:-1])
        else:
            values[key] = value
    return values


def parse_int(path, values, key, low, high):
    text = values.get(key)
    if text is None:
        raise ConfigError("%s: missing %s=" % (path, key))
    if not isinstance(text, str) or not re.fullmatch(r"[0-9]+", text) or not low <= int(text) <= high:
        raise ConfigError("%s: %s=%s is not a number in %d..%d" % (path, key, text, low, high))
    return int(text)


class Topology:
    """config/topologies/NAME.conf: CLUSTERS, CORES (per cluster), MEM_MB (per cluster), DISTANCES."""

    def __init__(self, root, name):
        self.name = name
        self.path = os.path.join(root, "config", "topologies", name + ".conf")
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", name) or not os.path.isfile(self.path):
            raise ConfigError("no topology '%s' (have: %s)" % (name, " ".join(topology_names(root))))
        values = read_conf(self.path)
        self.clusters = parse_int(self.path, values, "CLUSTERS", 1, 256)
        self.cores = parse_int(self.path, values, "CORES", 1, 1024)
        self.mem_mb = parse_int(self.path, values, "MEM_MB", 1, 1 << 24)
        rows = values.get("DISTANCES")
        if not isinstance(rows, list) or len(rows) != self.clusters:
            raise ConfigError("%s: DISTANCES=( ... ) needs %d rows" % (self.path, self.clusters))
        self.distances = []
        for s, row in enumerate(rows):
            cells = row.split()
            if len(cells) != self.clusters or not all(re.fullmatch(r"[0-9]+", c) and 10 <= int(c) <= 255
                                                      for c in cells):
                raise ConfigError("%s: DISTANCES row %d needs %d values in 10..255"
                                  % (self.path, s, self.clusters))
            self.distances.append([int(c) for c in cells])


class Arch:
    """config/arch/NAME.conf (docs/porting.md lists the keys)."""

    def __init__(self, root, name):
        self.root = root
        self.name = name
        self.path = os.path.join(root, "config", "arch", name + ".conf")
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", name) or not os.path.isfile(self.path):
            raise ConfigError("no architecture '%s' (have: %s)" % (name, " ".join(arch_names(root))))
        self.values = read_conf(self.path)
        for key in ["HAL", "QEMU", "MACHINES", "EXIT_DEVICE"]:
            if not self.get(key):
                raise ConfigError("%s: missing %s=" % (self.path, key))
        self.machines = []
        for word in self.get("MACHINES").split():
            match = re.fullmatch(r"([0-9]+):(\S+)", word)
            if not match or int(match.group(1)) < 1:
                raise ConfigError("%s: MACHINES: %r is not NODES:MACHINE" % (self.path, word))
            self.machines.append((int(match.group(1)), match.group(2)))
        if self.get("EXIT_DEVICE") not in EXIT_DEVICES:
            raise ConfigError("%s: EXIT_DEVICE=%s is none of %s" % (self.path, self.get("EXIT_DEVICE"),
                                                                   ", ".join(sorted(EXIT_DEVICES))))
        self.exit_device = EXIT_DEVICES[self.get("EXIT_DEVICE")]
        self.numa_cpus = self.get("NUMA_CPUS") or "ranges"
        if self.numa_cpus not in NUMA_CPU_STYLES:
            raise ConfigError("%s: NUMA_CPUS=%s is none of %s" % (self.path, self.numa_cpus,
                                                                 ", ".join(NUMA_CPU_STYLES)))

    def get(self, key):
        """The value of @key ('' when absent)."""
        value = self.values.get(key, "")
        if not isinstance(value, str):
            raise ConfigError("%s: %s is a list, not a value" % (self.path, key))
        return value

    def words(self, key):
        return self.get(key).split()

    def machine_for(self, topology):
        """The -machine value for @topology: the first MACHINES entry with enough NUMA nodes."""
        for nodes, machine in self.machines:
            if topology.clusters <= nodes:
                return machine
        most, machine = max(self.machines)
        raise ConfigError("%s cannot boot topology %s: %d clusters, at most %d NUMA nodes (%s)"
                          % (self.name, topology.name, topology.clusters, most, machine))

    def qemu_status(self, status):
        """QEMU's exit status when the guest stops with @status (0..255)."""
        return self.exit_device.encode(status)

    def guest_status(self, qemu_status):
        """The guest's status for QEMU's exit status, None if the exit device does not produce it."""
        return self.exit_device.decode(qemu_status)

    def describe_status(self, qemu_status):
        """QEMU's exit status in words, with the guest's status when the device adds an encoding."""
        if self.exit_device.name == "sifive-test":
            return "%s" % qemu_status
        guest = self.guest_status(qemu_status)
        if guest is None:
            return "%s (not from %s)" % (qemu_status, self.exit_device.name)
        return "%s (status %d through %s)" % (qemu_status, guest, self.exit_device.name)


def arch_names(root=ROOT):
    folder = os.path.join(root, "config", "arch")
    if not os.path.isdir(folder):
        return []
    return sorted(name[:-5] for name in os.listdir(folder) if name.endswith(".conf"))


def topology_names(root=ROOT):
    folder = os.path.join(root, "config", "topologies")
    if not os.path.isdir(folder):
        return []
    return sorted(name[:-5] for name in os.listdir(folder) if name.endswith(".conf"))


def bootable_topologies(arch):
    """The topologies of config/topologies that @arch boots, by name."""
    names = []
    for name in topology_names(arch.root):
        try:
            arch.machine_for(Topology(arch.root, name))
        except ConfigError:
            continue
        names.append(name)
    return names


def tested_topologies(arch):
    """TEST_TOPOLOGIES of @arch, each checked to exist and to boot."""
    names = arch.words("TEST_TOPOLOGIES")
    for name in names:
        arch.machine_for(Topology(arch.root, name))
    return names


def machine_options(arch, topology, machine_option=None):
    """QEMU's options for @topology on @arch: machine, cores, memory, one memory backend and NUMA node
    per cluster, the distance matrix. @machine_option is appended to -machine's value."""
    machine = arch.machine_for(topology)
    if machine_option:
        machine += "," + machine_option
    cpus = topology.clusters * topology.cores
    smp = str(cpus)
    if arch.numa_cpus == "sockets":
        smp = "%d,sockets=%d,cores=%d,threads=1" % (cpus, topology.clusters, topology.cores)
    options = ["-machine", machine, "-smp", smp, "-m", "%dM" % (topology.clusters * topology.mem_mb)]
    for c in range(topology.clusters):
        first = c * topology.cores
        options += ["-object", "memory-backend-ram,id=mem%d,size=%dM" % (c, topology.mem_mb)]
        if arch.numa_cpus == "sockets":
            options += ["-numa", "node,memdev=mem%d,nodeid=%d" % (c, c),
                        "-numa", "cpu,node-id=%d,socket-id=%d" % (c, c)]
        else:
            options += ["-numa", "node,memdev=mem%d,cpus=%d-%d,nodeid=%d"
                        % (c, first, first + topology.cores - 1, c)]
    for s in range(topology.clusters):
        for d in range(topology.clusters):
            if s != d:
                options += ["-numa", "dist,src=%d,dst=%d,val=%d" % (s, d, topology.distances[s][d])]
    return options


def qemu_command(arch, topology, kernel, cmdline="", initrd=None, console="pipe", qemu=None):
    """The command booting @kernel on @topology: the QEMU binary (@qemu, else $ARCHIPEL_QEMU, else the
    arch's), the machine, the firmware, the arch's options, the kernel, its command line, the initrd,
    the console."""
    binary = qemu or os.environ.get("ARCHIPEL_QEMU") or arch.get("QEMU")
    command = [binary] + machine_options(arch, topology)
    if arch.get("FIRMWARE"):
        command += ["-bios", arch.get("FIRMWARE")]
    command += arch.words("QEMU_OPTIONS")
    command += ["-kernel", kernel, "-append", cmdline]
    if initrd:
        command += ["-initrd", initrd]
    return command + CONSOLES[console]


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="qemu_args.py", description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=ROOT, help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="what", required=True)
    command = sub.add_parser("command")
    machine = sub.add_parser("machine")
    for p in (command, machine):
        p.add_argument("--arch", required=True)
        p.add_argument("--topology", required=True)
    command.add_argument("--kernel", required=True)
    command.add_argument("--cmdline", default="")
    command.add_argument("--initrd")
    command.add_argument("--console", choices=sorted(CONSOLES), default="pipe")
    command.add_argument("--qemu")
    machine.add_argument("--machine-option")
    check = sub.add_parser("check")
    check.add_argument("--arch", required=True)
    check.add_argument("--topology")
    get = sub.add_parser("get")
    get.add_argument("--arch", required=True)
    get.add_argument("key")
    sub.add_parser("archs")
    topologies = sub.add_parser("topologies")
    topologies.add_argument("--arch", required=True)
    topologies.add_argument("--tested", action="store_true")
    status = sub.add_parser("exit-status")
    status.add_argument("--arch", required=True)
    status.add_argument("status", type=int)
    return parser.parse_args(argv)


def run(args):
    """Carry out the command line's request; returns the exit status."""
    if args.what == "archs":
        print("\n".join(arch_names(args.root)))
        return 0
    arch = Arch(args.root, args.arch)
    if args.what == "command":
        words = qemu_command(arch, Topology(args.root, args.topology), args.kernel, args.cmdline,
                             args.initrd, args.console, args.qemu)
        sys.stdout.write("".join(word + "\0" for word in words))
    elif args.what == "machine":
        print("\n".join(machine_options(arch, Topology(args.root, args.topology), args.machine_option)))
    elif args.what == "check":
        if args.topology:
            arch.machine_for(Topology(args.root, args.topology))
    elif args.what == "get":
        print(arch.get(args.key))
    elif args.what == "topologies":
        print("\n".join(tested_topologies(arch) if args.tested else bootable_topologies(arch)))
    elif args.what == "exit-status":
        guest = arch.guest_status(args.status)
        if guest is None:
            print("qemu_args.py: QEMU exit status %d is not one %s gives: QEMU did not end through it"
                  % (args.status, arch.exit_device.name), file=sys.stderr)
            return 3
        print(guest)
    return 0


def main(argv):
    args = parse_args(argv)
    try:
        return run(args)
    except ConfigError as error:
        print("qemu_args.py: %s" % error, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
