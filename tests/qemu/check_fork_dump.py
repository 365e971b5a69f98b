#!/usr/bin/env python3
"""Check the VMM dumps printed by `test_fork dump` (harness --check: the console comes on stdin).

    # forkcheck: parent 1 child 30001 region 2000000000 pages 8 clusters 4
    VMM of process 1 in cluster 0 (reference, reference in cluster 0), root table ..., 6 vsegs
      ANON   2000000000-2000008000 pages      8 mapped      8 flags rw-s-
          vpn  2000000 ppn    88073 cxy 0 attr r--uc-a
    ...
    VMM of process 30001 in cluster 3 (reference, ...)
    ...
    # forkcheck: end

A thread of the parent in each cluster wrote its own slice of the region before the fork. Checked:
in every copy of the parent, every PTE of the region is copy-on-write and not writable (the fork
marked all of them, not only the reference's); the reference maps the whole region, each other
copy at least its slice; the child maps the whole region, copy-on-write, on the parent's frames.
Exit status 0 if all holds, else 1 with the first problem as the last line printed.
"""

import re
import sys

from vmm_dump import HEADER, PTE

PAGE_SHIFT = 12
ANNOUNCE = re.compile(r"# forkcheck: parent ([0-9a-f]+) child ([0-9a-f]+) region ([0-9a-f]+) "
                      r"pages (\d+) clusters (\d+)")


class Problem(Exception):
    pass


def parse(lines):
    """The announcement, and {(pid, cxy): {vpn: (ppn, attr)}} of the dumps up to the end line."""
    announce, dumps, current = None, {}, None
    for line in lines:
        line = line.rstrip("\n")
        m = ANNOUNCE.search(line)
        if m:
            announce = m
            continue
        if announce is None:
            continue
        if "# forkcheck: end" in line:
            return announce, dumps
        m = HEADER.match(line)
        if m:
            current = dumps.setdefault((int(m.group(1), 16), int(m.group(2), 16)), {})
            continue
        m = PTE.match(line)
        if m and current is not None:
            current[int(m.group(1), 16)] = (int(m.group(2), 16), m.group(4))
    raise Problem("no complete '# forkcheck:' block in the console")


def check(lines):
    announce, dumps = parse(lines)
    parent, child = int(announce.group(1), 16), int(announce.group(2), 16)
    base = int(announce.group(3), 16) >> PAGE_SHIFT
    pages, clusters = int(announce.group(4)), int(announce.group(5))
    region = range(base, base + pages)
    slice_pages = pages // clusters
    ref_cxy = parent >> 16
    ref = dumps.get((parent, ref_cxy))
    if ref is None:
        raise Problem("no dump of the parent's reference (cluster %d)" % ref_cxy)
    for cxy in range(clusters):
        dump = dumps.get((parent, cxy))
        if dump is None:
            raise Problem("no dump of the parent's copy in cluster %d" % cxy)
        mine = range(base + cxy * slice_pages, base + (cxy + 1) * slice_pages)
        expected = region if cxy == ref_cxy else mine
        for vpn in expected:
            if vpn not in dump:
                raise Problem("parent copy %d: vpn %x of its slice is not mapped" % (cxy, vpn))
        for vpn in region:
            if vpn not in dump:
                continue
            ppn, attr = dump[vpn]
            if attr[4] != "c" or attr[1] != "-":
                raise Problem("parent copy %d: vpn %x is %s, not copy-on-write" % (cxy, vpn, attr))
            if vpn in ref and ref[vpn][0] != ppn:
                raise Problem("parent copy %d: vpn %x on frame %x, the reference's is %x"
                              % (cxy, vpn, ppn, ref[vpn][0]))
    kid = dumps.get((child, child >> 16))
    if kid is None:
        raise Problem("no dump of the child (cluster %d)" % (child >> 16))
    for vpn in region:
        if vpn not in kid:
            raise Problem("child: vpn %x not mapped" % vpn)
        ppn, attr = kid[vpn]
        if attr[4] != "c" or attr[1] != "-":
            raise Problem("child: vpn %x is %s, not copy-on-write" % (vpn, attr))
        if ppn != ref[vpn][0]:
            raise Problem("child: vpn %x on frame %x, the parent's is %x" % (vpn, ppn, ref[vpn][0]))
    print("forkcheck: %d copies of the parent and the child copy-on-write over %d pages"
          % (clusters, pages))


def main():
    try:
        check(sys.stdin.readlines())
    except Problem as problem:
        print("forkcheck: %s" % problem)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
