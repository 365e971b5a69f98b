#!/usr/bin/env python3
"""Boot Archipel once under QEMU and decide from the exit status and the console whether the run passed.

    harness.py --root DIR --arch ARCH --kernel ELF --topology NAME --cmdline "..." [--initrd FILE]
               [--timeout S] [--idle-timeout S] [--status-wait S] [--expect pass|panic] [--expect-line REGEX]...
               [--send-after REGEX TEXT]... [--exit-status N] [--check SCRIPT] [--log FILE] [--qemu PATH]

The QEMU command comes from tools/qemu_args.py (the same as `./archipel run`): the machine from the
architecture's file config/arch/ARCH.conf (ctest passes the arch of its build tree), the clusters, cores
and memory from config/topologies/NAME.conf; the serial console is on a pipe.
--initrd FILE is passed to QEMU as -initrd (the build's initramfs.cpio: the kernel's root file system).
The console is copied, as it arrives, to stdout (ctest shows it on failure) and to the log file.

The kernel's end status (hal_poweroff: 0 success, 1..255 failure) reaches QEMU's exit status through the
architecture's exit device (EXIT_DEVICE of the arch file: the RISC-V finisher gives it as is; x86's
isa-debug-exit gives (status << 1) | 1); the checks below are on the kernel's status, encoded that way.

Verdicts (the last line printed, "harness: PASS ..." or "harness: FAIL ...: reason"; exit status 0 or 1):
  --expect pass   the kernel ended with status 0; one top-level KTAP plan "1..N" and exactly the results
                  1..N, none "not ok"; no line matching PANIC, BUG: or WARNING:; every --expect-line
                  matched some line.
  --expect panic  the kernel ended through its exit device with a failure status; a "PANIC:" line, then a
                  backtrace line with a symbol name ("#0 0xffffffff80001234 func+0x1c"); every
                  --expect-line matched some line.
A wall-clock timeout and a no-output watchdog kill QEMU and fail the run; before that the harness types the
status character (^T), and the kernel's thread dump of every core (docs/sched.md) follows in the log (for
--status-wait S at most, default 20, ended by 3 s without output).
--exit-status N (with pass or exit0) wants the kernel's status N instead of 0: a program launched with
`-- /PATH` that exits with status N, or 128+S when killed by signal S.
--check SCRIPT: once the run passed, `python3 SCRIPT` reads the whole console on its stdin and judges what
the other checks cannot (a dump's contents, a panic report's frames); its exit status 0 passes, anything
else fails with the last line it printed as the reason.
A kernel panic ends with status 255 (KERNEL_EXIT_PANIC, through the exit device): with pass or exit0, that
status fails the run as a panic even when the console is too garbled to show a PANIC line (unless
--exit-status 255).

--send-after REGEX TEXT types TEXT on the console once a line (or the unfinished last line, such as a
prompt) matches REGEX. Pairs fire once each, in the order given. TEXT takes the escapes \\n \\r \\t \\xHH.
The QEMU binary is --qemu, else $ARCHIPEL_QEMU, else the arch file's.
"""

import argparse
import codecs
import os
import re
import select
import shlex
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                "tools"))
import qemu_args  # noqa: E402  (the QEMU command and the exit devices, shared with the driver)

KTAP_PLAN = re.compile(r"^1\.\.(\d+)\s*$")
KTAP_RESULT = re.compile(r"^(not ok|ok) (\d+)\b\s*(.*)$")
BAD_LINE = re.compile(r"PANIC|BUG:|WARNING:")
PANIC_LINE = re.compile(r"PANIC:")
BACKTRACE_LINE = re.compile(r"#\d+ 0x[0-9a-f]+ [A-Za-z_]\w*\+0x[0-9a-f]+")
KERNEL_EXIT_PANIC = 255     # kernel/kern/printk.h


