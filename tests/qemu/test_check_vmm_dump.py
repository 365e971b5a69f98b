#!/usr/bin/env python3
"""check_vmm_dump.py against hand-made consoles: a correct one, and one fault of each kind it must see."""

import os
import subprocess
import sys
import unittest

CHECK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "check_vmm_dump.py")

GOOD = """\
# vmmcheck: pid 10001 region 2000000000 pages 4 reference 1
# vmmcheck: cluster 0 wrote 2000000000 pages 2
# vmmcheck: cluster 2 wrote 2000002000 pages 2
VMM of process 10001 in cluster 0 (copy, reference in cluster 1), root table 88067000, 2 vsegs
  CODE   0000010000-000007c000 pages    108 mapped     11 flags r-xp-
      vpn       10 ppn    88001 cxy 0 attr r-xu--a
  ANON   2000000000-2000004000 pages      4 mapped      2 flags rw-s-
      vpn  2000000 ppn    88073 cxy 0 attr rw-u-da
      vpn  2000001 ppn    88075 cxy 0 attr rw-u-da
  faults: false 0 local 1 global 2 failed 0; cycles: false 0 local 1 global 2
VMM of process 10001 in cluster 1 (reference, reference in cluster 1), root table bfe14000, 2 vsegs
  ANON   2000000000-2000004000 pages      4 mapped      4 flags rw-s-
      vpn  2000000 ppn    88073 cxy 0 attr rw-u-da
      vpn  2000001 ppn    88075 cxy 0 attr rw-u-da
      vpn  2000002 ppn    c09a4 cxy 2 attr rw-u-da
      vpn  2000003 ppn    c09a6 cxy 2 attr rw-u-da
  faults: false 0 local 4 global 0 failed 0; cycles: false 0 local 1 global 0
VMM of process 10001 in cluster 2 (copy, reference in cluster 1), root table c0996000, 1 vsegs
  ANON   2000000000-2000004000 pages      4 mapped      2 flags rw-s-
      vpn  2000002 ppn    c09a4 cxy 2 attr rw-u-da
      vpn  2000003 ppn    c09a6 cxy 2 attr rw-u-da
  faults: false 0 local 0 global 2 failed 0; cycles: false 0 local 0 global 2
VMM of process 10001 in cluster 3 (copy, reference in cluster 1), root table e0996000, 1 vsegs
  CODE   0000010000-000007c000 pages    108 mapped     11 flags r-xp-
  faults: false 0 local 1 global 0 failed 0; cycles: false 0 local 1 global 0
# vmmcheck: end
"""


def run(console):
    proc = subprocess.run([sys.executable, CHECK], input=console, stdout=subprocess.PIPE, text=True)
    return proc.returncode, proc.stdout.strip().split("\n")[-1]


class CheckVmmDumpTest(unittest.TestCase):
    def assertBad(self, console, reason):
        status, last = run(console)
        self.assertEqual(status, 1, last)
        self.assertRegex(last, reason)

    def test_good(self):
        status, last = run(GOOD)
        self.assertEqual(status, 0, last)
        self.assertIn("clusters [0, 2] hold exactly their slices", last)

    def test_reference_incomplete(self):
        self.assertBad(GOOD.replace("      vpn  2000003 ppn    c09a6 cxy 2 attr rw-u-da\n  faults: false 0 local 4",
                                    "  faults: false 0 local 4"), r"reference .* expected the whole region")

    def test_copy_holds_more(self):
        console = GOOD.replace("      vpn  2000001 ppn    88075 cxy 0 attr rw-u-da\n  faults: false 0 local 1",
                               "      vpn  2000001 ppn    88075 cxy 0 attr rw-u-da\n"
                               "      vpn  2000002 ppn    c09a4 cxy 2 attr rw-u-da\n  faults: false 0 local 1")
        self.assertBad(console, r"copy in cluster 0: .* expected exactly the 2 pages it wrote")

    def test_mapped_count_disagrees(self):
        self.assertBad(GOOD.replace("pages      4 mapped      2 flags rw-s-\n      vpn  2000002",
                                    "pages      4 mapped      3 flags rw-s-\n      vpn  2000002"),
                       r"copy in cluster 2: 3 mapped")

    def test_copy_frame_differs(self):
        self.assertBad(GOOD.replace("      vpn  2000003 ppn    c09a6 cxy 2 attr rw-u-da\n  faults: false 0 local 0",
                                    "      vpn  2000003 ppn    c09a7 cxy 2 attr rw-u-da\n  faults: false 0 local 0"),
                       r"vpn 2000003 -> ppn c09a7, the reference has ppn c09a6")

    def test_frame_not_first_touch(self):
        self.assertBad(GOOD.replace("vpn  2000002 ppn    c09a4 cxy 2", "vpn  2000002 ppn    c09a4 cxy 3"),
                       r"frame in cluster 3, written first by cluster 2")

    def test_copy_missing(self):
        start = GOOD.index("VMM of process 10001 in cluster 2")
        end = GOOD.index("VMM of process 10001 in cluster 3")
        self.assertBad(GOOD[:start] + GOOD[end:], r"no dump of the copies in clusters \[2\]")

    def test_cut_short(self):
        self.assertBad(GOOD.replace("# vmmcheck: end\n", ""), r"cut short")

    def test_nothing(self):
        self.assertBad("hello\n", r"did not reach its dump test")


if __name__ == "__main__":
    unittest.main()
