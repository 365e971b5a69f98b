"""The lines of a `display vmm` dump (format: docs/vmm.md), for the checkers of the QEMU tests.

    VMM of process 10001 in cluster 0 (copy, reference in cluster 1), root table 88067000, 5 vsegs
      ANON   2000000000-200000c000 pages     12 mapped      4 flags rw-s-
          vpn  2000000 ppn    88073 cxy 0 attr rw-u-da

HEADER: pid, cluster, "reference" or "copy", reference cluster (hex). VSEG: type, min, max (hex),
pages, mapped. PTE: vpn, ppn, cxy (hex), attributes.
"""

import re

HEADER = re.compile(r"^VMM of process ([0-9a-f]+) in cluster ([0-9a-f]+) \((reference|copy), "
                    r"reference in cluster ([0-9a-f]+)\)")
VSEG = re.compile(r"^  (\w+)\s+([0-9a-f]+)-([0-9a-f]+) pages\s+(\d+) mapped\s+(\d+) flags")
PTE = re.compile(r"^      vpn\s+([0-9a-f]+) ppn\s+([0-9a-f]+) cxy ([0-9a-f]+) attr (\S+)")