class Console:
    """What the console showed, line by line: the KTAP results, the bad lines, the expected lines."""

    def __init__(self, expect_lines, send_after):
        self.plans = []               # N of each top-level "1..N"
        self.results = []             # (ok: bool, number, rest of the line)
        self.bad_lines = []           # lines matching BAD_LINE
        self.panic_seen = False
        self.backtrace_after_panic = False
        self.expect = {regex: False for regex in expect_lines}
        self.pending_input = list(send_after)   # (compiled regex, bytes), consumed in order
        self.last_line = ""
        self.partial = b""            # the unfinished last line
        self.partial_typed = False    # it has already made us type
        self.lines = []               # every line, for --check

    def feed(self, chunk):
        """Take console output as it comes; returns the bytes to type in answer (may be empty)."""
        lines = (self.partial + chunk).split(b"\n")
        self.partial = lines.pop()
        typed = b""
        for raw in lines:
            line = raw.decode("utf-8", "replace").rstrip("\r")
            self.feed_line(line)
            if not self.partial_typed:      # a line types once, even if it fired while unfinished
                typed += self.input_due(line)
            self.partial_typed = False
        if self.partial and not self.partial_typed:
            data = self.input_due(self.partial.decode("utf-8", "replace"))
            self.partial_typed = bool(data)
            typed += data
        return typed

    def finish(self):
        """The output has ended: an unfinished last line counts too."""
        if self.partial:
            self.feed_line(self.partial.decode("utf-8", "replace").rstrip("\r"))
            self.partial = b""

    def feed_line(self, line):
        self.lines.append(line)
        if line.strip():
            self.last_line = line
        plan = KTAP_PLAN.match(line)
        if plan:
            self.plans.append(int(plan.group(1)))
        result = KTAP_RESULT.match(line)
        if result:
            self.results.append((result.group(1) == "ok", int(result.group(2)), result.group(3)))
        if BAD_LINE.search(line):
            self.bad_lines.append(line)
        if PANIC_LINE.search(line):
            self.panic_seen = True
        elif self.panic_seen and BACKTRACE_LINE.search(line):
            self.backtrace_after_panic = True
        for regex in self.expect:
            if not self.expect[regex] and re.search(regex, line):
                self.expect[regex] = True

    def input_due(self, text):
        """The bytes to type now that `text` (a line or the unfinished last line) was shown."""
        if self.pending_input and self.pending_input[0][0].search(text):
            return self.pending_input.pop(0)[1]
        return b""

    def progress(self):
        plan = "1..%d" % self.plans[0] if self.plans else "no plan"
        last = ", last line %r" % self.last_line if self.last_line else ", no output"
        return "KTAP %s, %d result(s)%s" % (plan, len(self.results), last)

    def ktap_problems(self):
        if not self.plans:
            return ["no KTAP plan (1..N) on the console"]
        if len(self.plans) > 1:
            return ["%d top-level KTAP plans, expected one" % len(self.plans)]
        n = self.plans[0]
        problems = []
        numbers = [number for _, number, _ in self.results]
        missing = sorted(set(range(1, n + 1)) - set(numbers))
        extra = sorted(set(numbers) - set(range(1, n + 1)))
        duplicated = sorted({x for x in numbers if numbers.count(x) > 1})
        if missing:
            problems.append("KTAP plan 1..%d incomplete: %d result(s), missing %s"
                            % (n, len(numbers), short_list(missing)))
        if extra:
            problems.append("KTAP results outside the plan 1..%d: %s" % (n, short_list(extra)))
        if duplicated:
            problems.append("KTAP results reported twice: %s" % short_list(duplicated))
        failed = ["%d %s" % (number, rest) for ok, number, rest in self.results if not ok]
        if failed:
            problems.append("not ok: " + ", ".join(failed))
        return problems

    def expect_problems(self):
        return ["expected line never seen: /%s/" % regex for regex, seen in self.expect.items() if not seen]


def short_list(numbers, limit=8):
    text = ", ".join(str(x) for x in numbers[:limit])
    return text + (", ..." if len(numbers) > limit else "")


def decode_escapes(text):
    return codecs.decode(text.encode("utf-8"), "unicode_escape").encode("latin-1")


def qemu_command(args, arch):
    topology = qemu_args.Topology(args.root, args.topology)
    return qemu_args.qemu_command(arch, topology, args.kernel, args.cmdline, args.initrd, "pipe", args.qemu)


def die_with_parent():
    """In the child: get SIGKILL if the harness dies (ctest killing it must not leave QEMU running)."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def copy_out(chunk, log):
    """The console's bytes, as they arrive, to stdout (ctest shows it on failure) and to the log."""
    sys.stdout.buffer.write(chunk)
    sys.stdout.flush()
    if log:
        log.write(chunk)
        log.flush()


