#!/usr/bin/env python3
"""Check the VMM dumps printed by user/test_vmm.c (harness --check: the console comes on stdin).

test_vmm announces what it did between "# vmmcheck:" lines, then prints `display vmm` with PTEs for
every cluster (format: docs/vmm.md):

    # vmmcheck: pid 10001 region 2000000000 pages 12 reference 1
    # vmmcheck: cluster 0 wrote 2000000000 pages 4
    ...
    VMM of process 10001 in cluster 0 (copy, reference in cluster 1), root table 88067000, 5 vsegs
      ANON   2000000000-200000c000 pages     12 mapped      4 flags rw-s-
          vpn  2000000 ppn    88073 cxy 0 attr rw-u-da
    ...
    # vmmcheck: end

Checked, for the region's vseg: the reference's dump maps every page of the region; the dump of each
cluster that wrote a slice maps exactly that slice (its "mapped" count and its PTE lines), with the
reference's frames; every frame is in the cluster that wrote the page first (ANON first touch); a
cluster that wrote nothing maps nothing of the region. Exit status 0 if all holds, else 1 with the
first problem as the last line printed.
"""

import re
import sys

from vmm_dump import HEADER, VSEG, PTE

PAGE_SHIFT = 12
ANNOUNCE = re.compile(r"# vmmcheck: pid ([0-9a-f]+) region ([0-9a-f]+) pages (\d+) reference (\d+)")
WROTE = re.compile(r"# vmmcheck: cluster (\d+) wrote ([0-9a-f]+) pages (\d+)")


class Problem(Exception):
    pass


def parse(lines):
    """The announcement and the dumps between "# vmmcheck:" and "# vmmcheck: end"."""
    announce, wrote, dumps, current, vseg = None, [], {}, None, None
    for line in lines:
        line = line.rstrip("\r")
        if announce is None:
            m = ANNOUNCE.search(line)
            if m:
                announce = (int(m.group(1), 16), int(m.group(2), 16), int(m.group(3)), int(m.group(4)))
            continue
        if "# vmmcheck: end" in line:
            return announce, wrote, dumps
        m = WROTE.search(line)
        if m:
            wrote.append((int(m.group(1)), int(m.group(2), 16), int(m.group(3))))
            continue
        m = HEADER.match(line)
        if m:
            current = {"pid": int(m.group(1), 16), "role": m.group(3), "ref": int(m.group(4), 16),
                       "vsegs": {}}
            dumps[int(m.group(2), 16)] = current
            vseg = None
            continue
        m = VSEG.match(line)
        if m and current is not None:
            vseg = {"type": m.group(1), "min": int(m.group(2), 16), "max": int(m.group(3), 16),
                    "mapped": int(m.group(5)), "ptes": {}}
            current["vsegs"][vseg["min"]] = vseg
            continue
        m = PTE.match(line)
        if m and vseg is not None:
            vseg["ptes"][int(m.group(1), 16)] = (int(m.group(2), 16), int(m.group(3), 16), m.group(4))
    if announce is None:
        raise Problem("no '# vmmcheck: pid ...' line: test_vmm did not reach its dump test")
    raise Problem("no '# vmmcheck: end' line: the dumps were cut short")


def region_of(dumps, cxy, base, pid):
    dump = dumps.get(cxy)
    if dump is None:
        raise Problem("cluster %d: no VMM dump" % cxy)
    if dump["pid"] != pid:
        raise Problem("cluster %d: dump of process %x, expected %x" % (cxy, dump["pid"], pid))
    return dump, dump["vsegs"].get(base)


def check(lines):
    (pid, base, pages, ref), wrote, dumps = parse(lines)
    first_vpn = base >> PAGE_SHIFT
    region = set(range(first_vpn, first_vpn + pages))
    writer_of = {}
    for cxy, start, count in wrote:
        for vpn in range(start >> PAGE_SHIFT, (start >> PAGE_SHIFT) + count):
            writer_of[vpn] = cxy
    if set(writer_of) != region:
        raise Problem("the slices announced do not cover the region exactly")

    dump, vseg = region_of(dumps, ref, base, pid)
    if dump["role"] != "reference" or dump["ref"] != ref:
        raise Problem("cluster %d: dump says %s with reference %d" % (ref, dump["role"], dump["ref"]))
    if vseg is None:
        raise Problem("reference (cluster %d): no vseg at %x" % (ref, base))
    if vseg["mapped"] != pages or set(vseg["ptes"]) != region:
        raise Problem("reference (cluster %d): %d pages mapped, %d PTE lines, expected the whole region (%d)"
                      % (ref, vseg["mapped"], len(vseg["ptes"]), pages))
    reference = vseg["ptes"]
    for vpn, (ppn, cxy, attr) in sorted(reference.items()):
        if cxy != writer_of[vpn]:
            raise Problem("reference: vpn %x has its frame in cluster %d, written first by cluster %d"
                          % (vpn, cxy, writer_of[vpn]))
        if "w" not in attr:
            raise Problem("reference: vpn %x not writable (%s)" % (vpn, attr))

    for cxy in sorted(dumps):
        if cxy == ref:
            continue
        dump, vseg = region_of(dumps, cxy, base, pid)
        if dump["role"] != "copy" or dump["ref"] != ref:
            raise Problem("cluster %d: dump says %s with reference %d" % (cxy, dump["role"], dump["ref"]))
        mine = {vpn for vpn, writer in writer_of.items() if writer == cxy}
        mapped = set(vseg["ptes"]) if vseg else set()
        count = vseg["mapped"] if vseg else 0
        if mapped != mine or count != len(mine):
            raise Problem("copy in cluster %d: %d mapped, PTEs %s, expected exactly the %d pages it wrote"
                          % (cxy, count, sorted("%x" % v for v in mapped), len(mine)))
        for vpn in mapped:
            if vseg["ptes"][vpn][:2] != reference[vpn][:2]:
                raise Problem("copy in cluster %d: vpn %x -> ppn %x, the reference has ppn %x"
                              % (cxy, vpn, vseg["ptes"][vpn][0], reference[vpn][0]))
    writers = {cxy for cxy, _, _ in wrote if cxy != ref}
    missing = writers - set(dumps)
    if missing:
        raise Problem("no dump of the copies in clusters %s" % sorted(missing))
    print("check_vmm_dump: the reference (cluster %d) maps all %d pages; %s"
          % (ref, pages, "the copies in clusters %s hold exactly their slices" % sorted(writers)
             if writers else "no other cluster"))


def main():
    try:
        check(sys.stdin.read().split("\n"))
    except Problem as problem:
        print("check_vmm_dump: %s" % problem)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
