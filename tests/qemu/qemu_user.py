#!/usr/bin/env python3
"""Run one user program on the host under QEMU's user-mode emulation and judge it.

    qemu_user.py [--ktap] [--expect-status N] [--expect-line REGEX]... [--env NAME=VALUE]...
                 [--timeout S] -- PROGRAM [ARG...]

The user programs of user/ are static Linux executables of the build's architecture: until the kernel runs
them, they are checked on the host's Linux, under the architecture's user-mode emulator (QEMU_USER of
config/arch/<arch>.conf, which the build passes as --qemu-user: qemu-riscv64 for riscv64, from Debian's
qemu-user), or natively when --qemu-user is empty. The program gets exactly the --env variables as its
environment. Its output is copied to stdout (ctest shows it on
failure), then the verdict, "qemu-user: PASS ..." or "qemu-user: FAIL ...: reason".

The run passes if the exit status is --expect-status (default 0), every --expect-line matched a line, and
with --ktap the output holds one complete KTAP plan without "not ok" (the rules of harness.py). Exit status
0 (pass), 1 (fail), or 77 when the emulator is not installed (ctest counts the test as skipped).
"""

import argparse
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Console  # noqa: E402  (the KTAP rules, shared with the QEMU harness)

SKIPPED = 77


def parse_args(argv):
    parser = argparse.ArgumentParser(description="Run a user program under qemu-riscv64 and judge it.")
    parser.add_argument("--ktap", action="store_true", help="the output must be a passing KTAP suite")
    parser.add_argument("--expect-status", type=int, default=0)
    parser.add_argument("--expect-line", action="append", default=[], metavar="REGEX")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--timeout", type=float, default=60, help="wall-clock limit, seconds")
    parser.add_argument("--qemu-user", default="qemu-riscv64",
                        help="the user-mode emulator (empty: run the program natively)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- PROGRAM [ARG...]")
    args = parser.parse_args(argv)
    if args.command[:1] == ["--"]:
        args.command = args.command[1:]
    if not args.command:
        parser.error("no program given")
    for item in args.env:
        if "=" not in item:
            parser.error("--env %r is not NAME=VALUE" % item)
    return args


def judge(args, status, console):
    problems = []
    if status != args.expect_status:
        problems.append("exit status %d, expected %d" % (status, args.expect_status))
    if args.ktap:
        problems += console.ktap_problems()
    return problems + console.expect_problems()


def main(argv):
    args = parse_args(argv)
    emulator = [shutil.which(args.qemu_user)] if args.qemu_user else []
    if emulator == [None]:
        print("qemu-user: SKIP: %s not found (./archipel setup installs the architecture's packages)"
              % args.qemu_user)
        return SKIPPED
    env = dict(item.split("=", 1) for item in args.env)
    console = Console(args.expect_line, [])
    try:
        proc = subprocess.run(emulator + args.command, env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        print("qemu-user: FAIL %s: timeout after %g s" % (args.command[0], args.timeout))
        return 1
    sys.stdout.buffer.write(proc.stdout)
    console.feed(proc.stdout)
    console.finish()
    problems = judge(args, proc.returncode, console)
    name = os.path.basename(args.command[0])
    if problems:
        print("\nqemu-user: FAIL %s: %s" % (name, "; ".join(problems)))
        return 1
    print("\nqemu-user: PASS %s: exit status %d%s" % (
        name, proc.returncode, ", %d/%d ok" % (len(console.results), console.plans[0]) if args.ktap else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
