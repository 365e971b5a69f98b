#!/usr/bin/env python3
"""check_panic.py against hand-made consoles: a whole report, and each fault it must see."""

import os
import subprocess
import sys
import unittest

CHECK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "check_panic.py")

GOOD = """\
1..1
[    1.4][1,0] panic test: core [1,0] line 0
# expect backtrace: inner outer ktest_main
PANIC: deliberate panic at depth 3
  on core [0,0] at 1506731400 ns
  sstatus 8000000200006020 sie 0000000000000222 satp 8000000000080297
backtrace:
  #0 0xffffffff80016712 inner+0x1c
  #1 0xffffffff80016724 middle.constprop.0+0xe
  -- timer interrupt in the kernel, at:
  #2 0xffffffff80016750 outer.isra.0+0xe
  #3 0xffffffff8000b6c6 ktest_main+0x132
end of panic on core [0,0]
"""


def run(console):
    proc = subprocess.run([sys.executable, CHECK], input=console, stdout=subprocess.PIPE, text=True)
    return proc.returncode, proc.stdout.strip().split("\n")[-1]


class CheckPanic(unittest.TestCase):
    def assertProblem(self, console, pattern):
        status, last = run(console)
        self.assertEqual(status, 1, last)
        self.assertRegex(last, pattern)

    def test_good(self):
        status, last = run(GOOD)
        self.assertEqual(status, 0, last)

    def test_interleaved_line(self):
        self.assertProblem(GOOD.replace("backtrace:\n", "backtrace:\n[    1.5][2,1] panic test: x\n"),
                           r"not the report's")

    def test_torn_panic_line(self):
        self.assertProblem(GOOD.replace("PANIC: deliberate", "[  1.5][2,1] paPANIC: deliberate"), r"torn")

    def test_two_panics(self):
        self.assertProblem(GOOD + "PANIC: another\n", r"2 lines name PANIC")

    def test_output_after_the_end(self):
        self.assertProblem(GOOD + "[    1.6][2,1] late line\n", r"output after the end")

    def test_core_not_stopped(self):
        self.assertProblem(GOOD.replace("backtrace:\n", "  1 of the 7 other cores did not stop\nbacktrace:\n"),
                           r"not every core stopped")

    def test_wrong_order(self):
        self.assertProblem(GOOD.replace("inner outer ktest_main", "outer inner ktest_main"), r"lacks inner")

    def test_missing_frame(self):
        self.assertProblem(GOOD.replace("inner outer", "inner kernel_main outer"), r"lacks kernel_main")

    def test_no_end(self):
        self.assertProblem(GOOD.replace("end of panic on core [0,0]\n", ""), r"no 'end of panic'")

    def test_no_expectation(self):
        self.assertProblem(GOOD.replace("# expect backtrace: inner outer ktest_main\n", ""), r"no '# expect")


if __name__ == "__main__":
    unittest.main()