STATUS_CHAR = b"\x14"       # ^T: the kernel's thread dump of every core (kernel/fs/tty.h)
STATUS_QUIET = 3            # seconds without output end it


def status_report(proc, out, log, wait):
    """Before a run that timed out is killed, type the status character and copy what the kernel prints:
    where every thread waits (a hang), or nothing if the kernel itself is stuck."""
    if proc.poll() is not None:
        return
    sys.stdout.write("\nharness: timed out: typing ^T for the kernel's thread dump\n")
    sys.stdout.flush()
    type_input(proc, STATUS_CHAR)
    start = last = time.monotonic()
    while True:
        now = time.monotonic()
        if now - start >= wait or now - last >= STATUS_QUIET:
            return
        ready, _, _ = select.select([out], [], [], min(wait - (now - start), STATUS_QUIET - (now - last)))
        if not ready:
            continue
        chunk = os.read(out, 65536)
        if not chunk:
            return
        last = time.monotonic()
        copy_out(chunk, log)


def run_qemu(command, console, log, timeout, idle_timeout, status_wait):
    """Run QEMU to its end or to a timeout, feeding the console. Returns (exit status or None, reason)."""
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
    out = proc.stdout.fileno()
    start = last_output = time.monotonic()
    reason = None
    while True:
        now = time.monotonic()
        if now - start >= timeout:
            reason = "timeout: QEMU still running after %g s" % timeout
            break
        if now - last_output >= idle_timeout:
            reason = "idle timeout: no console output for %g s" % idle_timeout
            break
        wait = min(timeout - (now - start), idle_timeout - (now - last_output))
        ready, _, _ = select.select([out], [], [], wait)
        if not ready:
            continue
        chunk = os.read(out, 65536)
        if not chunk:                 # QEMU closed its output: it has exited
            break
        last_output = time.monotonic()
        copy_out(chunk, log)
        type_input(proc, console.feed(chunk))
    if reason:
        status_report(proc, out, log, status_wait)
    console.finish()
    if reason:
        stop(proc)
        return None, "%s (%s)" % (reason, console.progress())
    try:
        return proc.wait(timeout=10), None
    except subprocess.TimeoutExpired:
        stop(proc)
        return None, "QEMU closed its console but did not exit"


def type_input(proc, data):
    if not data:
        return
    try:
        proc.stdin.write(data)
        proc.stdin.flush()
    except BrokenPipeError:
        pass


def judge(expect, status, console, exit_status=0, arch=None):
    """The list of reasons the run failed (empty: it passed). @status is QEMU's exit status, @exit_status
    the kernel's wanted status, encoded by @arch's exit device (as is without an arch)."""
    problems = []
    encode = arch.qemu_status if arch else (lambda code: code)
    describe = arch.describe_status if arch else str
    guest = arch.guest_status(status) if arch else status
    if expect in ("pass", "exit0"):
        if status == encode(KERNEL_EXIT_PANIC) and exit_status != KERNEL_EXIT_PANIC:
            problems.append("the kernel panicked (QEMU exit status %s)" % describe(status))
        elif status != encode(exit_status):
            wanted = "%d" % exit_status if encode(exit_status) == exit_status else \
                "%d (status %d)" % (encode(exit_status), exit_status)
            problems.append("QEMU exit status %s, expected %s" % (describe(status), wanted))
        if expect == "pass":
            problems += console.ktap_problems()
        if console.bad_lines:
            problems.append("bad line: %r" % console.bad_lines[0])
    else:
        if guest is None or guest == 0:
            problems.append("QEMU exit status %s, expected a failure status" % describe(status))
        if not console.panic_seen:
            problems.append("no PANIC: line")
        elif not console.backtrace_after_panic:
            problems.append("no backtrace line with a symbol name after PANIC:")
    return problems + console.expect_problems()


def run_check(script, console):
    """The problems --check SCRIPT finds in the console (empty: none)."""
    try:
        proc = subprocess.run([sys.executable, script], input="\n".join(console.lines) + "\n",
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        return ["check %s could not run: %s" % (script, error)]
    sys.stdout.write(proc.stdout)
    if proc.returncode == 0:
        return []
    last = [line for line in proc.stdout.split("\n") if line.strip()]
    return ["check %s: %s" % (os.path.basename(script), last[-1] if last else "exit status %d" % proc.returncode)]


def summary(expect, status, console, arch):
    status = arch.describe_status(status)
    if expect == "panic":
        return "panicked with a backtrace, QEMU exit status %s" % status
    if expect == "exit0":
        return "QEMU exit status %s, every expected line seen" % status
    skipped = sum(1 for ok, _, rest in console.results if ok and re.search(r"#\s*SKIP", rest, re.I))
    return "QEMU exit status %s, %d/%d ok%s" % (
        status, len(console.results), console.plans[0], ", %d skipped" % skipped if skipped else "")


def parse_args(argv):
    parser = argparse.ArgumentParser(description="Boot Archipel under QEMU and judge the run.")
    parser.add_argument("--root", required=True, help="repository root (config/arch, config/topologies)")
    parser.add_argument("--arch", default="riscv64", help="config/arch/ARCH.conf (default riscv64)")
    parser.add_argument("--kernel", required=True, help="kernel ELF")
    parser.add_argument("--topology", required=True, help="config/topologies/NAME.conf")
    parser.add_argument("--cmdline", default="", help="kernel command line")
    parser.add_argument("--initrd", help="initramfs for QEMU's -initrd")
    parser.add_argument("--timeout", type=float, default=120, help="wall-clock limit, seconds")
    parser.add_argument("--idle-timeout", type=float, default=30, help="no-output limit, seconds")
    parser.add_argument("--status-wait", type=float, default=20,
                        help="after a timeout, seconds at most for the kernel's thread dump (^T)")
    parser.add_argument("--expect", choices=["pass", "exit0", "panic"], default="pass",
                        help="pass: exit 0 and a complete KTAP plan without failure; exit0: exit 0 "
                             "(a program that prints no KTAP); panic: a panic with a backtrace")
    parser.add_argument("--expect-line", action="append", default=[], metavar="REGEX")
    parser.add_argument("--send-after", nargs=2, action="append", default=[], metavar=("REGEX", "TEXT"))
    parser.add_argument("--exit-status", type=int, default=0, metavar="N",
                        help="with pass or exit0: the QEMU exit status wanted (default 0)")
    parser.add_argument("--check", metavar="SCRIPT", help="python script judging the console (stdin)")
    parser.add_argument("--log", help="file receiving the console")
    parser.add_argument("--qemu", default=os.environ.get("ARCHIPEL_QEMU"),
                        help="QEMU binary (default: $ARCHIPEL_QEMU, else the arch file's)")
    return parser.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    name = "%s %s %s" % (args.arch, args.topology, args.cmdline or '""')
    for regex in args.expect_line:
        re.compile(regex)
    send_after = [(re.compile(regex), decode_escapes(text)) for regex, text in args.send_after]
    console = Console(args.expect_line, send_after)

    arch = None
    if not os.path.isfile(args.kernel):
        problems, status = ["kernel ELF not found: %s" % args.kernel], None
    elif args.initrd and not os.path.isfile(args.initrd):
        problems, status = ["initrd not found: %s" % args.initrd], None
    else:
        try:
            arch = qemu_args.Arch(args.root, args.arch)
            command = qemu_command(args, arch)
        except qemu_args.ConfigError as error:
            command = None
            problems, status = ["%s" % error], None
        if command:
            print("harness: " + " ".join(shlex.quote(word) for word in command), flush=True)
            log = open(args.log, "wb") if args.log else None
            try:
                status, reason = run_qemu(command, console, log, args.timeout, args.idle_timeout,
                                           args.status_wait)
            except OSError as error:
                status, reason = None, "cannot run %s: %s" % (command[0], error.strerror)
            finally:
                if log:
                    log.close()
            problems = [reason] if reason else judge(args.expect, status, console, args.exit_status, arch)
            if not problems and args.check:
                problems = run_check(args.check, console)

    if problems:
        verdict = "harness: FAIL %s: %s" % (name, "; ".join(problems))
    else:
        verdict = "harness: PASS %s: %s" % (name, summary(args.expect, status, console, arch))
    print("\n" + verdict, flush=True)
    if args.log:
        with open(args.log, "a") as log:
            log.write("\n" + verdict + "\n")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
